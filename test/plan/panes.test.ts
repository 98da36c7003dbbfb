import { describe, expect, it } from 'vitest';
import type { ObservedSession, ObservedState, ObservedWindow, PaneStamp } from '../../src/observe/types.js';
import { planDelete } from '../../src/plan/delete.js';
import { plan } from '../../src/plan/plan.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { Action, Plan } from '../../src/plan/types.js';
import type { Command, DesiredState, PaneSpec } from '../../src/spec/types.js';
import {
  desired,
  died,
  MANUAL,
  managedPane,
  NOW,
  observed,
  observedWith,
  only,
  paneOf,
  running,
  spec,
  text,
  userPane,
  userWindow,
  WATCH,
  type WindowInput,
  windowed,
  windowOf,
  withoutPane,
} from '../helpers/model.js';

const argv = (...a: string[]): Command => ({ kind: 'argv', argv: a });

/** The example: an editor, a window of three servers, a cache. */
const EDITOR: WindowInput = { name: 'editor', panes: [{ keys: 'vim .', command: argv('/bin/bash') }] };
const SERVERS: WindowInput = {
  name: 'servers',
  layout: 'main-vertical',
  panes: [
    { command: argv('npm', 'run', 'dev') },
    { command: argv('npm', 'run', 'worker'), restart: 'on-failure' },
    { keys: 'tail -f log', command: argv('/bin/bash') },
  ],
};
const CACHE: WindowInput = { name: 'cache', panes: [{ command: argv('redis-server', '--port', '6380') }] };
const shop = (...windows: WindowInput[]) => windowed('shop', windows.length > 0 ? windows : [EDITOR, SERVERS, CACHE]);

/** Live as tmuxctl left `shop()`, then changed in place by `edit`. */
function live(edit: (s: ObservedSession) => void = () => {}): ObservedSession {
  const s = running(shop());
  edit(s);
  return s;
}

/** A person's own window, put in at `index` (the windows after it move up one, as `new-window -a` does). */
function insertUserWindow(s: ObservedSession, index: number): ObservedWindow {
  for (const w of s.windows) if (w.index >= index) w.index += 1;
  const w = userWindow(index);
  s.windows.push(w);
  s.windows.sort((a, b) => a.index - b.index);
  return w;
}

/** Every pane id and pid an action would act on (stop, restart, kill, split beside). */
function touched(a: Action): Array<string | number> {
  const out: Array<string | number> = [];
  if ('stops' in a) out.push(...a.stops.map((s) => s.pid));
  if ('managed' in a) out.push(a.managed.pane.id, a.managed.pane.pid);
  if (a.kind === 'kill-window') out.push(a.window.id, ...a.panes.map((m) => m.pane.id));
  if (a.kind === 'split' || a.kind === 'layout') out.push(a.window.id);
  if (a.kind === 'update') out.push(...a.panes.map((p) => p.managed.pane.id), ...a.windows.map((w) => w.window.id));
  return out;
}

describe('plan() on windows and panes: table', () => {
  const cases: { name: string; desired: DesiredState; observed: ObservedState; want: string[] }[] = [
    { name: 'in sync', desired: desired([shop()]), observed: observed(live()), want: [] },
    {
      name: 'a new session of 3 windows and 5 panes is one create',
      desired: desired([shop()]),
      observed: observed(),
      want: ['create shop (not found)'],
    },
    {
      name: 'window added at the end: created, nothing reordered',
      desired: desired([shop(EDITOR, SERVERS, CACHE, { name: 'logs' })]),
      observed: observed(live()),
      want: ['create-window shop:logs (window added)'],
    },
    {
      name: 'window added in the middle: created at a free index, then swapped into place',
      desired: desired([shop(EDITOR, { name: 'logs' }, SERVERS, CACHE)]),
      observed: observed(live()),
      want: ['create-window shop:logs (window added)', 'reorder shop (windows out of spec order)'],
    },
    {
      name: 'window removed: stopped and killed, the others untouched',
      desired: desired([shop(EDITOR, SERVERS)]),
      observed: observed(live()),
      want: ['kill-window shop:cache (window removed)'],
    },
    {
      name: 'window renamed: one removed, one added',
      desired: desired([shop(EDITOR, SERVERS, { ...CACHE, name: 'redis' })]),
      observed: observed(live()),
      want: ['create-window shop:redis (window added)', 'kill-window shop:cache (window removed)'],
    },
    {
      name: 'windows reordered: swaps only, no restart',
      desired: desired([shop(CACHE, EDITOR, SERVERS)]),
      observed: observed(live()),
      want: ['reorder shop (windows out of spec order)'],
    },
    {
      name: 'pane added: split, then the layout applied again',
      desired: desired([shop(EDITOR, { ...SERVERS, panes: [...SERVERS.panes!, { command: argv('npm', 'run', 'mail') }] }, CACHE)]),
      observed: observed(live()),
      want: ['split shop:servers.3 (pane added)', 'layout shop:servers (panes added or removed)'],
    },
    {
      name: 'pane removed: killed, then the layout applied again',
      desired: desired([shop(EDITOR, { ...SERVERS, panes: SERVERS.panes!.slice(0, 2) }, CACHE)]),
      observed: observed(live()),
      want: ['kill-pane shop:servers.2 (pane removed)', 'layout shop:servers (panes added or removed)'],
    },
    {
      name: 'layout changed: applied again, nothing restarts',
      desired: desired([shop(EDITOR, { ...SERVERS, layout: 'tiled' }, CACHE)]),
      observed: observed(live()),
      want: ['layout shop:servers (layout main-vertical -> tiled)'],
    },
    {
      name: "one pane's command changed: only that pane restarts",
      desired: desired([
        shop(EDITOR, { ...SERVERS, panes: [SERVERS.panes![0]!, { ...SERVERS.panes![1]!, command: argv('npm', 'run', 'jobs') }, SERVERS.panes![2]!] }, CACHE),
      ]),
      observed: observed(live()),
      want: ['restart shop:servers.1 (command changed)'],
    },
    {
      name: "a keys pane's text changed: only that pane restarts",
      desired: desired([shop({ ...EDITOR, panes: [{ ...EDITOR.panes![0]!, keys: 'nvim .' }] }, SERVERS, CACHE)]),
      observed: observed(live()),
      want: ['restart shop:editor.0 (keys changed)'],
    },
    {
      name: "a person's split panes and own windows: in sync all the same",
      desired: desired([shop()]),
      observed: observed(
        live((s) => {
          windowOf(s, 'servers').panes.push(userPane());
          insertUserWindow(s, 1);
          s.windows.push(userWindow(9));
        }),
      ),
      want: [],
    },
    {
      name: 'a killed managed pane in a window that still has a person’s pane: split back in, nothing else restarts',
      desired: desired([shop()]),
      observed: observed(
        live((s) => {
          windowOf(s, 'servers').panes.push(userPane());
          withoutPane(s, 'servers', 1);
        }),
      ),
      want: ['split shop:servers.1 (managed pane gone)', 'layout shop:servers (panes added or removed)'],
    },
    {
      name: 'one pane dead (always): that pane restarts',
      desired: desired([shop()]),
      observed: observed(live((s) => died(s, 'cache', 0, { signal: 9 }))),
      want: ['restart shop:cache.0 (killed by signal 9)'],
    },
    {
      name: 'one pane exited cleanly under on-failure: left as is, the rest too',
      desired: desired([shop()]),
      observed: observed(live((s) => died(s, 'servers', 1, { status: 0 }))),
      want: [],
    },
  ];

  it.each(cases)('$name', ({ desired: d, observed: o, want }) => {
    expect(text(plan(d, o, MANUAL))).toEqual(want);
  });
});

describe('plan() on windows and panes: details', () => {
  it('a window added in the middle goes to a free index and is swapped into place', () => {
    const p = plan(desired([shop(EDITOR, { name: 'logs' }, SERVERS, CACHE)]), observed(live()), MANUAL);
    expect(only(p, 'create-window').at).toEqual({ index: 3 });
    // logs at 3 must end at 1; servers and cache move up one each.
    expect(only(p, 'reorder').swaps).toEqual([
      [3, 1],
      [3, 2],
    ]);
  });

  it("reorder swaps tmuxctl's windows around a person's own window, which keeps its index", () => {
    const s = live();
    const mine = insertUserWindow(s, 1); // editor 0, mine 1, servers 2, cache 3
    const p = plan(desired([shop(CACHE, EDITOR, SERVERS)]), observed(s), MANUAL);
    expect(text(p)).toEqual(['reorder shop (windows out of spec order)']);
    const swaps = only(p, 'reorder').swaps;
    expect(swaps).toEqual([
      [3, 0],
      [3, 2],
    ]);
    expect(swaps.flat()).not.toContain(mine.index);
  });

  it('a removed window stops exactly its managed panes, never a person’s pane in it', () => {
    const s = live();
    const theirs = userPane();
    windowOf(s, 'servers').panes.push(theirs);
    const a = only(plan(desired([shop(EDITOR, CACHE)]), observed(s), MANUAL), 'kill-window');
    expect(a.stops.map((x) => x.pid).sort()).toEqual([0, 1, 2].map((i) => paneOf(s, 'servers', i).pid).sort());
    expect(a.logs).toEqual(['shop:servers.0', 'shop:servers.1', 'shop:servers.2']);
    expect(touched(a)).not.toContain(theirs.pid);
  });

  it('a pane added or removed restarts no other pane, and no action names a person’s pane', () => {
    const s = live();
    const theirs = userPane();
    windowOf(s, 'servers').panes.push(theirs);
    const more = shop(EDITOR, { ...SERVERS, panes: [...SERVERS.panes!, {}] }, CACHE);
    const fewer = shop(EDITOR, { ...SERVERS, panes: SERVERS.panes!.slice(0, 1) }, CACHE);
    for (const d of [more, fewer]) {
      const p = plan(desired([d]), observed(s), MANUAL);
      expect(p.actions.map((a) => a.kind)).not.toContain('restart');
      for (const a of p.actions) expect(touched(a)).not.toContain(theirs.id);
      for (const a of p.actions) expect(touched(a)).not.toContain(theirs.pid);
    }
  });

  it('a layout change re-applies the layout to that window and stamps it: nothing restarts, no pane moves', () => {
    const p = plan(desired([shop(EDITOR, { ...SERVERS, layout: 'even-vertical' }, CACHE)]), observed(live()), MANUAL);
    const a = only(p, 'layout');
    expect(a).toMatchObject({ name: 'servers', layout: 'even-vertical', panes: 3 });
    expect(p.actions).toHaveLength(1);
  });

  it('a split back in after a kill-pane goes into the window the pane was in, stamped for its slot', () => {
    const s = live((x) => {
      windowOf(x, 'servers').panes.push(userPane());
      withoutPane(x, 'servers', 1);
    });
    const a = only(plan(desired([shop()]), observed(s), WATCH), 'split');
    expect(a.window).toBe(windowOf(s, 'servers'));
    expect(a.pane.stamp).toMatchObject({ window: 'servers', index: 1 });
  });

  it('hand-made panes and windows never appear in any action, whatever else changes', () => {
    const s = live();
    const theirPane = userPane();
    windowOf(s, 'servers').panes.push(theirPane);
    const theirWindow = insertUserWindow(s, 0);
    died(s, 'cache', 0, { status: 1 });
    const changed = shop(
      { ...EDITOR, panes: [{ ...EDITOR.panes![0]!, keys: 'nvim' }] },
      { ...SERVERS, layout: 'tiled', panes: SERVERS.panes!.slice(0, 2) },
      { name: 'logs' },
      CACHE,
    );
    for (const d of [desired([changed]), desired([])]) {
      const p = plan(d, observed(s), MANUAL);
      expect(p.actions.length).toBeGreaterThan(0);
      for (const a of p.actions) {
        const t = touched(a);
        for (const x of [theirPane.id, theirPane.pid, theirWindow.id, theirWindow.panes[0]!.id, theirWindow.panes[0]!.pid]) expect(t).not.toContain(x);
      }
      if (d.sessions.length > 0) expect(only(p, 'reorder').swaps.flat()).not.toContain(theirWindow.index);
    }
  });

  it('a tmuxctl 0.1 session in sync gets one update that migrates its stamps, and no restart', () => {
    const web = spec('web');
    const old = running(web, { legacy: true });
    delete paneOf(old, 'web').stamp!.stopTimeoutSeconds; // 0.1 stamped none before 0.1.x: not a change
    const p = plan(desired([web]), observed(old), MANUAL);
    expect(text(p)).toEqual(['update web (stamped by tmuxctl 0.1, re-stamped per pane)']);
    const a = only(p, 'update');
    expect(a.migrate).toBe(true);
    expect(a.panes.map((x) => x.managed.pane.id)).toEqual([paneOf(old, 'web').id]);
    expect(a.windows.map((w) => w.name)).toEqual(['web']);
    // A session stamped the new way needs nothing.
    expect(text(plan(desired([web]), observed(running(web)), MANUAL))).toEqual([]);
  });

  it('a missing cwd blocks the restart of the pane that needs it, and only that one', () => {
    const d = shop(EDITOR, { ...SERVERS, panes: [{ ...SERVERS.panes![0]!, cwd: '/new' }, { ...SERVERS.panes![1]!, cwd: '/gone' }, SERVERS.panes![2]!] }, CACHE);
    const p = plan(desired([d]), observedWith([live()], { missingCwds: new Set(['/gone']) }), WATCH);
    expect(text(p)).toEqual(['conflict shop:servers.1 (cwd /gone no longer exists)', 'restart shop:servers.0 (cwd changed)']);
    expect(p.requeueAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('a health verdict is keyed by pane target: only that pane restarts', () => {
    const s = live();
    const startedAt = paneOf(s, 'servers', 1).stamp!.startedAt!;
    const verdict = { since: NOW - 1000, startedAt, detail: 'health check failed (3 consecutive failures, last: exit status 7)' };
    const p = plan(desired([shop()]), observedWith([s], { unhealthy: new Map([['shop:servers.1', verdict]]) }), MANUAL);
    expect(text(p)).toEqual(['restart shop:servers.1 (health check failed (3 consecutive failures, last: exit status 7))']);
    // Keyed by the session it is a verdict on no pane; keyed by another pane, on that pane alone.
    expect(text(plan(desired([shop()]), observedWith([s], { unhealthy: new Map([['shop', verdict]]) }), MANUAL))).toEqual([]);
    expect(text(plan(desired([shop()]), observedWith([s], { unhealthy: new Map([['shop:servers.0', verdict]]) }), MANUAL))).toEqual([
      `restart shop:servers.0 (${verdict.detail})`,
    ]);
  });

  it('backoff is per pane: two panes of one session crashing at different times each wait their own delay', () => {
    const backoff = { initialSeconds: 2, maxSeconds: 300, resetAfterSeconds: 600 };
    const two = windowed('duo', [{ name: 'w', panes: [{ backoff }, { backoff }] }]);
    const s = running(two);
    // Pane 0: second crash 500 ms ago (2 s delay: due in 1.5 s). Pane 1: second crash 2.5 s ago (due already).
    died(s, 'w', 0, { status: 1 }, { crashes: 1, startedAt: NOW - 1000 }, 500);
    died(s, 'w', 1, { status: 1 }, { crashes: 1, startedAt: NOW - 3000 }, 2500);
    const p = plan(desired([two]), observed(s), WATCH);
    expect(text(p)).toEqual(['restart duo:w.1 (exited with status 1)']);
    expect(p.requeueAfterMs).toBe(1500);
    expect(only(p, 'restart').pane.stamp.crashes).toBe(2);
    // 1.5 s later pane 0 is due; pane 1's restart (now running) does not hold it back.
    const later = plan(desired([two]), { ...observed(s), at: NOW + 1500 }, { ...WATCH, now: NOW + 1500 });
    expect(text(later)).toContain('restart duo:w.0 (exited with status 1)');
  });
});

/**
 * What the executor leaves behind, on plain data: each action done to the snapshot in plan order
 * (panes started now, with the stamps the plan gave them).
 */
function applyInPlace(state: ObservedState, p: Plan): void {
  const started = (x: { spec: PaneSpec; stamp: PaneStamp }) => managedPane(x.spec, { ...x.stamp, startedAt: NOW });
  for (const a of p.actions) {
    const s = state.sessions.get(a.session)!;
    switch (a.kind) {
      case 'create': {
        const fresh = running(a.spec);
        for (const w of a.windows) windowOf(fresh, w.spec.name).panes = w.panes.map(started);
        state.sessions.set(a.session, fresh);
        break;
      }
      case 'create-window': {
        const w = a.window;
        s.windows.push({
          id: `@new-${w.spec.name}`,
          index: a.at.index,
          stamp: { name: w.spec.name, panes: w.panes.length, ...(w.layout !== undefined && { layout: w.layout }) },
          panes: w.panes.map(started),
        });
        break;
      }
      case 'split':
        s.windows.find((w) => w.id === a.window.id)!.panes.push(started(a.pane));
        break;
      case 'restart':
        Object.assign(a.managed.pane, { dead: false, exit: undefined, deadAt: undefined, stamp: { ...a.pane.stamp, startedAt: NOW } });
        break;
      case 'kill-pane':
        for (const w of s.windows) w.panes = w.panes.filter((x) => x !== a.managed.pane);
        break;
      case 'layout':
        a.window.stamp = { name: a.name, panes: a.panes, ...(a.layout !== undefined && { layout: a.layout }) };
        break;
      case 'reorder':
        for (const [x, y] of a.swaps) {
          const wx = s.windows.find((w) => w.index === x)!;
          const wy = s.windows.find((w) => w.index === y)!;
          [wx.index, wy.index] = [y, x];
        }
        break;
      case 'kill-window':
        s.windows = s.windows.filter((w) => w !== a.window);
        break;
      case 'update':
        for (const x of a.panes) x.managed.pane.stamp = x.stamp;
        for (const x of a.windows) x.window.stamp = { name: x.name, panes: x.panes, ...(x.layout !== undefined && { layout: x.layout }) };
        if (a.source !== undefined) s.source = a.source;
        if (a.migrate) s.legacy = false;
        break;
      case 'kill':
        state.sessions.delete(a.session);
        break;
      default:
        throw new Error(`unexpected ${a.kind}`);
    }
    s?.windows.sort((x, y) => x.index - y.index);
  }
}

describe('plan after the apply it planned is empty', () => {
  it('every kind of change at once, around a person’s own window and pane', () => {
    const s = live((x) => {
      windowOf(x, 'servers').panes.push(userPane());
      insertUserWindow(x, 1);
      died(x, 'cache', 0, { status: 2 });
    });
    const state = observed(s);
    const wanted = desired([
      shop({ name: 'logs', panes: [{}, {}] }, CACHE, {
        ...SERVERS,
        layout: 'tiled',
        panes: [{ ...SERVERS.panes![0]!, env: { PORT: '3001' } }, SERVERS.panes![1]!, SERVERS.panes![2]!, {}],
      }),
    ]);
    const first = plan(wanted, state, MANUAL);
    expect(text(first)).toEqual([
      'restart shop:cache.0 (exited with status 2)',
      'restart shop:servers.0 (environment changed)',
      'create-window shop:logs (window added)',
      'split shop:servers.3 (pane added)',
      'layout shop:servers (panes added or removed)',
      'reorder shop (windows out of spec order)',
      'kill-window shop:editor (window removed)',
    ]);
    applyInPlace(state, first);
    expect(text(plan(wanted, state, MANUAL))).toEqual([]);
    // The person's window and pane are where they were.
    expect(s.windows.find((w) => !w.stamp)!.index).toBe(1);
    expect(windowOf(s, 'servers').panes.filter((x) => !x.stamp)).toHaveLength(1);
  });

  it('a tmuxctl 0.1 session, its spec changed: restarted and migrated in one pass', () => {
    const web = spec('web');
    const state = observed(running(web, { legacy: true }));
    const wanted = desired([spec('web', { cwd: '/x' })]);
    const first = plan(wanted, state, MANUAL);
    expect(text(first)).toEqual(['restart web (cwd changed)', 'update web (stamped by tmuxctl 0.1, re-stamped per pane)']);
    applyInPlace(state, first);
    expect(text(plan(wanted, state, MANUAL))).toEqual([]);
  });
});

describe('planDelete by window and by pane', () => {
  const targets = (p: Plan) => text(p);

  it('`session:window` kills that window and its managed panes', () => {
    const s = live();
    const p = planDelete([{ session: 'shop', window: 'servers' }], observed(s), new Map([['shop:servers.1', 2]]));
    expect(targets(p)).toEqual(['kill-window shop:servers (deleted)']);
    const a = only(p, 'kill-window');
    expect(a.window).toBe(windowOf(s, 'servers'));
    expect(a.stops.map((x) => x.timeoutSeconds)).toEqual([10, 2, 10]);
  });

  it('`session:window.N` kills that pane only', () => {
    const s = live();
    const p = planDelete([{ session: 'shop', window: 'servers', index: 2 }], observed(s), new Map());
    expect(targets(p)).toEqual(['kill-pane shop:servers.2 (deleted)']);
    expect(only(p, 'kill-pane').managed.pane).toBe(paneOf(s, 'servers', 2));
  });

  it('never a window or pane tmuxctl did not make, nor anything of a session it does not own', () => {
    const s = live();
    const mine = insertUserWindow(s, 5);
    mine.stamp = undefined;
    expect(
      targets(
        planDelete(
          [
            { session: 'shop', window: 'nope' },
            { session: 'shop', window: 'servers', index: 7 },
          ],
          observed(s),
          new Map(),
        ),
      ),
    ).toEqual([]);
    const theirs = running(shop(), { owned: false });
    expect(targets(planDelete([{ session: 'shop', window: 'servers' }], observed(theirs), new Map()))).toEqual([
      'conflict shop:servers (exists, not managed by tmuxctl)',
    ]);
  });
});

describe('paneStatuses: one row per pane', () => {
  it('`session` for a session of one pane, `session:window.N` otherwise, with window and pane index', () => {
    const one = spec('solo');
    const rows = paneStatuses(desired([one, shop()]), observed(running(one), live()));
    expect(rows.map((r) => [r.name, r.window, r.pane, r.state])).toEqual([
      ['shop:cache.0', 'cache', 0, 'running'],
      ['shop:editor.0', 'editor', 0, 'running'],
      ['shop:servers.0', 'servers', 0, 'running'],
      ['shop:servers.1', 'servers', 1, 'running'],
      ['shop:servers.2', 'servers', 2, 'running'],
      ['solo', 'solo', 0, 'running'],
    ]);
  });

  it('each pane its own state: one drifted, one missing (killed by hand), one exited', () => {
    const s = live((x) => {
      withoutPane(x, 'servers', 0);
      died(x, 'servers', 1, { status: 0 });
    });
    const d = shop({ ...EDITOR, panes: [{ ...EDITOR.panes![0]!, keys: 'nvim' }] }, SERVERS, CACHE);
    const rows = paneStatuses(desired([d]), observed(s));
    expect(Object.fromEntries(rows.map((r) => [r.name, r.state]))).toEqual({
      'shop:cache.0': 'running',
      'shop:editor.0': 'drifted',
      'shop:servers.0': 'missing',
      'shop:servers.1': 'exited',
      'shop:servers.2': 'running',
    });
  });

  it('`undeclared` rows for stamped panes and windows no longer in the spec; none for a person’s panes', () => {
    const s = live((x) => windowOf(x, 'servers').panes.push(userPane()));
    const rows = paneStatuses(desired([shop(EDITOR, { ...SERVERS, panes: SERVERS.panes!.slice(0, 1) })]), observed(s));
    expect(rows.filter((r) => r.state === 'undeclared').map((r) => [r.name, r.pid])).toEqual([
      ['shop:cache.0', paneOf(s, 'cache').pid],
      ['shop:servers.1', paneOf(s, 'servers', 1).pid],
      ['shop:servers.2', paneOf(s, 'servers', 2).pid],
    ]);
    expect(rows).toHaveLength(5);
  });
});
