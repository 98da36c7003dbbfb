import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, startWatch, timeUntil } from '../helpers/watch.js';

const t = useTmuxServer();

/** The contract: watch applies a spec or env file change within this long. */
const BOUND_MS = 2000;

function environOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

describe('watch follows the spec files', () => {
  it('applies a new, an edited and a removed spec file, and an edited env file, each within 2 s', async () => {
    const folder = t.path('specs', 'follow');
    t.writeFile('specs/follow/app.env', 'GREETING=hello\n');
    t.writeSpec('follow/a.yaml', specDoc({ 'fol-a': quickSession(LONG_RUNNING, { envFile: 'app.env' }) }));
    const w = await startWatch(t, { args: ['-f', folder] });
    await waitFor(() => livePid(t, 'fol-a'), 5000, 'watch to create fol-a at start');
    const a0 = (await livePid(t, 'fol-a'))!;
    expect(environOf(a0).GREETING).toBe('hello');

    // A new file in the folder.
    let since = Date.now();
    t.writeSpec('follow/b.yaml', specDoc({ 'fol-b': quickSession(LONG_RUNNING) }));
    const created = await timeUntil(since, () => livePid(t, 'fol-b'), 'fol-b created');
    expect(created.ms).toBeLessThan(BOUND_MS);

    // An edit of that file: the command changes, so the process is replaced in the same session.
    const bBefore = (await t.pane('fol-b'))!;
    since = Date.now();
    t.writeSpec('follow/b.yaml', specDoc({ 'fol-b': quickSession(['sleep', '100001']) }));
    const edited = await timeUntil(
      since,
      async () => {
        const p = await t.pane('fol-b');
        return p && !p.dead && p.pid !== bBefore.pid && p.hash !== bBefore.hash ? p : undefined;
      },
      'fol-b restarted with the new command',
    );
    expect(edited.ms).toBeLessThan(BOUND_MS);
    expect(edited.value.sessionId).toBe(bBefore.sessionId);

    // The env file that a.yaml references (not a spec file itself).
    since = Date.now();
    t.writeFile('specs/follow/app.env', 'GREETING=bonjour\n');
    const envApplied = await timeUntil(
      since,
      async () => {
        const pid = await livePid(t, 'fol-a');
        return pid !== undefined && pid !== a0 && environOf(pid).GREETING === 'bonjour' ? pid : undefined;
      },
      'fol-a restarted with the new env file value',
    );
    expect(envApplied.ms).toBeLessThan(BOUND_MS);

    // The file removed: its session is no longer declared and goes.
    since = Date.now();
    rmSync(t.path('specs', 'follow', 'b.yaml'));
    const removed = await timeUntil(since, async () => !(await t.sessionNames()).includes('fol-b'), 'fol-b removed');
    expect(removed.ms).toBeLessThan(BOUND_MS);
    expect(isProcessAlive(edited.value.pid)).toBe(false);

    expect((await t.pane('fol-a'))!.pid).toBe(envApplied.value); // untouched by the others' changes
    expect(eventsOf(t, 'create', 'fol-b')).toHaveLength(1);
    expect(eventsOf(t, 'restart', 'fol-b').map((e) => e.reason)).toEqual(['command changed']);
    expect(eventsOf(t, 'restart', 'fol-a').map((e) => e.reason)).toEqual(['environment changed']);
    expect(eventsOf(t, 'kill', 'fol-b').map((e) => e.reason)).toEqual(['no longer declared']);
    expect(w.stderr()).not.toMatch(/internal error/);
  });

  it('applies a file written the moment watch has started, before its file watcher is ready', async () => {
    const folder = t.path('specs', 'early');
    t.writeSpec('early/a.yaml', specDoc({ 'ear-a': quickSession(LONG_RUNNING) }));
    let since = 0;
    await startWatch(t, {
      args: ['-f', folder],
      // Written the instant watch says it started: its specs are read, its file watcher not yet ready.
      onStarted: () => {
        since = Date.now();
        t.writeSpec('early/b.yaml', specDoc({ 'ear-b': quickSession(LONG_RUNNING) }));
      },
    });
    const r = await timeUntil(since, () => livePid(t, 'ear-b'), 'ear-b created');
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(await livePid(t, 'ear-a')).toBeDefined();
  });

  it('a spec file given by name is followed through an editor-style save (write to a temp file, rename over)', async () => {
    const file = t.writeSpec('named/app.yaml', specDoc({ 'nam-a': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file] });
    const before = await waitFor(() => livePid(t, 'nam-a'), 5000, 'nam-a created');

    const since = Date.now();
    const tmp = `${file}.swp`;
    writeFileSync(tmp, JSON.stringify(specDoc({ 'nam-a': quickSession(['sleep', '100002']) })));
    // rename(2) replaces the watched inode, as vim and most IDEs save.
    renameSync(tmp, file);
    const r = await timeUntil(
      since,
      async () => {
        const pid = await livePid(t, 'nam-a');
        return pid !== undefined && pid !== before ? pid : undefined;
      },
      'nam-a restarted after the rename-save',
    );
    expect(r.ms).toBeLessThan(BOUND_MS);

    // And the file is still followed after the rename.
    const since2 = Date.now();
    t.writeSpec('named/app.yaml', specDoc({ 'nam-a': quickSession(['sleep', '100003']) }));
    const r2 = await timeUntil(
      since2,
      async () => {
        const pid = await livePid(t, 'nam-a');
        return pid !== undefined && pid !== r.value ? pid : undefined;
      },
      'nam-a restarted after a second edit',
    );
    expect(r2.ms).toBeLessThan(BOUND_MS);
  });

  it('a broken edit changes nothing, is reported as file:line:col on stderr, and the last good specs stay in force', async () => {
    const folder = t.path('specs', 'broken');
    t.writeSpec('broken/app.yaml', specDoc({ 'brw-a': quickSession(LONG_RUNNING), 'brw-b': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', folder] });
    await waitFor(async () => (await livePid(t, 'brw-a')) && (await livePid(t, 'brw-b')), 5000, 'both created');
    const before = (await t.panes()).filter((p) => p.session.startsWith('brw-')).map((p) => [p.session, p.pid, p.hash]);

    // Line 5 has the bad enum; were the file half-read, brw-b would look undeclared and be pruned.
    t.writeSpec(
      'broken/app.yaml',
      'version: 1\nsessions:\n  brw-a:\n    command: [sleep, "100000"]\n    restart: sometimes\n  brw-b:\n    command: [sleep, "100000"]\n',
    );
    const reported = await waitFor(
      () => /^.*specs\/broken\/app\.yaml:5:\d+: sessions\.brw-a\.restart must be one of: always, on-failure, never.*$/m.exec(w.stderr()),
      5000,
      'the problem on stderr',
    );
    expect(reported[0]).toMatch(/\berror\b/);
    expect(eventsOf(t, 'invalid-spec').map((e) => e.reason)).toContainEqual(expect.stringMatching(/^specs\/broken\/app\.yaml:5:\d+: /));

    // A second broken file, and a kill that watch must still repair with the last good specs.
    t.writeSpec('broken/other.yaml', 'version: 1\nsessions:\n  brw-c:\n    command: [sleep\n');
    await waitFor(() => /specs\/broken\/other\.yaml:\d+:\d+: /.test(w.stderr()), 5000, 'the second problem on stderr');
    const after = (await t.panes()).filter((p) => p.session.startsWith('brw-')).map((p) => [p.session, p.pid, p.hash]);
    expect(after).toEqual(before);
    await t.tmux('kill-session', '-t', '=brw-b');
    await waitFor(() => livePid(t, 'brw-b'), 5000, 'brw-b recreated from the last good specs');
    expect((await t.sessionNames()).filter((n) => n.startsWith('brw-'))).toEqual(['brw-a', 'brw-b']);

    // Fixed: applied again.
    rmSync(t.path('specs', 'broken', 'other.yaml'));
    t.writeSpec('broken/app.yaml', specDoc({ 'brw-a': quickSession(LONG_RUNNING) }));
    await waitFor(async () => !(await t.sessionNames()).includes('brw-b'), 5000, 'brw-b pruned once the specs are valid again');
    expect((await t.pane('brw-a'))!.pid).toBe(before[0]![1]);
    expect(w.stderr()).not.toMatch(/internal error/);
  });

  it('a manual apply while watch runs works (watch hands over the lock it keeps between passes)', async () => {
    const folder = t.path('specs', 'manual');
    t.writeSpec('manual/app.yaml', specDoc({ 'man-a': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', folder, '--lock-timeout', '5'] });
    const a = await waitFor(() => livePid(t, 'man-a'), 5000, 'man-a created');

    const other = t.writeSpec('manual-other/app.yaml', specDoc({ 'man-other': quickSession(LONG_RUNNING) }));
    const r1 = await t.tmuxctl(['apply', '-f', other, '--lock-timeout', '5']);
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(r1.stdout).toBe('+ create man-other (not found)\napplied: 1 created\n');

    const r2 = await t.tmuxctl(['apply', '-f', folder, '--lock-timeout', '5']);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stdout).toBe('in sync: 1 session, nothing to do\n');

    // A session applied by hand from elsewhere is outside watch's roots: watch leaves it be.
    await new Promise((r) => setTimeout(r, 500)); // no condition to wait for: the absence of a prune
    expect(await livePid(t, 'man-other')).toBeDefined();
    expect(await livePid(t, 'man-a')).toBe(a);
  });
});

describe('stopping watch', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: exits 0 within a second and leaves every session running`, async () => {
      const folder = t.path('specs', `stop-${signal}`);
      const name = `stp-${signal.toLowerCase()}`;
      t.writeSpec(`stop-${signal}/app.yaml`, specDoc({ [name]: quickSession(LONG_RUNNING) }));
      const w = await startWatch(t, { args: ['-f', folder] });
      const pid = await waitFor(() => livePid(t, name), 5000, `${name} created`);

      const exit = await w.stop(signal);
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(1000);
      expect(await livePid(t, name)).toBe(pid);
      expect(isProcessAlive(pid)).toBe(true);
    });
  }

  it('SIGTERM while a pass is stopping a slow process still exits 0 within a second', async () => {
    const folder = t.path('specs', 'stop-slow');
    // Ignores SIGTERM: a restart waits out stopTimeoutSeconds before its SIGKILL.
    const stubborn = quickSession("trap '' TERM; while :; do sleep 0.2; done", { stopTimeoutSeconds: 10 });
    t.writeSpec('stop-slow/app.yaml', specDoc({ 'stp-slow': stubborn }));
    const w = await startWatch(t, { args: ['-f', folder] });
    await waitFor(() => livePid(t, 'stp-slow'), 5000, 'stp-slow created');

    // A spec change makes watch restart it, which now waits up to 10 s on the stubborn process.
    t.writeSpec('stop-slow/app.yaml', specDoc({ 'stp-slow': { ...stubborn, env: { CHANGED: '1' } } }));
    await waitFor(() => eventsOf(t, 'restart', 'stp-slow').length > 0, 5000, 'the restart to begin');

    const exit = await w.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(1000);
  });
});
