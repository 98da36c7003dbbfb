import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

/** A session tmuxctl does not own: made with raw tmux, so it carries no @tmuxctl-* option. */
async function foreign(name: string): Promise<{ sessionId: string; pid: number }> {
  await t.tmux('new-session', '-d', '-s', name, '--', ...LONG_RUNNING);
  const p = (await t.pane(name))!;
  return { sessionId: p.sessionId, pid: p.pid };
}

describe('prune', () => {
  it('kills an owned session whose declaration was removed from the applied folder', async () => {
    const folder = t.path('specs', 'prune');
    t.writeSpec('prune/keep.yaml', specDoc({ 'prn-keep': quickSession(LONG_RUNNING) }));
    const gone = t.writeSpec('prune/gone.yaml', specDoc({ 'prn-gone': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', folder])).exitCode).toBe(0);
    const keep = (await t.pane('prn-keep'))!;
    const doomed = (await t.pane('prn-gone'))!;

    rmSync(gone);
    expect((await t.tmuxctl(['diff', '-f', folder])).stdout).toBe('- kill prn-gone (no longer declared)\n1 change pending\n');
    const r = await t.tmuxctl(['apply', '-f', folder]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('- kill prn-gone (no longer declared)\napplied: 1 killed\n');
    expect(await t.pane('prn-gone')).toBeUndefined();
    expect((await t.pane('prn-keep'))!.pid).toBe(keep.pid);
    expect(doomed.pid).toBeGreaterThan(0);
  });

  it('does not prune a session whose spec file lies outside the applied paths', async () => {
    const here = t.writeSpec('scope-a/app.yaml', specDoc({ 'scp-a': quickSession(LONG_RUNNING) }));
    const there = t.writeSpec('scope-b/app.yaml', specDoc({ 'scp-b': quickSession(LONG_RUNNING) }));
    // A spec in a subfolder is not loaded from the parent folder, so it is not pruned on its behalf either.
    const nested = t.writeSpec('scope-a/sub/app.yaml', specDoc({ 'scp-sub': quickSession(LONG_RUNNING) }));
    for (const f of [here, there, nested]) expect((await t.tmuxctl(['apply', '-f', f])).exitCode).toBe(0);
    const b = (await t.pane('scp-b'))!;
    const sub = (await t.pane('scp-sub'))!;

    const r = await t.tmuxctl(['apply', '-f', t.path('specs', 'scope-a')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('in sync: 1 session, nothing to do\n');
    expect((await t.pane('scp-b'))!.pid).toBe(b.pid);
    expect((await t.pane('scp-sub'))!.pid).toBe(sub.pid);

    // Applying the file itself, now empty of that session, does prune it.
    t.writeSpec('scope-b/app.yaml', specDoc({ 'scp-b2': quickSession(LONG_RUNNING) }));
    const pruned = await t.tmuxctl(['apply', '-f', there]);
    expect(pruned.stdout).toContain('- kill scp-b (no longer declared)');
    expect(await t.pane('scp-b')).toBeUndefined();
    expect((await t.pane('scp-sub'))!.pid).toBe(sub.pid);
  });
});

describe('sessions tmuxctl does not own', () => {
  it('are never touched, whether a prefix of a declared name or the other way round', async () => {
    // tmux resolves `-t mon` to `monitor` by prefix; every target tmuxctl uses must be exact.
    const mon = await foreign('mon');
    const watcherLong = await foreign('watcher-long');
    const undeclared = await foreign('stray');
    const folder = t.path('specs', 'prefix');
    const file = t.writeSpec('prefix/app.yaml', specDoc({ monitor: quickSession(LONG_RUNNING), watcher: quickSession(LONG_RUNNING) }));

    const plan = await t.tmuxctl(['diff', '-f', folder]);
    expect(plan.stdout).toBe('+ create monitor (not found)\n+ create watcher (not found)\n2 changes pending\n');
    const r = await t.tmuxctl(['apply', '-f', folder]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('+ create monitor (not found)\n+ create watcher (not found)\napplied: 2 created\n');

    // Each declared session is its own session, stamped, with its own pane.
    for (const name of ['monitor', 'watcher']) {
      const p = (await t.pane(name))!;
      expect(p.hash).toMatch(/^v1\./);
      expect([mon.pid, watcherLong.pid]).not.toContain(p.pid);
    }
    // ... and the foreign ones are exactly as they were, unstamped.
    for (const [name, was] of [
      ['mon', mon],
      ['watcher-long', watcherLong],
      ['stray', undeclared],
    ] as const) {
      const p = (await t.pane(name))!;
      expect([p.sessionId, p.pid, p.hash, p.source]).toEqual([was.sessionId, was.pid, '', '']);
    }

    // Restarting, deleting and pruning the declared ones leaves the foreign ones alone too.
    t.writeSpec('prefix/app.yaml', specDoc({ monitor: quickSession(['sleep', '100001']), watcher: quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', folder])).stdout).toContain('~ restart monitor (command changed)');
    const del = await t.tmuxctl(['delete', 'monitor']);
    expect(del.exitCode).toBe(0);
    expect(del.stdout).toContain('- kill monitor (deleted)');
    rmSync(file);
    t.writeSpec('prefix/other.yaml', specDoc({ 'prefix-other': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', folder])).stdout).toContain('- kill watcher (no longer declared)');
    expect(await t.sessionNames()).toEqual(expect.arrayContaining(['mon', 'watcher-long', 'stray']));
    expect(await t.sessionNames()).not.toContain('monitor');
    expect(await t.sessionNames()).not.toContain('watcher');
    for (const [name, was] of [
      ['mon', mon],
      ['watcher-long', watcherLong],
      ['stray', undeclared],
    ] as const) {
      expect((await t.pane(name))!.pid).toBe(was.pid);
    }

    // status does not list foreign sessions it was not asked about.
    const status = JSON.parse((await t.tmuxctl(['status', '-f', folder, '-o', 'json'])).stdout);
    expect(status.sessions.map((s: { name: string }) => s.name)).not.toContain('mon');
  });

  it('a declared name held by a foreign session is a conflict: reported, skipped, the rest applied, exit 3', async () => {
    const held = await foreign('cfl-held');
    const file = t.writeSpec('conflict/app.yaml', specDoc({ 'cfl-held': quickSession(LONG_RUNNING), 'cfl-free': quickSession(LONG_RUNNING) }));

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('! conflict cfl-held (exists, not managed by tmuxctl)\n+ create cfl-free (not found)\napplied: 1 created, 1 conflict\n');
    expect((await t.pane('cfl-free'))!.hash).toMatch(/^v1\./);
    const p = (await t.pane('cfl-held'))!;
    expect([p.pid, p.hash]).toEqual([held.pid, '']);

    const json = JSON.parse((await t.tmuxctl(['apply', '-f', file, '-o', 'json'])).stdout);
    expect(json.actions).toEqual([{ action: 'conflict', session: 'cfl-held', target: 'cfl-held', reason: 'exists, not managed by tmuxctl', host: 'local' }]);
    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, 'cfl-held', '-o', 'json'])).stdout);
    expect(status.sessions).toEqual([expect.objectContaining({ name: 'cfl-held', state: 'conflict' })]);

    // delete refuses it as well, by name or by spec.
    for (const args of [
      ['delete', 'cfl-held'],
      ['delete', '-f', file],
    ]) {
      const del = await t.tmuxctl(args);
      expect(del.exitCode).toBe(3);
      expect(del.stdout).toContain('! conflict cfl-held (exists, not managed by tmuxctl)');
      expect((await t.pane('cfl-held'))!.pid).toBe(held.pid);
    }
  });
});
