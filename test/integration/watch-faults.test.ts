/**
 * watch under faults: what must never make it spin, die or stall (issue 8, items 1, 2, 5, 6, 17,
 * 18, 24 and the pane-died hook). Every watch here runs on this file's private tmux server and is
 * stopped by the pid this file recorded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allCmdlines, cliPath, isProcessAlive, killOwned, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, readEvents, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

interface RawWatch {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const raw: RawWatch[] = [];
afterEach(async () => {
  for (const w of raw.splice(0)) {
    const pid = w.child.pid!;
    if (w.child.exitCode !== null || w.child.signalCode !== null) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
    await w.exited;
  }
});

/** `tmuxctl watch` with an environment of the test's choosing (the helper's startWatch has the file's). */
function spawnWatch(args: readonly string[], env: Record<string, string> = t.env): RawWatch {
  const child = spawn(process.execPath, [cliPath, '-L', t.socket, 'watch', ...args], { cwd: t.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const w = { child, stderr: () => err, exited };
  raw.push(w);
  return w;
}

/** A folder to put on PATH: flock (the lock needs it) and, if asked, tmux, as symlinks to the real ones. */
function binDir(name: string, opts: { tmux: 'missing' | 'not-executable' }): string {
  const dir = t.path('bin', name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(which('flock'), path.join(dir, 'flock'));
  if (opts.tmux === 'not-executable') {
    writeFileSync(path.join(dir, 'tmux'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(dir, 'tmux'), 0o644);
  }
  return dir;
}

function which(program: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${program} not found on PATH`);
}

/** CPU time a process and its reaped children (the tmux clients it ran) used so far, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 after "pid (comm) ".
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watch never spins', () => {
  it('reports a conflict (a hand-made session holding a declared name) once, then idles', async () => {
    await t.tmux('new-session', '-d', '-s', 'cf-mine', 'sleep', '100000');
    const file = t.writeSpec('conflict/app.yaml', specDoc({ 'cf-mine': quickSession(LONG_RUNNING), 'cf-other': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '1.5'] });
    await waitFor(() => livePid(t, 'cf-other'), 5000, 'cf-other created');
    await waitFor(() => eventsOf(t, 'conflict', 'cf-mine').length > 0, 5000, 'the conflict reported');
    await sleep(500); // the follow-up pass after the create
    const linesBefore = readEvents(t).length;
    const cpuBefore = cpuSeconds(w.pid);
    await sleep(3000); // two resyncs: each looks again, none re-reports
    // Idle costs a few passes' worth of CPU; the spin was ~175 passes a second (41% of a core).
    expect(cpuSeconds(w.pid) - cpuBefore).toBeLessThan(0.5);
    expect(eventsOf(t, 'conflict', 'cf-mine')).toHaveLength(1);
    expect(readEvents(t).length - linesBefore).toBeLessThan(10);
    expect(w.stderr().match(/conflict cf-mine/g)).toHaveLength(1);

    // The name is freed: watch takes it, and the old conflict is not reported again.
    await t.tmux('kill-session', '-t', '=cf-mine');
    await waitFor(async () => (await t.pane('cf-mine'))?.hash, 5000, 'cf-mine created by watch once free');
    expect(eventsOf(t, 'conflict', 'cf-mine')).toHaveLength(1);
    expect((await t.pane('cf-other'))?.dead).toBe(false);
  });

  it('a --resync beyond what a timer can hold (3000000 s) does not make the resync fire at once', async () => {
    const file = t.writeSpec('hugeresync/app.yaml', specDoc({ 'hr-a': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '3000000'] });
    await waitFor(() => livePid(t, 'hr-a'), 5000, 'hr-a created');
    await sleep(500); // the follow-up pass after the create
    const cpuBefore = cpuSeconds(w.pid);
    await sleep(2000);
    expect(cpuSeconds(w.pid) - cpuBefore).toBeLessThan(0.5);
  });

  it('without a runnable tmux, says so in one line and exits 3 (missing, or not executable)', async () => {
    const file = t.writeSpec('notmux/app.yaml', specDoc({ 'nt-a': quickSession(LONG_RUNNING) }));
    for (const kind of ['missing', 'not-executable'] as const) {
      const dir = binDir(`notmux-${kind}`, { tmux: kind });
      const w = spawnWatch(['-f', file], { ...t.env, PATH: dir });
      const exit = await Promise.race([w.exited, sleep(10_000).then(() => 'still running' as const)]);
      expect(exit, `${kind}: ${w.stderr()}`).toEqual({ code: 3, signal: null });
      const errors = w
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('tmuxctl:'));
      expect(errors, w.stderr()).toEqual([
        expect.stringMatching(
          kind === 'missing' ? /^tmuxctl: tmux not found on PATH/ : /^tmuxctl: tmux cannot be run \(.*\/tmux is not executable\): install it/,
        ),
      ]);
      expect(w.stderr()).not.toMatch(/internal error|MaxListeners|\n\s+at /);
    }
  });

  it('when tmux fails under it, backs off and reports (no spin), answers SIGTERM, and recovers when it works again', async () => {
    // A tmux that fails while a flag file exists: every pass fails, the wait-for client too.
    const dir = t.path('bin', 'failing');
    const flag = path.join(dir, 'broken');
    mkdirSync(dir, { recursive: true });
    symlinkSync(which('flock'), path.join(dir, 'flock'));
    writeFileSync(path.join(dir, 'tmux'), `#!/bin/sh\nif [ -e '${flag}' ]; then echo 'tmux: lost its mind' >&2; exit 1; fi\nexec '${which('tmux')}' "$@"\n`);
    chmodSync(path.join(dir, 'tmux'), 0o755);
    const sleepBin = which('sleep');
    const file = t.writeSpec('tmuxgone/app.yaml', specDoc({ 'tg-a': quickSession([sleepBin, '100000']) }));
    const earlier = { errors: eventsOf(t, 'error').length, recovered: eventsOf(t, 'recovered').length };
    // Spawned clients only (the fallback when control mode fails): a control client connected before
    // the flag would not go through the failing binary again.
    const w = spawnWatch(['-f', file, '--resync', '2'], { ...t.env, PATH: dir, TMUXCTL_INTERNAL_NO_CONTROL: '1' });
    const first = await waitFor(() => livePid(t, 'tg-a'), 8000, 'tg-a created');
    await sleep(500); // the follow-up pass after the create
    writeFileSync(flag, '');
    process.kill(first, 'SIGKILL'); // wakes watch, whose passes now fail
    // Two reporters: each failed pass, and the wait-for client (once per distinct failure).
    const isWaitFor = (e: Record<string, unknown>) => String(e.reason).startsWith('waiting for tmux events: ');
    const passErrors = () =>
      eventsOf(t, 'error')
        .slice(earlier.errors)
        .filter((e) => !isWaitFor(e));
    await waitFor(() => passErrors().length > 0, 8000, 'the failure reported');
    const errorsAt = passErrors().length;
    await sleep(4000);
    // Retries after 0.5, 1, 2, 2 s (capped by the 2 s resync): a handful, never a storm.
    expect(passErrors().length - errorsAt).toBeLessThanOrEqual(5);
    expect(String(passErrors()[0]!.reason)).toMatch(/lost its mind.*; next try in 0.5s$/);
    // The wait-for client's failure is its own event, reported once, not once per retry.
    expect(eventsOf(t, 'wake-error').filter(isWaitFor).length).toBeLessThanOrEqual(1);
    expect(isProcessAlive(w.child.pid!)).toBe(true);

    rmSync(flag);
    await waitFor(
      async () => {
        const pid = await livePid(t, 'tg-a');
        return pid !== undefined && pid !== first ? pid : undefined;
      },
      10_000,
      'tg-a restarted once tmux works again',
    );
    // Recorded when the pass that restarted it ends, which may be a moment after tmux shows the new pane.
    await waitFor(() => eventsOf(t, 'recovered').length > earlier.recovered, 5000, 'the recovery reported');
    w.child.kill('SIGTERM');
    const exit = await Promise.race([w.exited, sleep(5000).then(() => 'still running' as const)]);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('does not spin on an orphan that something outside keeps starting again: one stopped per pass, not one per millisecond', async () => {
    const pattern = `stray_${Math.random().toString(36).slice(2, 8)}`;
    // The respawner's own command line does not carry the pattern (it is in the script file), so it
    // stays, as a `Restart=always` unit would; each copy it starts does.
    const script = t.writeFile('respawner.sh', `while :; do bash -c 'exec -a "$P" sleep 1000'; done\n`);
    const respawner = spawn('bash', [script], { detached: true, stdio: 'ignore', env: { ...process.env, P: `${pattern}_copy` } });
    try {
      const file = t.writeSpec('respawned/app.yaml', specDoc({ rs: quickSession(LONG_RUNNING, { orphans: { match: `${pattern}_copy` } }) }));
      const w = await startWatch(t, { args: ['-f', file, '--resync', '30'] });
      await waitFor(() => eventsOf(t, 'kill-orphan', 'rs').length >= 1, 10_000, 'a first copy stopped');
      const cpuBefore = cpuSeconds(w.pid);
      const before = eventsOf(t, 'kill-orphan', 'rs').length;
      await sleep(3000);
      // Before the fix: ~20 stopped a second, at half a core.
      expect(eventsOf(t, 'kill-orphan', 'rs').length - before).toBeLessThanOrEqual(3);
      expect(cpuSeconds(w.pid) - cpuBefore).toBeLessThan(0.5);
    } finally {
      process.kill(respawner.pid!, 'SIGKILL'); // the loop this test started, by its pid
      // and the copy it left, known by the random pattern this test gave it
      killOwned(
        allCmdlines()
          .filter((p) => p.argv[0] === `${pattern}_copy`)
          .map((p) => p.pid),
        pattern,
      );
    }
  });

  it('spaces a crash loop of backoff {initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 0} at least a second apart', async () => {
    // resetAfterSeconds: 0 makes every crash a first one: the floor must hold on the start, not on the delay.
    const file = t.writeSpec(
      'zerobackoff/app.yaml',
      specDoc({ 'zb-crash': quickSession('exit 3', { backoff: { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 0 } }) }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'zb-crash').length >= 1, 5000, 'a first restart');
    await sleep(3000);
    const restarts = eventsOf(t, 'restart', 'zb-crash').map((e) => Date.parse(String(e.timestamp)));
    expect(restarts.length).toBeLessThanOrEqual(5); // ~53 a second before the floor
    for (let i = 1; i < restarts.length; i++) expect(restarts[i]! - restarts[i - 1]!).toBeGreaterThanOrEqual(950);
  });
});

describe('watch outlives its output', () => {
  it('goes on supervising when its stderr pipe is closed (tmuxctl watch 2>&1 | head -2), and notes it in the event log', async () => {
    const file = t.writeSpec('epipe/app.yaml', specDoc({ 'ep-a': quickSession(LONG_RUNNING) }));
    const w = spawnWatch(['-f', file]);
    await waitFor(() => /watch-started/.test(w.stderr()), 10_000, 'watch to start');
    const first = await waitFor(() => livePid(t, 'ep-a'), 5000, 'ep-a created');
    await sleep(300);
    w.child.stderr!.destroy(); // the reader is gone: the next line watch prints fails with EPIPE
    let victim = first;
    for (let round = 1; round <= 2; round++) {
      process.kill(victim, 'SIGKILL');
      victim = await waitFor(
        async () => {
          const pid = await livePid(t, 'ep-a');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        8000,
        `ep-a restarted after the pipe closed (round ${round})`,
      );
      await sleep(300);
    }
    expect(isProcessAlive(w.child.pid!)).toBe(true);
    expect(eventsOf(t, 'output-lost')).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^stderr: EPIPE/) })]);
  });
});

describe('watch reads the specs again when a file event was missed', () => {
  it('picks up a symlink-swap deploy (ln -s v2 specs.new && mv -T specs.new specs) at the next resync', async () => {
    const v1 = t.path('deploy', 'v1');
    const v2 = t.path('deploy', 'v2');
    mkdirSync(v1, { recursive: true });
    mkdirSync(v2, { recursive: true });
    writeFileSync(path.join(v1, 'app.yaml'), JSON.stringify(specDoc({ 'sw-a': quickSession(['sleep', '100000']) })));
    writeFileSync(path.join(v2, 'app.yaml'), JSON.stringify(specDoc({ 'sw-a': quickSession(['sleep', '100002']) })));
    const link = t.path('deploy', 'specs');
    symlinkSync(v1, link);
    await startWatch(t, { args: ['-f', link, '--resync', '1'] });
    const before = await waitFor(() => t.pane('sw-a').then((p) => (p && !p.dead ? p : undefined)), 5000, 'sw-a created');

    symlinkSync(v2, `${link}.new`);
    renameSync(`${link}.new`, link); // mv -T: one rename(2) over the old link
    const after = await waitFor(
      async () => {
        const p = await t.pane('sw-a');
        return p && !p.dead && p.hash !== before.hash ? p : undefined;
      },
      10_000,
      'sw-a restarted with v2',
    );
    expect(readFileSync(`/proc/${after.pid}/cmdline`, 'utf8')).toContain('100002');

    // And the file watcher now follows v2: an edit there is applied too.
    writeFileSync(path.join(v2, 'app.yaml'), JSON.stringify(specDoc({ 'sw-a': quickSession(['sleep', '100003']) })));
    await waitFor(
      async () => {
        const pid = await livePid(t, 'sw-a');
        return pid !== undefined && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('100003') ? pid : undefined;
      },
      10_000,
      'sw-a restarted with the edit in v2',
    );
  });

  it('survives a file watcher error (a root swapped for a symlink loop): reported, and watch goes on', async () => {
    const v1 = t.path('looped', 'v1');
    mkdirSync(v1, { recursive: true });
    writeFileSync(path.join(v1, 'app.yaml'), JSON.stringify(specDoc({ 'lp-a': quickSession(LONG_RUNNING) })));
    const link = t.path('looped', 'specs');
    symlinkSync(v1, link);
    const w = await startWatch(t, { args: ['-f', link, '--resync', '0.5'] });
    await waitFor(() => livePid(t, 'lp-a'), 5000, 'lp-a created');

    // The swap makes the next pass follow the new root, and chokidar fails on it with ELOOP: an
    // 'error' event nobody listened to ended watch (exit 1, a stack trace).
    symlinkSync(link, `${link}.new`);
    renameSync(`${link}.new`, link);
    await waitFor(() => eventsOf(t, 'error').some((e) => /watching spec files: .*ELOOP/.test(String(e.reason))), 10_000, 'the watcher error reported');
    expect(isProcessAlive(w.pid), w.stderr()).toBe(true);
    expect(w.stderr()).not.toMatch(/\n\s+at /);
  });

  it('keeps the sessions of a spec file missing for 300 ms (deleted, then written again): no kill, no recreate', async () => {
    const folder = t.path('specs', 'flicker');
    t.writeSpec('flicker/a.yaml', specDoc({ 'fl-a': quickSession(LONG_RUNNING) }));
    const b = t.writeSpec('flicker/b.yaml', specDoc({ 'fl-b': quickSession(LONG_RUNNING) }));
    const content = readFileSync(b, 'utf8');
    await startWatch(t, { args: ['-f', folder] });
    const before = await waitFor(() => t.pane('fl-b').then((p) => (p && !p.dead ? p : undefined)), 5000, 'fl-b created');
    await sleep(500);

    rmSync(b);
    await sleep(300);
    writeFileSync(b, content);
    await sleep(2500); // well past the removal's confirmation window
    const after = (await t.pane('fl-b'))!;
    expect([after.sessionId, after.pid, after.dead]).toEqual([before.sessionId, before.pid, false]);
    expect(eventsOf(t, 'kill', 'fl-b')).toEqual([]);

    // A removal that lasts is still applied.
    rmSync(b);
    await waitFor(async () => (await t.pane('fl-b')) === undefined, 8000, 'fl-b pruned once b.yaml stays gone');
    expect(await livePid(t, 'fl-a')).toBeDefined();
  });
});

describe('watch stops promptly', () => {
  it('exits 0 within a second or so on SIGTERM while a pass is stopping a process that ignores SIGTERM', async () => {
    const folder = t.path('specs', 'slowstop');
    const spec = (n: number) => specDoc({ 'ss-a': quickSession(`trap '' TERM; while :; do sleep ${n}; done`, { stopTimeoutSeconds: 20 }) });
    t.writeSpec('slowstop/app.yaml', spec(1));
    const w = await startWatch(t, { args: ['-f', folder] });
    await waitFor(() => livePid(t, 'ss-a'), 5000, 'ss-a created');
    t.writeSpec('slowstop/app.yaml', spec(2)); // the restart waits up to 20 s for the old process
    await waitFor(() => eventsOf(t, 'restart', 'ss-a').length > 0, 5000, 'the restart under way');
    const exit = await w.stop('SIGTERM');
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(exit.ms).toBeLessThan(1500);
  });

  it('exits 0 within a second or so on SIGTERM while a slow health check runs', async () => {
    const marker = t.path('slowcheck.started');
    const file = t.writeSpec(
      'slowcheck/app.yaml',
      specDoc({
        'sc-a': quickSession(LONG_RUNNING, {
          healthCheck: { command: `touch '${marker}'; sleep 8`, intervalSeconds: 0.2, timeoutSeconds: 20, failureThreshold: 3 },
        }),
      }),
    );
    const w = await startWatch(t, { args: ['-f', file] });
    await waitFor(() => livePid(t, 'sc-a'), 5000, 'sc-a created');
    await waitFor(() => existsSync(marker), 5000, 'the health check running');
    const exit = await w.stop('SIGTERM');
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(exit.ms).toBeLessThan(1500);
  });
});

describe('the pane-died hook', () => {
  it('repairs a killed process through the hook alone (no /proc backstop, resync far away)', async () => {
    const file = t.writeSpec('hook/app.yaml', specDoc({ 'hk-a': quickSession(LONG_RUNNING) }));
    const w = spawnWatch(['-f', file, '--resync', '600'], { ...t.env, TMUXCTL_INTERNAL_NO_PROC_BACKSTOP: '1' });
    await waitFor(() => /watch-started/.test(w.stderr()), 10_000, 'watch to start');
    let victim = await waitFor(() => livePid(t, 'hk-a'), 5000, 'hk-a created');
    for (let round = 1; round <= 3; round++) {
      await sleep(1500); // past the follow-up pass of the last start, and past the backoff floor
      process.kill(victim, 'SIGKILL');
      victim = await waitFor(
        async () => {
          const pid = await livePid(t, 'hk-a');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        15_000,
        `hk-a restarted by the hook (round ${round})`,
      );
    }
  });
});
