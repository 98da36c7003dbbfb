import { describe, expect, it } from 'vitest';
import type { ObservedPane, ObservedSession, ObservedState, PaneStamp } from '../../src/observe/types.js';
import { backoffDelayMs, crashesAfterRun, MIN_RESTART_SPACING_MS } from '../../src/plan/backoff.js';
import { planDelete } from '../../src/plan/delete.js';
import { specHash } from '../../src/plan/hash.js';
import { plan, withinRoots } from '../../src/plan/plan.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { DesiredState } from '../../src/spec/types.js';
import { dead, desired, foreign, MANUAL, managedPane, NOW, only, observed, paneOf, paneSpec, running, SRC, spec, text, WATCH } from '../helpers/model.js';

/** The session's pane at `window.0` re-stamped with another hash. */
function stampedHash(o: ReturnType<typeof running>, window: string, hash: string) {
  paneOf(o, window).stamp!.hash = hash;
  return o;
}

/** As a tmuxctl that did not stamp stop timeouts left it. */
function unstampedStop(o: ReturnType<typeof running>) {
  for (const w of o.windows) for (const p of w.panes) delete p.stamp?.stopTimeoutSeconds;
  return o;
}

const alpha = spec('alpha');
const beta = spec('beta');

describe('plan(): desired + observed -> actions with reasons', () => {
  const cases: { name: string; desired: DesiredState; observed: ObservedState; want: string[] }[] = [
    { name: 'nothing declared, nothing running', desired: desired([]), observed: observed(), want: [] },
    { name: 'declared, not running', desired: desired([alpha, beta]), observed: observed(), want: ['create alpha (not found)', 'create beta (not found)'] },
    { name: 'in sync', desired: desired([alpha, beta]), observed: observed(running(alpha), running(beta)), want: [] },
    {
      name: 'command changed',
      desired: desired([spec('alpha', { command: { kind: 'shell', script: 'sleep 1000' } }), beta]),
      observed: observed(running(alpha), running(beta)),
      want: ['restart alpha (command changed)'],
    },
    {
      name: 'cwd changed',
      desired: desired([spec('alpha', { cwd: '/elsewhere' })]),
      observed: observed(running(alpha)),
      want: ['restart alpha (cwd changed)'],
    },
    {
      name: 'environment value changed',
      desired: desired([spec('alpha', { env: { TOKEN: 'b' } })]),
      observed: observed(running(spec('alpha', { env: { TOKEN: 'a' } }))),
      want: ['restart alpha (environment changed)'],
    },
    {
      name: 'two parts changed',
      desired: desired([spec('alpha', { env: { A: '1' }, command: { kind: 'argv', argv: ['top'] } })]),
      observed: observed(running(alpha)),
      want: ['restart alpha (command and environment changed)'],
    },
    {
      name: 'everything changed',
      desired: desired([spec('alpha', { env: { A: '1' }, cwd: '/x', command: { kind: 'argv', argv: ['top'] } })]),
      observed: observed(running(alpha)),
      want: ['restart alpha (command, cwd and environment changed)'],
    },
    {
      name: 'a stamp from another hash version',
      desired: desired([alpha]),
      observed: observed(stampedHash(running(alpha), 'alpha', 'v0.abc')),
      want: ['restart alpha (spec changed)'],
    },
    {
      // (a stamped stop timeout is brought up to date by an update: see ownership.test.ts)
      name: 'settings outside the hash (restart policy, timeouts) change nothing live',
      desired: desired([spec('alpha', { restart: 'never', startSeconds: 5, stopTimeoutSeconds: 1 })]),
      observed: observed(unstampedStop(running(alpha))),
      want: [],
    },
    {
      name: 'foreign session holds a declared name',
      desired: desired([alpha, beta]),
      observed: observed(foreign('alpha')),
      want: ['conflict alpha (exists, not managed by tmuxctl)', 'create beta (not found)'],
    },
    {
      name: 'foreign sessions with prefix names are neither conflicts nor pruned',
      desired: desired([spec('mon'), spec('monitor')]),
      observed: observed(foreign('mo'), foreign('monitor-old'), foreign('moni'), running(spec('mon'))),
      want: ['create monitor (not found)'],
    },
    {
      name: 'owned, undeclared, declared in the applied folder: pruned',
      desired: desired([alpha]),
      observed: observed(running(alpha), running(spec('gone', { source: '/specs/old.yaml' }))),
      want: ['kill gone (no longer declared)'],
    },
    {
      name: 'owned, undeclared, declared in the applied file itself: pruned',
      desired: desired([alpha], [SRC]),
      observed: observed(running(alpha), running(spec('gone'))),
      want: ['kill gone (no longer declared)'],
    },
    {
      name: 'owned, undeclared, from another folder, a subfolder, or no recorded source: kept',
      desired: desired([alpha]),
      observed: observed(
        running(alpha),
        running(spec('other', { source: '/elsewhere/app.yaml' })),
        running(spec('nested', { source: '/specs/sub/app.yaml' })),
        running(spec('sibling', { source: '/specs-old/app.yaml' })),
        running(spec('nosource'), { source: undefined }),
      ),
      want: [],
    },
    { name: 'foreign and undeclared: untouched', desired: desired([]), observed: observed(foreign('mine')), want: [] },
    {
      name: 'declaration moved to another file',
      desired: desired([spec('alpha', { source: '/specs/b.yaml' })]),
      observed: observed(running(alpha)),
      want: ['update alpha (now declared in /specs/b.yaml)'],
    },
    {
      name: 'dead, always, clean exit',
      desired: desired([alpha]),
      observed: observed(dead(alpha, { status: 0 })),
      want: ['restart alpha (exited with status 0)'],
    },
    { name: 'dead, always, killed', desired: desired([alpha]), observed: observed(dead(alpha, { signal: 9 })), want: ['restart alpha (killed by signal 9)'] },
    {
      name: 'dead, never',
      desired: desired([spec('alpha', { restart: 'never' })]),
      observed: observed(dead(spec('alpha', { restart: 'never' }), { status: 1 })),
      want: [],
    },
    {
      name: 'dead, on-failure, clean exit',
      desired: desired([spec('alpha', { restart: 'on-failure' })]),
      observed: observed(dead(alpha, { status: 0 })),
      want: [],
    },
    {
      name: 'dead, on-failure, failed',
      desired: desired([spec('alpha', { restart: 'on-failure' })]),
      observed: observed(dead(alpha, { status: 2 })),
      want: ['restart alpha (exited with status 2)'],
    },
    {
      name: 'dead, on-failure, killed by a signal',
      desired: desired([spec('alpha', { restart: 'on-failure' })]),
      observed: observed(dead(alpha, { signal: 15 })),
      want: ['restart alpha (killed by signal 15)'],
    },
    {
      name: 'dead and changed, under never: the change wins',
      desired: desired([spec('alpha', { restart: 'never', cwd: '/new' })]),
      observed: observed(dead(spec('alpha', { restart: 'never' }), { status: 0 })),
      want: ['restart alpha (cwd changed)'],
    },
    {
      name: 'order: conflicts, kills, restarts, creates, updates; by name within a kind',
      desired: desired([spec('e-upd', { source: '/specs/b.yaml' }), spec('d-new'), spec('c-chg', { cwd: '/c' }), spec('b-held'), spec('a-new')]),
      observed: observed(running(spec('e-upd')), running(spec('c-chg')), foreign('b-held'), running(spec('z-old')), running(spec('y-old'))),
      want: [
        'conflict b-held (exists, not managed by tmuxctl)',
        'kill y-old (no longer declared)',
        'kill z-old (no longer declared)',
        'restart c-chg (cwd changed)',
        'create a-new (not found)',
        'create d-new (not found)',
        'update e-upd (now declared in /specs/b.yaml)',
      ],
    },
  ];

  it.each(cases)('$name', ({ desired: d, observed: o, want }) => {
    expect(text(plan(d, o, MANUAL))).toEqual(want);
  });

  it('is empty right after the apply it planned (what a create and a restart leave behind)', () => {
    const specs = [spec('fresh'), spec('changed', { cwd: '/new' }), spec('crashed'), spec('kept', { env: { K: 'v' } })];
    const before = observed(running(spec('changed')), dead(spec('crashed'), { status: 1 }), running(spec('kept', { env: { K: 'v' } })));
    const first = plan(desired(specs), before, MANUAL);
    expect(text(first)).toEqual(['restart changed (cwd changed)', 'restart crashed (exited with status 1)', 'create fresh (not found)']);

    // What the executor leaves: a live pane carrying the planned stamp, started now.
    const after = new Map(before.sessions);
    for (const a of first.actions) {
      if (a.kind === 'create') {
        const s = running(a.spec);
        for (const w of a.windows)
          for (const p of w.panes) Object.assign(paneOf(s, p.spec.window, p.spec.index), managedPane(p.spec, { ...p.stamp, startedAt: NOW }));
        after.set(a.session, s);
      } else if (a.kind === 'restart') {
        Object.assign(a.managed.pane, { dead: false, exit: undefined, deadAt: undefined, stamp: { ...a.pane.stamp, startedAt: NOW } });
      } else throw new Error(`unexpected ${a.kind}`);
    }
    expect(text(plan(desired(specs), { sessions: after, serverRunning: true, at: NOW + 2000 }, MANUAL))).toEqual([]);
  });

  it('stamps: a create starts at zero, a death counts, a spec change does not', () => {
    const create = only(plan(desired([alpha]), observed(), MANUAL), 'create');
    const where = { window: 'alpha', index: 0, stopTimeoutSeconds: 10 };
    expect(create.windows[0]!.panes[0]!.stamp).toEqual({ ...where, hash: specHash(paneSpec(alpha, 'alpha')), restarts: 0, crashes: 0 });

    const died = only(plan(desired([alpha]), observed(dead(alpha, { status: 3 }, { restarts: 4, crashes: 0 })), MANUAL), 'restart');
    expect(died.pane.stamp).toEqual({ ...where, hash: specHash(paneSpec(alpha, 'alpha')), restarts: 5, crashes: 1, lastExit: { status: 3 } });

    const changed = spec('alpha', { cwd: '/new' });
    const live = running(alpha);
    Object.assign(paneOf(live, 'alpha').stamp!, { restarts: 4, crashes: 2, lastExit: { signal: 9 } });
    const edit = only(plan(desired([changed]), observed(live), MANUAL), 'restart');
    expect(edit.pane.stamp).toEqual({ ...where, hash: specHash(paneSpec(changed, 'alpha')), restarts: 4, crashes: 0, lastExit: { signal: 9 } });
  });

  it('a kill of an undeclared session uses the default stop timeout for a pane stamped without one', () => {
    const live = running(spec('gone'));
    delete paneOf(live, 'gone').stamp!.stopTimeoutSeconds;
    const o = observed(live);
    expect(only(plan(desired([]), o, { ...MANUAL, defaultStopTimeoutSeconds: 3 }), 'kill').stops.map((x) => x.timeoutSeconds)).toEqual([3]);
    expect(only(plan(desired([]), o, MANUAL), 'kill').stops.map((x) => x.timeoutSeconds)).toEqual([10]);
  });

  it('withinRoots: the file itself or a file directly in a root folder', () => {
    expect(withinRoots('/a/b.yaml', ['/a'])).toBe(true);
    expect(withinRoots('/a/b.yaml', ['/a/b.yaml'])).toBe(true);
    expect(withinRoots('/a/sub/b.yaml', ['/a'])).toBe(false);
    expect(withinRoots('/ab/c.yaml', ['/a'])).toBe(false);
    expect(withinRoots('/a/b.yaml', [])).toBe(false);
  });
});

describe('orphans', () => {
  const monitor = spec('monitor', { orphans: { match: 'multi_monitor' } });
  const procs = (o: ObservedState): ObservedState => ({
    ...o,
    processes: [
      { pid: 501, startTime: 1, cmdline: 'python -m multi_monitor', matchArgv: ['python', '-m', 'multi_monitor'] },
      { pid: 502, startTime: 1, cmdline: 'python -m multi_monitor', matchArgv: ['python', '-m', 'multi_monitor'], session: 'monitor' },
      { pid: 503, startTime: 1, cmdline: 'vim notes.txt', matchArgv: ['vim', 'notes.txt'] },
    ],
  });

  it('a matching process outside every managed session is stopped; one inside is not', () => {
    expect(text(plan(desired([monitor]), procs(observed(running(monitor))), MANUAL))).toEqual(['kill-orphan monitor (pid 501: python -m multi_monitor)']);
  });

  it('nothing is stopped for a spec whose name a foreign session holds (that may be the user running it by hand)', () => {
    expect(text(plan(desired([monitor]), procs(observed(foreign('monitor'))), MANUAL))).toEqual(['conflict monitor (exists, not managed by tmuxctl)']);
  });
});

describe('planDelete()', () => {
  it('kills owned sessions by name, refuses foreign ones, skips missing ones', () => {
    const o = observed(running(spec('mine')), foreign('theirs'), running(spec('slow')));
    const p = planDelete(
      ['mine', 'theirs', 'absent', 'slow'].map((session) => ({ session })),
      o,
      new Map([['slow:slow.0', 2]]),
    );
    expect(text(p)).toEqual(['conflict theirs (exists, not managed by tmuxctl)', 'kill mine (deleted)', 'kill slow (deleted)']);
    expect(p.actions.flatMap((a) => (a.kind === 'kill' ? a.stops.map((x) => x.timeoutSeconds) : []))).toEqual([10, 2]);
  });
});

describe('backoff arithmetic', () => {
  const b = { initialSeconds: 2, maxSeconds: 30, resetAfterSeconds: 60 };

  it('first restart immediate, then initialSeconds doubling up to maxSeconds', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelayMs(n, b))).toEqual([0, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelayMs(-1, b)).toBe(0);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, { initialSeconds: 1.25, maxSeconds: 3.75, resetAfterSeconds: 1 }))).toEqual([1250, 2500, 3750]);
  });

  it('consecutive crash restarts are never closer than MIN_RESTART_SPACING_MS, whatever the spec says', () => {
    const zero = { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 600 };
    expect([0, 1, 2, 50].map((n) => backoffDelayMs(n, zero))).toEqual([0, MIN_RESTART_SPACING_MS, MIN_RESTART_SPACING_MS, MIN_RESTART_SPACING_MS]);
    expect(backoffDelayMs(1, { initialSeconds: 0.25, maxSeconds: 0.75, resetAfterSeconds: 1 })).toBe(MIN_RESTART_SPACING_MS);
    expect(backoffDelayMs(3, { initialSeconds: Number.NaN, maxSeconds: Number.NaN, resetAfterSeconds: 1 })).toBe(MIN_RESTART_SPACING_MS);
    expect(MIN_RESTART_SPACING_MS).toBe(1000);
  });

  it('a run of resetAfterSeconds or more wipes the crash count', () => {
    expect(crashesAfterRun(4, 59_999, b)).toBe(4);
    expect(crashesAfterRun(4, 60_000, b)).toBe(0);
    expect(crashesAfterRun(4, undefined, b)).toBe(4);
  });
});

describe('honourBackoff (the watch loop) vs a manual apply', () => {
  const backoff = { initialSeconds: 2, maxSeconds: 300, resetAfterSeconds: 600 };
  const s = spec('alpha', { backoff });
  /** Died `agoMs` ago after a short run, with `crashes` consecutive crashes before. */
  const crashed = (crashes: number, agoMs: number, ranMs = 500) => dead(s, { status: 1 }, { crashes, startedAt: NOW - agoMs - ranMs }, agoMs);

  it('the first crash is restarted at once', () => {
    const p = plan(desired([s]), observed(crashed(0, 0)), WATCH);
    expect(text(p)).toEqual(['restart alpha (exited with status 1)']);
    expect(p.requeueAfterMs).toBeUndefined();
    expect(only(p, 'restart').pane.stamp.crashes).toBe(1);
  });

  it('a dead pane inside its backoff window gets no action and a requeue for when it is due', () => {
    const p = plan(desired([s]), observed(crashed(1, 500)), WATCH);
    expect(p.actions).toEqual([]);
    expect(p.requeueAfterMs).toBe(1500);
    expect(text(plan(desired([s]), observed(crashed(3, 500)), WATCH))).toEqual([]);
    expect(plan(desired([s]), observed(crashed(3, 500)), WATCH).requeueAfterMs).toBe(7500);
  });

  it('the requeue is the soonest of several waiting sessions', () => {
    const t2 = spec('beta', { backoff });
    const late = dead(t2, { status: 1 }, { crashes: 2, startedAt: NOW - 1100 }, 100);
    const p = plan(desired([s, t2]), observed(crashed(1, 1200), late), WATCH);
    expect(p.actions).toEqual([]);
    expect(p.requeueAfterMs).toBe(800);
  });

  it('a run shorter than a second never resets the crash count, whatever resetAfterSeconds says', () => {
    // resetAfterSeconds: 0 made every crash a first one, restarted at once (~18 a second).
    const eager = spec('eager', { backoff: { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 0 } });
    const quick = dead(eager, { status: 3 }, { crashes: 5, startedAt: NOW - 300 }, 100);
    const p = plan(desired([eager]), observed(quick), WATCH);
    expect(p.actions).toEqual([]);
    expect(p.requeueAfterMs).toBe(900);
    expect(text(plan(desired([eager]), observed(quick), { ...WATCH, now: NOW + 900 }))).toEqual(['restart eager (exited with status 3)']);
    // A run of a second or more does reset it: restarted at once.
    const ranLong = dead(eager, { status: 3 }, { crashes: 5, startedAt: NOW - 1200 }, 100);
    expect(text(plan(desired([eager]), observed(ranLong), WATCH))).toEqual(['restart eager (exited with status 3)']);
  });

  it('once the window has passed it restarts, counting the crash', () => {
    const p = plan(desired([s]), observed(crashed(1, 2000)), WATCH);
    expect(text(p)).toEqual(['restart alpha (exited with status 1)']);
    expect(only(p, 'restart').pane.stamp.crashes).toBe(2);
  });

  it('a crash after a long run starts the count again: restarted at once', () => {
    const p = plan(desired([s]), observed(crashed(6, 100, 600_000)), WATCH);
    expect(text(p)).toEqual(['restart alpha (exited with status 1)']);
    expect(only(p, 'restart').pane.stamp.crashes).toBe(1);
  });

  it('a manual apply restarts at once whatever the window', () => {
    const p = plan(desired([s]), observed(crashed(5, 10)), MANUAL);
    expect(text(p)).toEqual(['restart alpha (exited with status 1)']);
    expect(p.requeueAfterMs).toBeUndefined();
  });

  it('other sessions are still planned while one waits', () => {
    const p = plan(desired([s, beta]), observed(crashed(1, 500)), WATCH);
    expect(text(p)).toEqual(['create beta (not found)']);
    expect(p.requeueAfterMs).toBe(1500);
  });
});

/** The one pane of a session of today's form, changed in place. */
function at(o: ObservedSession, pane: Partial<ObservedPane>, stamp: Partial<PaneStamp> = {}): ObservedSession {
  const p = paneOf(o, o.name);
  Object.assign(p, pane);
  Object.assign(p.stamp!, stamp);
  return o;
}

describe('paneStatuses(): sessions of one pane', () => {
  type Row = [name: string, state: string, pid: number | null, restarts: number, lastExitStatus: number | null];
  const rows = (d: DesiredState, o: ObservedState): Row[] => paneStatuses(d, o).map((r) => [r.name, r.state, r.pid, r.restarts, r.lastExitStatus]);

  it('one row per declared session and per owned undeclared one, by name', () => {
    const never = spec('g-never', { restart: 'never' });
    const onf = spec('h-onf', { restart: 'on-failure' });
    const d = desired([
      spec('a-missing'),
      spec('b-running'),
      spec('c-drift', { cwd: '/x' }),
      spec('d-dead-drift', { cwd: '/x' }),
      spec('e-held'),
      spec('f-backoff'),
      never,
      onf,
    ]);
    const o = observed(
      at(running(spec('b-running')), { pid: 4242 }, { restarts: 2, lastExit: { status: 1 } }),
      at(running(spec('c-drift')), { pid: 4243 }),
      dead(spec('d-dead-drift'), { status: 0 }),
      foreign('e-held'),
      dead(spec('f-backoff'), { signal: 9 }, { restarts: 1 }),
      dead(never, { status: 3 }),
      dead(onf, { status: 0 }),
      at(running(spec('i-undeclared', { source: '/elsewhere/x.yaml' })), { pid: 4244 }),
      foreign('j-foreign'),
    );
    expect(rows(d, o)).toEqual([
      ['a-missing', 'missing', null, 0, null],
      ['b-running', 'running', 4242, 2, 1],
      ['c-drift', 'drifted', 4243, 0, null],
      ['d-dead-drift', 'drifted', null, 0, 0],
      ['e-held', 'conflict', null, 0, null],
      ['f-backoff', 'backoff', null, 1, 137],
      ['g-never', 'exited', null, 0, 3],
      ['h-onf', 'exited', null, 0, 0],
      ['i-undeclared', 'undeclared', 4244, 0, null],
    ]);
  });

  it('times, sources, signals and the next restart', () => {
    const s = spec('alpha', { backoff: { initialSeconds: 4, maxSeconds: 300, resetAfterSeconds: 600 } });
    const d = desired([s, spec('beta')]);
    const o = observed(
      dead(s, { signal: 15 }, { crashes: 1, startedAt: NOW - 2000 }, 1000),
      at(running(spec('beta'), { createdAt: NOW - 5000 }), {}, { startedAt: undefined }),
    );
    const [a, b] = paneStatuses(d, o);
    expect(a).toMatchObject({
      state: 'backoff',
      lastExitStatus: 143,
      lastExitSignal: 15,
      source: SRC,
      startedAt: new Date(NOW - 2000).toISOString(),
      nextRestartAt: new Date(NOW + 3000).toISOString(),
    });
    expect(b).toMatchObject({ state: 'running', startedAt: new Date(NOW - 5000).toISOString(), nextRestartAt: null, lastExitSignal: null });

    // A restart already overdue is due now, not in the past.
    const overdue = paneStatuses(desired([s]), observed(dead(s, { status: 1 }, { crashes: 1 }, 60_000)))[0]!;
    expect(overdue.nextRestartAt).toBe(new Date(NOW).toISOString());
  });
});
