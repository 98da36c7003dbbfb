import { describe, expect, it } from 'vitest';
import type { ObservedProcess } from '../../src/observe/types.js';
import { planDelete } from '../../src/plan/delete.js';
import { plan } from '../../src/plan/plan.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { DesiredState, SessionSpec } from '../../src/spec/types.js';
import * as m from '../helpers/model.js';
import { dead, MANUAL, observed, observedWith, only, running, text, userPane, WATCH, withoutPane } from '../helpers/model.js';

/** Specs of folder B (the applied one) unless told otherwise. */
const B = '/specs/B/b.yaml';
const spec = (name: string, o: Parameters<typeof m.spec>[1] = {}) =>
  m.spec(name, { source: B, backoff: { initialSeconds: 2, maxSeconds: 300, resetAfterSeconds: 600 }, ...o });
const desired = (sessions: SessionSpec[], roots: string[] = ['/specs/B']): DesiredState => m.desired(sessions, roots);

describe('the managed pane is only ever the stamped one', () => {
  const web = spec('web');

  /** The managed pane killed by hand (kill-pane) while a person's own split pane keeps the window open. */
  const killedBesideUserPane = () => {
    const live = running(web);
    live.windows[0]!.panes.push(userPane());
    return withoutPane(live, 'web');
  };

  it('an owned session without its managed pane gets it back, in its window, whatever other panes it has', () => {
    const live = killedBesideUserPane();
    const p = plan(desired([web]), observed(live), WATCH);
    expect(text(p)).toEqual(['split web (managed pane gone)']);
    // Split off the window it was in; the person's pane is neither restarted nor reused.
    expect(only(p, 'split').window).toBe(live.windows[0]);
  });

  it('its whole window gone: a new window is made for it', () => {
    const live = running(web);
    live.windows = [m.userWindow(1)];
    expect(text(plan(desired([web]), observed(live), WATCH))).toEqual(['create-window web (managed pane gone)']);
  });

  it('status says missing (no pid: nothing of ours runs), not running', () => {
    const [row] = paneStatuses(desired([web]), observed(killedBesideUserPane()));
    expect(row).toMatchObject({ name: 'web', state: 'missing', pid: null });
  });
});

describe('a session declared in another spec folder is not ours to change', () => {
  const a = spec('web', { source: '/specs/A/a.yaml' });
  const b = spec('web', { command: { kind: 'argv', argv: ['sleep', '2000'] } });

  it('applying B: the session A declared is a conflict, reported and left alone', () => {
    expect(text(plan(desired([b]), observed(running(a)), MANUAL))).toEqual(['conflict web (owned by /specs/A/a.yaml)']);
    const shown = plan(desired([b]), observed(running(a)), { ...MANUAL, displayPath: (p) => p.replace('/specs/', 'specs/') });
    expect(text(shown)).toEqual(['conflict web (owned by specs/A/a.yaml)']);
  });

  it('so is it when nothing else differs (no silent update of its source), and status says conflict with its owner', () => {
    const same = spec('web');
    expect(text(plan(desired([same]), observed(running(same, { source: '/specs/A/a.yaml' })), MANUAL))).toEqual(['conflict web (owned by /specs/A/a.yaml)']);
    const [row] = paneStatuses(desired([same]), observed(running(same, { source: '/specs/A/a.yaml' })));
    expect(row).toMatchObject({ state: 'conflict', source: '/specs/A/a.yaml' });
  });

  it("--take-over makes it B's: restarted when it differs, its source updated when not", () => {
    expect(text(plan(desired([b]), observed(running(a)), { ...MANUAL, takeOver: true }))).toEqual([
      'restart web (command changed)',
      // The source is a session stamp: a pane's restart does not write it.
      'update web (now declared in /specs/B/b.yaml)',
    ]);
    const same = spec('web');
    expect(text(plan(desired([same]), observed(running(same, { source: '/specs/A/a.yaml' })), { ...MANUAL, takeOver: true }))).toEqual([
      'update web (now declared in /specs/B/b.yaml)',
    ]);
  });

  it('a move between files within the applied paths only updates the recorded source', () => {
    const moved = spec('web', { source: '/specs/B/other.yaml' });
    expect(text(plan(desired([moved]), observed(running(spec('web'))), MANUAL))).toEqual(['update web (now declared in /specs/B/other.yaml)']);
  });

  it('delete -f B removes only what B owns', () => {
    const o = observed(running(a), running(spec('api')));
    const p = planDelete([{ session: 'web' }, { session: 'api' }], o, new Map(), { roots: ['/specs/B'] });
    expect(text(p)).toEqual(['conflict web (owned by /specs/A/a.yaml)', 'kill api (deleted)']);
    // By name, without specs: any owned session.
    expect(text(planDelete([{ session: 'web' }], o, new Map()))).toEqual(['kill web (deleted)']);
  });
});

describe('the stop timeout travels with the pane', () => {
  it('a prune and a delete by name use the stamped stopTimeoutSeconds', () => {
    const gone = spec('gone', { stopTimeoutSeconds: 3 });
    const p = plan(desired([]), observed(running(gone)), MANUAL);
    expect(only(p, 'kill').stops.map((x) => x.timeoutSeconds)).toEqual([3]);
    const d = planDelete([{ session: 'gone' }], observed(running(gone)), new Map());
    expect(only(d, 'kill').stops.map((x) => x.timeoutSeconds)).toEqual([3]);
  });

  it('a changed stopTimeoutSeconds restarts nothing, it is stamped anew', () => {
    const before = spec('web', { stopTimeoutSeconds: 10 });
    const p = plan(desired([spec('web', { stopTimeoutSeconds: 2 })]), observed(running(before)), MANUAL);
    expect(text(p)).toEqual(['update web (stopTimeoutSeconds 10 -> 2)']);
    expect(only(p, 'update').panes.map((x) => x.stamp.stopTimeoutSeconds)).toEqual([2]);
  });
});

describe('a declared cwd that no longer exists', () => {
  const web = spec('web', { cwd: '/src/x' });
  const gone = { missingCwds: new Set(['/src/x']) };

  it('is reported instead of a start, and looked at again after the backoff delay', () => {
    const crashed = dead(web, { status: 1 }, { crashes: 0 }, 10_000);
    const p = plan(desired([web]), observedWith([crashed], gone), WATCH);
    expect(text(p)).toEqual(['conflict web (cwd /src/x no longer exists)']);
    expect(p.requeueAfterMs).toBeGreaterThanOrEqual(1000);
    expect(text(plan(desired([web]), observedWith([], gone), MANUAL))).toEqual(['conflict web (cwd /src/x no longer exists)']);
  });

  it('a running session is left running', () => {
    expect(text(plan(desired([web]), observedWith([running(web)], gone), WATCH))).toEqual([]);
  });

  it('stops no orphan while nothing can be started in its place (the copy running may be the only one)', () => {
    const mon = spec('mon', { cwd: '/src/x', orphans: { match: 'worker' } });
    const worker: ObservedProcess = { pid: 650, startTime: 1, cmdline: 'worker 1', matchArgv: ['worker', '1'] };
    expect(text(plan(desired([mon]), observedWith([], { ...gone, processes: [worker] }), MANUAL))).toEqual(['conflict mon (cwd /src/x no longer exists)']);
  });
});

describe('orphans.match breadth', () => {
  const proc = (pid: number, cmdline: string, o: Partial<ObservedProcess> = {}): ObservedProcess => ({
    pid,
    startTime: 1,
    cmdline,
    matchArgv: cmdline.split(' '),
    ...o,
  });
  const many = Array.from({ length: 7 }, (_, i) => proc(600 + i, `worker ${i}`));

  it('a pattern matching more than maxMatches (default 5) processes is refused with the count, nothing stopped', () => {
    const mon = spec('mon', { orphans: { match: '.*' } });
    expect(text(plan(desired([mon]), observedWith([running(mon)], { processes: many }), MANUAL))).toEqual([
      'conflict mon (orphans.match ".*" matches 7 processes, more than orphans.maxMatches (5): none stopped)',
    ]);
    const allowed = spec('mon', { orphans: { match: '.*', maxMatches: 7 } });
    expect(plan(desired([allowed]), observedWith([running(allowed)], { processes: many }), MANUAL).actions.map((a) => a.kind)).toEqual(
      Array(7).fill('kill-orphan'),
    );
  });

  it('the pattern is tested against matchArgv: a viewer of a file named like the monitor is no match', () => {
    const mon = spec('mon', { orphans: { match: 'multi_monitor' } });
    const viewer = proc(700, 'tail -f /var/log/multi_monitor.log', { matchArgv: ['tail', '-f'] });
    expect(text(plan(desired([mon]), observedWith([running(mon)], { processes: [viewer] }), MANUAL))).toEqual([]);
  });

  it('no orphan is stopped on behalf of a session declared elsewhere', () => {
    const mon = spec('mon', { orphans: { match: 'worker' } });
    const elsewhere = running(mon, { source: '/specs/A/a.yaml' });
    expect(text(plan(desired([mon]), observedWith([elsewhere], { processes: [proc(650, 'worker 1')] }), MANUAL))).toEqual([
      'conflict mon (owned by /specs/A/a.yaml)',
    ]);
  });
});
