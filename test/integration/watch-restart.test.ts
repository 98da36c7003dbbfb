import { describe, expect, it } from 'vitest';
import { createTmuxServer, destroyTmuxServer, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, startWatch, statusOf, timeUntil, type WatchProcess } from '../helpers/watch.js';

const t = useTmuxServer();

/** The contract: a dead pane or a killed session is noticed and repaired within this long. */
const BOUND_MS = 2000;

/** Waits for input, then exits with the status typed into the pane: a process the test ends at will. */
const EXIT_ON_INPUT = 'read code; exit "$code"';

async function exitWith(session: string, code: number): Promise<void> {
  const pane = (await t.pane(session))!;
  await t.tmux('send-keys', '-t', pane.paneId, String(code), 'Enter');
}

/** Epoch ms of an event log entry (winston's ISO timestamp). */
const at = (e: Record<string, unknown>) => Date.parse(String(e.timestamp));

describe('watch repairs what dies', () => {
  it('restarts a process killed with kill -9 within 2 s, in the same session, and counts it', async () => {
    const file = t.writeSpec('kill9/app.yaml', specDoc({ 'k9-a': quickSession(LONG_RUNNING), 'k9-b': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => livePid(t, 'k9-a'), 5000, 'k9-a created');
    const before = (await t.pane('k9-a'))!;
    const b = await waitFor(() => livePid(t, 'k9-b'), 5000, 'k9-b created');

    for (let round = 1; round <= 2; round++) {
      const victim = (await livePid(t, 'k9-a'))!;
      const since = Date.now();
      process.kill(victim, 'SIGKILL'); // the pane process is sleep itself (argv, exec'd)
      const r = await timeUntil(
        since,
        async () => {
          const pid = await livePid(t, 'k9-a');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        `k9-a restarted (round ${round})`,
      );
      expect(r.ms).toBeLessThan(BOUND_MS);
      expect((await t.pane('k9-a'))!.sessionId).toBe(before.sessionId);
      // Round 2 dies within a second of round 1's restart: backoff spaces it, still within the bound.
    }
    expect(await livePid(t, 'k9-b')).toBe(b);
    const s = await statusOf(t, ['-f', file], 'k9-a');
    expect(s).toMatchObject({ state: 'running', restarts: 2, lastExitStatus: 137, lastExitSignal: 9 });
    expect(eventsOf(t, 'exit', 'k9-a').map((e) => [e.reason, e.exitSignal])).toEqual([
      ['killed by signal 9', 9],
      ['killed by signal 9', 9],
    ]);
    expect(eventsOf(t, 'restart', 'k9-a').map((e) => e.reason)).toEqual(['killed by signal 9', 'killed by signal 9']);
  });

  it('recreates a session killed with a raw kill-session within 2 s', async () => {
    const file = t.writeSpec('killsess/app.yaml', specDoc({ 'ks-a': quickSession(LONG_RUNNING), 'ks-b': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(async () => (await livePid(t, 'ks-a')) && (await livePid(t, 'ks-b')), 5000, 'both created');
    const before = (await t.pane('ks-a'))!;

    const since = Date.now();
    await t.tmux('kill-session', '-t', '=ks-a');
    const r = await timeUntil(
      since,
      async () => {
        const p = await t.pane('ks-a');
        return p && !p.dead && p.sessionId !== before.sessionId ? p : undefined;
      },
      'ks-a recreated',
    );
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(eventsOf(t, 'create', 'ks-a').map((e) => e.reason)).toEqual(['not found', 'not found']);
  });

  it('also on a server it did not start, in sync at start: a kill-session (even of an exited pane) and a kill -9', async () => {
    // A server of its own: the others in this file already carry hooks that earlier watches set.
    const fresh = createTmuxServer();
    let w: WatchProcess | undefined;
    try {
      const file = fresh.writeSpec(
        'app.yaml',
        specDoc({
          'pre-a': quickSession(LONG_RUNNING),
          'pre-b': quickSession(LONG_RUNNING),
          'pre-done': quickSession(EXIT_ON_INPUT, { restart: 'never' }),
        }),
      );
      expect((await fresh.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      const done = (await fresh.pane('pre-done'))!;
      await fresh.tmux('send-keys', '-t', done.paneId, '0', 'Enter');
      await waitFor(async () => (await fresh.pane('pre-done'))?.dead, 5000, 'pre-done to exit');
      w = await startWatch(fresh, { args: ['-f', file] });
      // In sync at start: nothing to wait for but the first pass (it installs the session-closed hook).
      await waitFor(async () => /session-closed\[7291\]/.test((await fresh.tmuxResult(['show-hooks', '-g'])).stdout), 5000, 'the global hook');

      // A session whose pane is already dead has no process to miss: only the hook tells.
      let since = Date.now();
      await fresh.tmux('kill-session', '-t', '=pre-done');
      const r0 = await timeUntil(since, () => fresh.pane('pre-done'), 'pre-done recreated');
      expect(r0.ms).toBeLessThan(BOUND_MS);

      const before = (await fresh.pane('pre-a'))!;
      since = Date.now();
      await fresh.tmux('kill-session', '-t', '=pre-a');
      const r = await timeUntil(
        since,
        async () => {
          const p = await fresh.pane('pre-a');
          return p && !p.dead && p.sessionId !== before.sessionId ? p : undefined;
        },
        'pre-a recreated',
      );
      expect(r.ms).toBeLessThan(BOUND_MS);

      const victim = (await livePid(fresh, 'pre-b'))!;
      since = Date.now();
      process.kill(victim, 'SIGKILL');
      const r2 = await timeUntil(
        since,
        async () => {
          const pid = await livePid(fresh, 'pre-b');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        'pre-b restarted',
      );
      expect(r2.ms).toBeLessThan(BOUND_MS);
      expect(w.stderr()).not.toMatch(/internal error/);
    } finally {
      // Watch first: left running, it would start the server again after kill-server.
      if (w) await w.stop();
      await destroyTmuxServer(fresh);
    }
  });

  it('notices every one of 12 quick kills within 2 s (tmux may lose a SIGCHLD; watch must not)', async () => {
    const file = t.writeSpec(
      'many/app.yaml',
      // Each run outlasts resetAfterSeconds, so every restart is a first one (immediate): this is about
      // noticing deaths, not about the floor on crash-loop spacing (src/plan/backoff.ts).
      specDoc({ 'many-a': quickSession(LONG_RUNNING, { backoff: { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 0.3 } }) }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => livePid(t, 'many-a'), 5000, 'many-a created');
    const slow: number[] = [];
    for (let i = 0; i < 12; i++) {
      const victim = (await livePid(t, 'many-a'))!;
      const since = Date.now();
      process.kill(victim, 'SIGKILL');
      const r = await timeUntil(
        since,
        async () => {
          const pid = await livePid(t, 'many-a');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        `many-a restarted after kill ${i + 1}`,
      );
      if (r.ms >= BOUND_MS) slow.push(r.ms);
      // Settle in its pane, and outlast resetAfterSeconds and the 1 s below which a run never resets
      // the crash count (MIN_RESTART_SPACING_MS): every restart is then a first one, immediate.
      await new Promise((res) => setTimeout(res, 1100));
    }
    expect(slow).toEqual([]);
    const s = await statusOf(t, ['-f', file], 'many-a');
    expect(s).toMatchObject({ state: 'running', restarts: 12, lastExitSignal: 9 });
  });

  it('backs a crash loop off: restarts spaced 0, ~1, ~2 s (initialSeconds 1), status says backoff, no spinning', async () => {
    const file = t.writeSpec(
      'crashloop/app.yaml',
      specDoc({
        crash: quickSession('echo crashing; exit 3', { backoff: { initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 600 } }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'crash').length >= 3, 10_000, 'three restarts');

    // While it waits for the 4th (due ~4 s after the 3rd death), status says so.
    const s = await statusOf(t, ['-f', file], 'crash');
    expect(s.state).toBe('backoff');
    expect(s.pid).toBeNull();
    expect(s.lastExitStatus).toBe(3);
    expect(Date.parse(s.nextRestartAt!)).toBeGreaterThan(Date.now() + 1000);
    const text = await t.tmuxctl(['status', '-f', file, 'crash']);
    expect(text.stdout).toMatch(/^crash\s+backoff \(restart in \d+s\)\s/m);

    const starts = [...eventsOf(t, 'create', 'crash'), ...eventsOf(t, 'restart', 'crash')].map(at);
    // From the death as watch timed it (the time backoff counts from): the `exit` event itself is
    // written after the look that saw the death, which under load may take a while.
    const exits = eventsOf(t, 'exit', 'crash').map((e) => Date.parse(String(e.diedAt)));
    expect(exits.length).toBeGreaterThanOrEqual(3);
    // Delay between each death and the restart after it: 0, then initialSeconds, then doubled.
    const delays = [starts[1]! - exits[0]!, starts[2]! - exits[1]!];
    expect(delays[0]).toBeLessThan(500);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(delays[1]).toBeLessThan(1600);
    if (starts[3] !== undefined) {
      expect(starts[3] - exits[2]!).toBeGreaterThanOrEqual(2000);
      expect(starts[3] - exits[2]!).toBeLessThan(2600);
    } else {
      await waitFor(() => eventsOf(t, 'restart', 'crash').length >= 3, 5000, 'the third restart');
      const third = at(eventsOf(t, 'restart', 'crash')[2]!);
      expect(third - exits[2]!).toBeGreaterThanOrEqual(2000);
      expect(third - exits[2]!).toBeLessThan(2600);
    }
    expect(starts.length).toBeLessThanOrEqual(5); // about 4 s in: create + 3 restarts, maybe a 4th
  });

  it('a run that lasted resetAfterSeconds resets the count: each such crash is restarted at once', async () => {
    const file = t.writeSpec(
      'reset/app.yaml',
      specDoc({
        // Runs 1.3 s, longer than resetAfterSeconds (1); without the reset the 2nd restart would wait 3 s.
        steady: quickSession('sleep 1.3; exit 1', { backoff: { initialSeconds: 3, maxSeconds: 60, resetAfterSeconds: 1 } }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'steady').length >= 3, 10_000, 'three restarts');
    const exits = eventsOf(t, 'exit', 'steady').map(at);
    const restarts = eventsOf(t, 'restart', 'steady').map(at);
    for (let i = 0; i < 3; i++) expect(restarts[i]! - exits[i]!, `restart ${i + 1} after its death`).toBeLessThan(500);
  });

  it('the crash count lives on the pane: a new watch carries on the backoff where the old one was', async () => {
    const backoff = { initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 600 };
    const file = t.writeSpec('handover/app.yaml', specDoc({ handed: quickSession('exit 3', { backoff }) }));
    const first = await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'handed').length >= 2, 10_000, 'two restarts under the first watch');
    expect((await first.stop()).code).toBe(0);
    const stamped = /(?:^| )c=(\d+)/.exec((await t.pane('handed'))!.stamp)?.[1];
    expect(Number(stamped)).toBeGreaterThanOrEqual(2);
    const restartsBefore = eventsOf(t, 'restart', 'handed').length;
    const { restarts: countBefore } = await statusOf(t, ['-f', file], 'handed');
    // The pane died right after the 2nd restart: the next one is due 2 s after that death.
    await waitFor(async () => (await t.pane('handed'))?.dead, 5000, 'the dead pane');
    // tmux's death time, in whole seconds: the real death was at most a second later.
    const diedBy = Number((await t.tmux('display-message', '-p', '-t', '=handed:', '#{pane_dead_time}')).trim()) * 1000;

    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'handed').length > restartsBefore, 8000, 'the next restart under the new watch');
    const next = at(eventsOf(t, 'restart', 'handed')[restartsBefore]!);
    expect(next - diedBy).toBeGreaterThanOrEqual(2000); // crashes 2: due 2 s after the death, not at once
    const s = await statusOf(t, ['-f', file], 'handed');
    expect(s.restarts).toBeGreaterThan(countBefore);
    expect(s.lastExitStatus).toBe(3);
  });

  it('restart: never leaves an exited process alone, whatever its status', async () => {
    const file = t.writeSpec(
      'never/app.yaml',
      specDoc({
        'nev-ok': quickSession(EXIT_ON_INPUT, { restart: 'never' }),
        'nev-fail': quickSession(EXIT_ON_INPUT, { restart: 'never' }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(async () => (await livePid(t, 'nev-ok')) && (await livePid(t, 'nev-fail')), 5000, 'both created');
    await exitWith('nev-ok', 0);
    await exitWith('nev-fail', 4);
    await waitFor(() => eventsOf(t, 'exit', 'nev-ok').length === 1 && eventsOf(t, 'exit', 'nev-fail').length === 1, 5000, 'watch to see both exits');
    await new Promise((r) => setTimeout(r, 1200)); // longer than a backoff would wait: nothing must happen
    expect(await statusOf(t, ['-f', file], 'nev-ok')).toMatchObject({ state: 'exited', lastExitStatus: 0, restarts: 0 });
    expect(await statusOf(t, ['-f', file], 'nev-fail')).toMatchObject({ state: 'exited', lastExitStatus: 4, restarts: 0 });
    expect(eventsOf(t, 'restart', 'nev-ok')).toEqual([]);
    expect(eventsOf(t, 'restart', 'nev-fail')).toEqual([]);
  });

  it('restart: on-failure restarts a non-zero exit within 2 s and leaves a clean exit alone', async () => {
    const file = t.writeSpec(
      'onfail/app.yaml',
      specDoc({
        'onf-ok': quickSession(EXIT_ON_INPUT, { restart: 'on-failure' }),
        'onf-fail': quickSession(EXIT_ON_INPUT, { restart: 'on-failure' }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    await waitFor(async () => (await livePid(t, 'onf-ok')) && (await livePid(t, 'onf-fail')), 5000, 'both created');
    const failPid = (await livePid(t, 'onf-fail'))!;

    const since = Date.now();
    await exitWith('onf-fail', 5);
    const r = await timeUntil(
      since,
      async () => {
        const pid = await livePid(t, 'onf-fail');
        return pid !== undefined && pid !== failPid ? pid : undefined;
      },
      'onf-fail restarted',
    );
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(await statusOf(t, ['-f', file], 'onf-fail')).toMatchObject({ state: 'running', restarts: 1, lastExitStatus: 5 });

    await exitWith('onf-ok', 0);
    await waitFor(() => eventsOf(t, 'exit', 'onf-ok').length === 1, 5000, 'watch to see the clean exit');
    await new Promise((r) => setTimeout(r, 1200)); // nothing must happen
    expect(await statusOf(t, ['-f', file], 'onf-ok')).toMatchObject({ state: 'exited', lastExitStatus: 0, restarts: 0 });
    expect(eventsOf(t, 'exit', 'onf-ok').map((e) => [e.reason, e.exitStatus])).toEqual([['exited with status 0', 0]]);
  });
});
