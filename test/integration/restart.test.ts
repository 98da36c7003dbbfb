import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** Waits for input, then exits with the status typed into the pane: a process the test ends at will. */
const EXIT_ON_INPUT = 'read code; exit "$code"';

type StatusRow = { name: string; state: string; pid: number | null; restarts: number; lastExitStatus: number | null };

async function statusOf(file: string, name: string): Promise<StatusRow> {
  const r = await t.tmuxctl(['status', '-f', file, name, '-o', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).sessions[0];
}

/** Makes the session's command exit with `code` and waits until tmux shows the pane dead. */
async function exitWith(session: string, code: number): Promise<void> {
  const pane = (await t.pane(session))!;
  await t.tmux('send-keys', '-t', pane.paneId, String(code), 'Enter');
  await waitFor(async () => (await t.pane(session))?.dead, 5000, `${session}'s pane to die`);
}

describe('dead panes and killed sessions', () => {
  it('recreates a session killed behind its back', async () => {
    const file = t.writeSpec('killed/app.yaml', specDoc({ 'kil-a': quickSession(LONG_RUNNING), 'kil-b': quickSession(LONG_RUNNING) }));
    await t.tmuxctl(['apply', '-f', file]);
    const b = (await t.pane('kil-b'))!;
    await t.tmux('kill-session', '-t', '=kil-a');
    expect((await statusOf(file, 'kil-a')).state).toBe('missing');

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('+ create kil-a (not found)\napplied: 1 created\n');
    expect((await t.pane('kil-a'))!.dead).toBe(false);
    expect((await t.pane('kil-b'))!.pid).toBe(b.pid);
  });

  it('restart: always restarts a process that was killed by a signal, and counts it', async () => {
    const file = t.writeSpec('always/app.yaml', specDoc({ 'alw-a': quickSession(LONG_RUNNING, { restart: 'always' }) }));
    await t.tmuxctl(['apply', '-f', file]);
    const before = (await t.pane('alw-a'))!;
    process.kill(before.pid, 'SIGKILL'); // the pane process is sleep itself (argv, exec'd)
    await waitFor(async () => (await t.pane('alw-a'))?.dead, 5000, 'pane to die');
    expect(await statusOf(file, 'alw-a')).toMatchObject({ state: 'backoff', pid: null, lastExitStatus: 128 + 9 });
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(1);

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('~ restart alw-a (killed by signal 9)\napplied: 1 restarted\n');
    const after = (await t.pane('alw-a'))!;
    expect(after.dead).toBe(false);
    expect(after.pid).not.toBe(before.pid);
    expect(after.sessionId).toBe(before.sessionId);
    expect(await statusOf(file, 'alw-a')).toMatchObject({ state: 'running', pid: after.pid, restarts: 1, lastExitStatus: 137 });
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
  });

  it('restart: always restarts a clean exit too', async () => {
    const file = t.writeSpec('always0/app.yaml', specDoc({ 'alw-zero': quickSession(EXIT_ON_INPUT, { restart: 'always' }) }));
    await t.tmuxctl(['apply', '-f', file]);
    await exitWith('alw-zero', 0);
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toBe('~ restart alw-zero (exited with status 0)\napplied: 1 restarted\n');
    expect((await t.pane('alw-zero'))!.dead).toBe(false);
  });

  it('restart: never leaves a dead pane dead, shown as exited', async () => {
    const file = t.writeSpec('never/app.yaml', specDoc({ 'nev-a': quickSession(EXIT_ON_INPUT, { restart: 'never' }) }));
    await t.tmuxctl(['apply', '-f', file]);
    await exitWith('nev-a', 3);
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('in sync: 1 session, nothing to do\n');
    expect((await t.pane('nev-a'))!).toMatchObject({ dead: true, deadStatus: 3 });
    expect(await statusOf(file, 'nev-a')).toMatchObject({ state: 'exited', pid: null, restarts: 0, lastExitStatus: 3 });
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
  });

  it('restart: on-failure leaves a clean exit and restarts a failure', async () => {
    const file = t.writeSpec(
      'onfailure/app.yaml',
      specDoc({
        'onf-ok': quickSession(EXIT_ON_INPUT, { restart: 'on-failure' }),
        'onf-bad': quickSession(EXIT_ON_INPUT, { restart: 'on-failure' }),
      }),
    );
    await t.tmuxctl(['apply', '-f', file]);
    await exitWith('onf-ok', 0);
    await exitWith('onf-bad', 4);

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('~ restart onf-bad (exited with status 4)\napplied: 1 restarted\n');
    expect((await t.pane('onf-ok'))!).toMatchObject({ dead: true, deadStatus: 0 });
    expect((await t.pane('onf-bad'))!.dead).toBe(false);
    expect(await statusOf(file, 'onf-ok')).toMatchObject({ state: 'exited', lastExitStatus: 0 });
    expect(await statusOf(file, 'onf-bad')).toMatchObject({ state: 'running', restarts: 1, lastExitStatus: 4 });
  });

  it('a dead pane whose spec changed is restarted with the new spec, whatever the policy', async () => {
    const file = t.writeSpec('deadchg/app.yaml', specDoc({ 'dch-a': quickSession(EXIT_ON_INPUT, { restart: 'never' }) }));
    await t.tmuxctl(['apply', '-f', file]);
    await exitWith('dch-a', 0);
    t.writeSpec('deadchg/app.yaml', specDoc({ 'dch-a': quickSession(LONG_RUNNING, { restart: 'never' }) }));
    expect((await statusOf(file, 'dch-a')).state).toBe('drifted');
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toBe('~ restart dch-a (command changed)\napplied: 1 restarted\n');
    expect((await t.pane('dch-a'))!.dead).toBe(false);
  });
});

describe('environment files', () => {
  it('a changed env file restarts the session that reads it, and only that one', async () => {
    const out = t.path('envfile-out.txt');
    t.writeSpec('envfile/app.env', 'GREETING=first\n');
    const file = t.writeSpec(
      'envfile/app.yaml',
      specDoc({
        'envf-reader': quickSession(`printf '%s' "$GREETING" > "$OUT"; exec sleep 100000`, { envFile: 'app.env', env: { OUT: out } }),
        'envf-other': quickSession(LONG_RUNNING),
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(() => readIfExists(out) === 'first', 5000, 'first value written');
    const other = (await t.pane('envf-other'))!;
    const reader = (await t.pane('envf-reader'))!;

    t.writeSpec('envfile/app.env', 'GREETING=second\n');
    expect((await t.tmuxctl(['diff', '-f', file])).stdout).toBe('~ restart envf-reader (environment changed)\n1 change pending\n');
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('~ restart envf-reader (environment changed)\napplied: 1 restarted\n');
    await waitFor(() => readIfExists(out) === 'second', 5000, 'second value written');
    expect((await t.pane('envf-reader'))!.pid).not.toBe(reader.pid);
    expect((await t.pane('envf-other'))!.pid).toBe(other.pid);

    // A variable dropped from the file is gone from the restarted process, not left over from before.
    t.writeSpec('envfile/app.env', 'OTHER=x\n');
    await t.tmuxctl(['apply', '-f', file]);
    await waitFor(() => readIfExists(out) === '', 5000, 'empty value written');
  });
});

describe('start-up verification', () => {
  it('a command that dies at once is reported with its status and last output, exit 3, the rest still applied', async () => {
    const file = t.writeSpec(
      'startfail/app.yaml',
      specDoc({
        'sf-bad': { command: 'echo "starting up"; echo "fatal: no config" >&2; exit 7', startSeconds: 0.5 },
        'sf-good': { command: LONG_RUNNING, startSeconds: 0.5 },
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['+ create sf-bad (not found)', '+ create sf-good (not found)']);
    expect(lines).toContain('✗ failed sf-bad (exited with status 7 within 0.5s of starting)');
    expect(lines).toContain('    | starting up');
    expect(lines).toContain('    | fatal: no config');
    expect(lines.at(-1)).toMatch(/^applied: 2 created, 1 failed$/);
    expect((await t.pane('sf-good'))!.dead).toBe(false);

    const json = await t.tmuxctl(['apply', '-f', file, '-o', 'json']);
    expect(json.exitCode).toBe(3);
    const j = JSON.parse(json.stdout);
    expect(j.actions).toEqual([{ action: 'restart', session: 'sf-bad', target: 'sf-bad', reason: 'exited with status 7', host: 'local' }]);
    expect(j.failures, json.stdout).toEqual([
      expect.objectContaining({ session: 'sf-bad', exitStatus: 7, output: expect.arrayContaining(['fatal: no config']) }),
    ]);
  });

  it('a command killed by a signal during start-up is reported with the signal', async () => {
    const file = t.writeSpec('startsig/app.yaml', specDoc({ 'sf-sig': { command: 'kill -TERM $$', startSeconds: 0.3 } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('✗ failed sf-sig (killed by signal 15 within 0.3s of starting)');
  });
});
