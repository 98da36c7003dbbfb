import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { type StatusJson, startWatch, statusOf } from '../helpers/watch.js';

const t = useTmuxServer();

/** `status -o json` for one pane, with the `waiting` field this file is about. */
const statusWithWait = async (file: string, name: string) => (await statusOf(t, ['-f', file], name)) as StatusJson & { waiting: string | null };

/**
 * A dependent that writes, at its start, whether the dependency's condition held then (`yes`/`no`),
 * then keeps running: the test reads what the dependent itself saw, not a timing.
 */
function sawAtStart(file: string, flag: string): string {
  return `if test -f '${flag}'; then echo yes > '${file}'; else echo no > '${file}'; fi; exec sleep 100000`;
}

/** A dependency whose health check passes once `flag` exists. */
function healthyWhen(flag: string): Record<string, unknown> {
  return quickSession(LONG_RUNNING, { healthCheck: { command: ['test', '-f', flag], intervalSeconds: 0.2, timeoutSeconds: 2 } });
}

describe('dependsOn', () => {
  it('apply starts a dependent only after its dependency passed its health check, running that check itself while it waits', async () => {
    const ready = t.path('apply-db-ready');
    const saw = t.path('apply-web-saw');
    const file = t.writeSpec(
      'apply-healthy/app.yaml',
      specDoc({ 'a-db': healthyWhen(ready), 'a-web': quickSession(sawAtStart(saw, ready), { dependsOn: { 'a-db': 'healthy' } }) }),
    );
    const apply = t.tmuxctl(['apply', '-f', file]);
    await waitFor(() => t.pane('a-db'), 10_000, 'a-db created');
    // While the dependency is unhealthy, the dependent waits: status says why.
    const waiting = await statusWithWait(file, 'a-web');
    expect([waiting.state, waiting.waiting]).toEqual(['waiting', 'waiting for a-db to be healthy']);
    expect(await t.pane('a-web')).toBeUndefined();
    writeFileSync(ready, '');
    const r = await apply;
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\+ create a-db \(not found\)$/m);
    expect(r.stdout).toMatch(/^\+ create a-web \(not found\)$/m);
    expect(await waitFor(() => readIfExists(saw), 5000, 'a-web started')).toBe('yes\n');
  });

  it('watch starts a dependent on the pass after its dependency turned healthy', async () => {
    const ready = t.path('watch-db-ready');
    const saw = t.path('watch-web-saw');
    const file = t.writeSpec(
      'watch-healthy/app.yaml',
      specDoc({ 'w-db': healthyWhen(ready), 'w-web': quickSession(sawAtStart(saw, ready), { dependsOn: { 'w-db': 'healthy' } }) }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => t.pane('w-db'), 10_000, 'w-db created');
    await waitFor(async () => (await statusWithWait(file, 'w-web')).waiting === 'waiting for w-db to be healthy', 10_000, 'w-web waiting');
    expect(await t.pane('w-web')).toBeUndefined();
    writeFileSync(ready, '');
    // The next check passes (0.2 s), which wakes watch: well within the resync (30 s).
    expect(await waitFor(() => readIfExists(saw), 10_000, 'w-web started')).toBe('yes\n');
    expect((await statusOf(t, ['-f', file], 'w-web')).state).toBe('running');
  });

  it('completed: apply starts the dependent once the one-shot job exited with status 0', async () => {
    const done = t.path('migrated');
    const saw = t.path('app-saw');
    const file = t.writeSpec(
      'completed/app.yaml',
      specDoc({
        'c-migrate': quickSession(`sleep 1; touch '${done}'`, { restart: 'never' }),
        'c-app': quickSession(sawAtStart(saw, done), { dependsOn: { 'c-migrate': 'completed' } }),
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await waitFor(() => readIfExists(saw), 5000, 'c-app started')).toBe('yes\n');
  });

  it('completed: a one-shot job that failed and stays down ends the wait at once (exit 3, saying why), without waiting out the timeout', async () => {
    const file = t.writeSpec(
      'failed-job/app.yaml',
      specDoc({
        'f-migrate': quickSession('sleep 0.5; exit 1', { restart: 'never' }),
        'f-app': quickSession(LONG_RUNNING, { dependsOn: { 'f-migrate': 'completed' } }),
      }),
    );
    // The default --wait-timeout is 60 s: ending well before it is the point.
    const r = await t.tmuxctl(['apply', '-f', file], { timeoutMs: 20_000 });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      'tmuxctl: f-app (waiting for f-migrate to complete) cannot start: f-migrate exited with status 1, and restart: never keeps it down\n',
    );
    expect(await t.pane('f-app')).toBeUndefined();
  });

  it('--wait-timeout: apply gives up with exit 3 naming what it waited for, and starts nothing in its place', async () => {
    const file = t.writeSpec(
      'timeout/app.yaml',
      specDoc({
        't-db': healthyWhen(t.path('never-there')),
        't-web': quickSession(LONG_RUNNING, { dependsOn: { 't-db': 'healthy' } }),
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '1'], { timeoutMs: 15_000 });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('tmuxctl: gave up after 1s (--wait-timeout) waiting for dependencies: t-web (waiting for t-db to be healthy)\n');
    expect(r.stdout).toMatch(/^… wait t-web \(waiting for t-db to be healthy\)$/m);
    expect(await t.pane('t-db')).toBeDefined();
    expect(await t.pane('t-web')).toBeUndefined();
    // diff shows the wait too, and counts it as a difference.
    const d = await t.tmuxctl(['diff', '-f', file, '-o', 'json']);
    expect(d.exitCode).toBe(1);
    expect(JSON.parse(d.stdout).waiting).toEqual([
      { session: 't-web', target: 't-web', reason: 'waiting for t-db to be healthy', dependencies: ['t-db'], host: 'local' },
    ]);
  });

  it('an independent session is not delayed by a dependency chain elsewhere', async () => {
    const file = t.writeSpec(
      'independent/app.yaml',
      specDoc({
        'i-db': healthyWhen(t.path('i-never')),
        'i-web': quickSession(LONG_RUNNING, { dependsOn: { 'i-db': 'healthy' } }),
        'i-alone': quickSession(LONG_RUNNING),
      }),
    );
    const apply = t.tmuxctl(['apply', '-f', file, '--wait-timeout', '30'], { timeoutMs: 40_000 });
    // Started by apply's first pass, while apply still waits for i-db.
    await waitFor(() => t.pane('i-alone'), 10_000, 'i-alone created');
    expect(await t.pane('i-web')).toBeUndefined();
    writeFileSync(t.path('i-never'), '');
    expect((await apply).exitCode).toBe(0);
  });

  it('delete stops dependents before what they depend on', async () => {
    const order = t.path('stop-order');
    // Each records its SIGTERM; the dependent takes a while to stop, so a stop of both at once would
    // record the dependency first.
    const stopsAs = (name: string, delay: string) =>
      quickSession(`trap "${delay}echo ${name} >> '${order}'; exit 0" TERM; while :; do sleep 0.1; done`, { stopTimeoutSeconds: 5 });
    const file = t.writeSpec(
      'delete-order/app.yaml',
      specDoc({
        'd-db': stopsAs('d-db', ''),
        'd-web': { ...stopsAs('d-web', 'sleep 1; '), dependsOn: { 'd-db': 'started' } },
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(() => t.pane('d-web'), 5000, 'd-web created');
    const r = await t.tmuxctl(['delete', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(readIfExists(order)).toBe('d-web\nd-db\n');
    // Printed in the order they were stopped.
    expect(r.stdout).toBe('- kill d-web (deleted)\n- kill d-db (deleted)\ndeleted: 2 sessions\n');
  });
});
