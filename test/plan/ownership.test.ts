import { describe, expect, it } from 'vitest';
import type { ObservedProcess, ObservedSession, ObservedState } from '../../src/observe/types.js';
import { sessionsFromRows } from '../../src/observe/snapshot.js';
import { specHash } from '../../src/plan/hash.js';
import { plan, planDelete } from '../../src/plan/plan.js';
import { sessionStatuses } from '../../src/plan/status.js';
import type { Action, Plan, PlanOptions } from '../../src/plan/types.js';
import type { DesiredState, SessionSpec } from '../../src/spec/types.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MANUAL: PlanOptions = { now: NOW, honourBackoff: false };
const WATCH: PlanOptions = { now: NOW, honourBackoff: true };

function spec(name: string, o: Partial<SessionSpec> = {}): SessionSpec {
  return {
    name,
    source: '/specs/B/b.yaml',
    command: { kind: 'argv', argv: ['sleep', '1000'] },
    cwd: '/work',
    env: {},
    envFiles: [],
    restart: 'always',
    startSeconds: 1,
    stopTimeoutSeconds: 10,
    backoff: { initialSeconds: 2, maxSeconds: 300, resetAfterSeconds: 600 },
    ...o,
  };
}

function desired(sessions: SessionSpec[], roots: string[] = ['/specs/B']): DesiredState {
  return { sessions, files: [...new Set(sessions.map((s) => s.source))], roots };
}

let nextId = 1;
function running(s: SessionSpec, o: Partial<ObservedSession> = {}): ObservedSession {
  const id = nextId++;
  return {
    id: `$${id}`,
    name: s.name,
    createdAt: NOW - 60_000,
    owned: true,
    hash: specHash(s),
    source: s.source,
    pane: { id: `%${id}`, pid: 1000 + id, dead: false },
    startedAt: NOW - 60_000,
    restarts: 0,
    envKeys: [],
    crashes: 0,
    stopTimeoutSeconds: s.stopTimeoutSeconds,
    ...o,
  };
}

function observed(sessions: ObservedSession[], extra: Partial<ObservedState> = {}): ObservedState {
  return { sessions: new Map(sessions.map((s) => [s.name, s])), serverRunning: true, at: NOW, ...extra };
}

function text(p: Plan): string[] {
  return p.actions.map((a) => `${a.kind} ${a.session} (${a.reason})`);
}

describe('the managed pane is only ever the stamped one', () => {
  const web = spec('web');

  it('an owned session without its managed pane gets it back (in a new window), whatever other panes it has', () => {
    const p = plan(desired([web]), observed([running(web, { pane: undefined, restarts: 2 })]), WATCH);
    expect(text(p)).toEqual(['restart web (managed pane gone)']);
    const a = p.actions[0] as Extract<Action, { kind: 'restart' }>;
    expect(a.stamp.restarts).toBe(3);
  });

  it('status says missing (no pid: nothing of ours runs), not running', () => {
    const [row] = sessionStatuses(desired([web]), observed([running(web, { pane: undefined })]));
    expect(row).toMatchObject({ name: 'web', state: 'missing', pid: null });
  });
});

describe('a session declared in another spec folder is not ours to change', () => {
  const a = spec('web', { source: '/specs/A/a.yaml' });
  const b = spec('web', { command: { kind: 'argv', argv: ['sleep', '2000'] } });

  it('applying B: the session A declared is a conflict, reported and left alone', () => {
    expect(text(plan(desired([b]), observed([running(a)]), MANUAL))).toEqual(['conflict web (owned by /specs/A/a.yaml)']);
    const shown = plan(desired([b]), observed([running(a)]), { ...MANUAL, displayPath: (p) => p.replace('/specs/', 'specs/') });
    expect(text(shown)).toEqual(['conflict web (owned by specs/A/a.yaml)']);
  });

  it('so is it when nothing else differs (no silent update of its source), and status says conflict with its owner', () => {
    const same = spec('web');
    expect(text(plan(desired([same]), observed([running({ ...same, source: '/specs/A/a.yaml' })]), MANUAL))).toEqual([
      'conflict web (owned by /specs/A/a.yaml)',
    ]);
    const [row] = sessionStatuses(desired([same]), observed([running({ ...same, source: '/specs/A/a.yaml' })]));
    expect(row).toMatchObject({ state: 'conflict', source: '/specs/A/a.yaml' });
  });

  it("--take-over makes it B's: restarted when it differs, its source updated when not", () => {
    expect(text(plan(desired([b]), observed([running(a)]), { ...MANUAL, takeOver: true }))).toEqual(['restart web (command changed)']);
    const same = spec('web');
    expect(text(plan(desired([same]), observed([running({ ...same, source: '/specs/A/a.yaml' })]), { ...MANUAL, takeOver: true }))).toEqual([
      'update web (now declared in /specs/B/b.yaml)',
    ]);
  });

  it('a move between files within the applied paths only updates the recorded source', () => {
    const moved = spec('web', { source: '/specs/B/other.yaml' });
    expect(text(plan(desired([moved]), observed([running(spec('web'))]), MANUAL))).toEqual(['update web (now declared in /specs/B/other.yaml)']);
  });

  it('delete -f B removes only what B owns', () => {
    const o = observed([running(a), running(spec('api'))]);
    const p = planDelete(['web', 'api'], o, new Map(), { roots: ['/specs/B'] });
    expect(text(p)).toEqual(['conflict web (owned by /specs/A/a.yaml)', 'kill api (deleted)']);
    // By name, without specs: any owned session.
    expect(text(planDelete(['web'], o, new Map()))).toEqual(['kill web (deleted)']);
  });
});

describe('the stop timeout travels with the session', () => {
  it('a prune and a delete by name use the stamped stopTimeoutSeconds', () => {
    const gone = spec('gone', { stopTimeoutSeconds: 3 });
    const p = plan(desired([]), observed([running(gone)]), MANUAL);
    expect(p.actions.map((x) => (x as Extract<Action, { kind: 'kill' }>).stopTimeoutSeconds)).toEqual([3]);
    const d = planDelete(['gone'], observed([running(gone)]), new Map());
    expect(d.actions.map((x) => (x as Extract<Action, { kind: 'kill' }>).stopTimeoutSeconds)).toEqual([3]);
  });

  it('a changed stopTimeoutSeconds restarts nothing, it is stamped anew', () => {
    const before = spec('web', { stopTimeoutSeconds: 10 });
    const p = plan(desired([spec('web', { stopTimeoutSeconds: 2 })]), observed([running(before)]), MANUAL);
    expect(text(p)).toEqual(['update web (stopTimeoutSeconds 10 -> 2)']);
    expect(p.actions[0]).toMatchObject({ stopTimeoutSeconds: 2 });
  });
});

describe('a declared cwd that no longer exists', () => {
  const web = spec('web', { cwd: '/src/x' });
  const gone = { missingCwds: new Set(['/src/x']) };

  it('is reported instead of a start, and looked at again after the backoff delay', () => {
    const dead = running(web, { pane: { id: '%1', pid: 1, dead: true, exit: { status: 1 }, deadAt: NOW - 10_000 }, crashes: 0 });
    const p = plan(desired([web]), observed([dead], gone), WATCH);
    expect(text(p)).toEqual(['conflict web (cwd /src/x no longer exists)']);
    expect(p.requeueAfterMs).toBeGreaterThanOrEqual(1000);
    expect(text(plan(desired([web]), observed([], gone), MANUAL))).toEqual(['conflict web (cwd /src/x no longer exists)']);
  });

  it('a running session is left running', () => {
    expect(text(plan(desired([web]), observed([running(web)], gone), WATCH))).toEqual([]);
  });

  it('stops no orphan while nothing can be started in its place (the copy running may be the only one)', () => {
    const mon = spec('mon', { cwd: '/src/x', orphans: { match: 'worker' } });
    const worker: ObservedProcess = { pid: 650, startTime: 1, cmdline: 'worker 1', matchArgv: ['worker', '1'] };
    expect(text(plan(desired([mon]), observed([], { ...gone, processes: [worker] }), MANUAL))).toEqual(['conflict mon (cwd /src/x no longer exists)']);
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
    expect(text(plan(desired([mon]), observed([running(mon)], { processes: many }), MANUAL))).toEqual([
      'conflict mon (orphans.match ".*" matches 7 processes, more than orphans.maxMatches (5): none stopped)',
    ]);
    const allowed = spec('mon', { orphans: { match: '.*', maxMatches: 7 } });
    expect(plan(desired([allowed]), observed([running(allowed)], { processes: many }), MANUAL).actions.map((a) => a.kind)).toEqual(
      Array(7).fill('kill-orphan'),
    );
  });

  it('the pattern is tested against matchArgv: a viewer of a file named like the monitor is no match', () => {
    const mon = spec('mon', { orphans: { match: 'multi_monitor' } });
    const viewer = proc(700, 'tail -f /var/log/multi_monitor.log', { matchArgv: ['tail', '-f'] });
    expect(text(plan(desired([mon]), observed([running(mon)], { processes: [viewer] }), MANUAL))).toEqual([]);
  });

  it('no orphan is stopped on behalf of a session declared elsewhere', () => {
    const mon = spec('mon', { orphans: { match: 'worker' } });
    const elsewhere = running({ ...mon, source: '/specs/A/a.yaml' });
    expect(text(plan(desired([mon]), observed([elsewhere], { processes: [proc(650, 'worker 1')] }), MANUAL))).toEqual([
      'conflict mon (owned by /specs/A/a.yaml)',
    ]);
  });
});

describe('observe: which pane is the managed one (sessionsFromRows)', () => {
  type SnapshotRow = Parameters<typeof sessionsFromRows>[0][number];
  const row = (fields: Partial<SnapshotRow>): SnapshotRow =>
    new Proxy(fields, { get: (target, key) => (target as Record<string | symbol, string | undefined>)[key] ?? '' }) as SnapshotRow;
  const session = { sessionId: '$1', created: '1700000000', dead: '0', name: 'web', hash: 'h', managedPane: '%1' };

  it('the stamped pane, wherever it is listed', () => {
    const rows = [row({ ...session, paneId: '%2', panePid: '200' }), row({ ...session, paneId: '%1', panePid: '100', paneStamp: '1' })];
    expect(sessionsFromRows(rows).get('web')!.pane).toMatchObject({ id: '%1', pid: 100 });
  });

  it("none when the managed pane is gone: the user's pane never stands in for it", () => {
    const rows = [row({ ...session, paneId: '%2', panePid: '200' })];
    const s = sessionsFromRows(rows).get('web')!;
    expect(s.owned).toBe(true);
    expect(s.pane).toBeUndefined();
  });

  it('a session stamped before panes were (no pane stamp anywhere): the pane whose id it recorded', () => {
    const rows = [row({ ...session, paneId: '%2', panePid: '200' }), row({ ...session, paneId: '%1', panePid: '100' })];
    expect(sessionsFromRows(rows).get('web')!.pane).toMatchObject({ id: '%1' });
  });

  it('reads the stamped stop timeout', () => {
    const rows = [row({ ...session, paneId: '%1', panePid: '100', paneStamp: '1', stopTimeout: '2.5' })];
    expect(sessionsFromRows(rows).get('web')!.stopTimeoutSeconds).toBe(2.5);
  });
});
