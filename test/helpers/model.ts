/**
 * Builders for the pane-level model (specs, observed sessions, plans), with defaults that stand for
 * "as tmuxctl left it", so that each unit test states only what matters to it.
 */
import type { sessionsFromRows } from '../../src/observe/snapshot.js';
import type { ExitInfo, ObservedPane, ObservedSession, ObservedState, ObservedWindow, PaneStamp } from '../../src/observe/types.js';
import { specHash } from '../../src/plan/hash.js';
import { effectiveLayout } from '../../src/plan/plan.js';
import type { Action, Plan, PlanOptions } from '../../src/plan/types.js';
import type { DesiredState, PaneSpec, SessionSpec, WindowSpec } from '../../src/spec/types.js';

export const NOW = Date.parse('2025-06-01T12:00:00Z');
export const SRC = '/specs/app.yaml';
export const MANUAL: PlanOptions = { now: NOW, honourBackoff: false };
export const WATCH: PlanOptions = { now: NOW, honourBackoff: true };

/** What a pane may be given; where it sits (session, window, index, target, source) comes from its session. */
export type PaneFields = Partial<Omit<PaneSpec, 'session' | 'window' | 'index' | 'target' | 'source'>>;

export interface WindowInput {
  name: string;
  layout?: string;
  /** Default: one pane with the session's defaults. */
  panes?: PaneFields[];
}

export const DEFAULT_PANE: Omit<PaneSpec, 'session' | 'window' | 'index' | 'target' | 'source'> = {
  command: { kind: 'argv', argv: ['sleep', '1000'] },
  cwd: '/work',
  env: {},
  envFiles: [],
  restart: 'always',
  update: 'restart',
  startSeconds: 1,
  stopTimeoutSeconds: 10,
  backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 600 },
};

/** Today's form: `command` directly under the session (one window named after it, one pane). */
export function spec(name: string, o: PaneFields & { source?: string } = {}): SessionSpec {
  const { source = SRC, ...pane } = o;
  return build(name, source, false, [{ name, panes: [pane] }], {});
}

/** A session declared with `windows:`; `defaults` stand for fields set on the session (inherited by every pane). */
export function windowed(name: string, windows: WindowInput[], o: { source?: string; defaults?: PaneFields } = {}): SessionSpec {
  return build(name, o.source ?? SRC, true, windows, o.defaults ?? {});
}

function build(name: string, source: string, windowsDeclared: boolean, windows: WindowInput[], defaults: PaneFields): SessionSpec {
  const count = windows.reduce((n, w) => n + (w.panes?.length ?? 1), 0);
  const out: WindowSpec[] = windows.map((w) => ({
    name: w.name,
    ...(w.layout !== undefined && { layout: w.layout }),
    panes: (w.panes ?? [{}]).map(
      (p, index): PaneSpec => ({
        ...DEFAULT_PANE,
        ...defaults,
        ...p,
        session: name,
        window: w.name,
        index,
        target: count === 1 ? name : `${name}:${w.name}.${index}`,
        source,
      }),
    ),
  }));
  return { name, host: 'local', source, windowsDeclared, windows: out };
}

/** The spec's pane at `window.index` (the session's own name for today's form). */
export function paneSpec(s: SessionSpec, window: string, index = 0): PaneSpec {
  const p = s.windows.find((w) => w.name === window)?.panes[index];
  if (!p) throw new Error(`no pane ${window}.${index} in ${s.name}`);
  return p;
}

export function desired(sessions: SessionSpec[], roots: string[] = ['/specs']): DesiredState {
  return { sessions, hosts: [], files: [...new Set(sessions.map((s) => s.source))], roots };
}

let nextId = 1;
const id = () => nextId++;

/** A pane tmuxctl started for `p`, running since a minute before NOW. */
export function managedPane(p: PaneSpec, stamp: Partial<PaneStamp> = {}, o: Partial<ObservedPane> = {}): ObservedPane {
  const n = id();
  return {
    id: `%${n}`,
    pid: 1000 + n,
    dead: false,
    active: p.index === 0,
    stamp: {
      window: p.window,
      index: p.index,
      hash: specHash(p),
      restarts: 0,
      crashes: 0,
      startedAt: NOW - 60_000,
      stopTimeoutSeconds: p.stopTimeoutSeconds,
      ...stamp,
    },
    ...o,
  };
}

/** A pane a person made (split-window by hand): no stamp. */
export function userPane(o: Partial<ObservedPane> = {}): ObservedPane {
  const n = id();
  return { id: `%${n}`, pid: 5000 + n, dead: false, active: false, ...o };
}

/** A window a person made (new-window by hand): no stamp. */
export function userWindow(index: number, panes: ObservedPane[] = [userPane({ active: true })]): ObservedWindow {
  return { id: `@${id()}`, index, panes };
}

/** An owned session running exactly `s`, as tmuxctl left it: windows at indexes 0.. in spec order, every pane and window stamped. */
export function running(s: SessionSpec, o: Partial<ObservedSession> = {}): ObservedSession {
  const n = id();
  const windows = s.windows.map((w, index): ObservedWindow => {
    const layout = effectiveLayout(w);
    return {
      id: `@${n}-${index}`,
      index,
      stamp: { name: w.name, panes: w.panes.length, ...(layout !== undefined && { layout }) },
      panes: w.panes.map((p) => managedPane(p)),
    };
  });
  return {
    id: `$${n}`,
    name: s.name,
    createdAt: NOW - 60_000,
    owned: true,
    legacy: false,
    source: s.source,
    windows,
    envKeys: [],
    attached: 0,
    ...o,
  };
}

/** A session tmuxctl does not own, of one window of one pane. */
export function foreign(name: string): ObservedSession {
  const n = id();
  return { id: `$${n}`, name, createdAt: NOW, owned: false, legacy: false, windows: [userWindow(0)], envKeys: [], attached: 0 };
}

/** The observed window stamped as spec window `name`. */
export function windowOf(s: ObservedSession, name: string): ObservedWindow {
  const w = s.windows.find((x) => x.stamp?.name === name);
  if (!w) throw new Error(`no window ${name} in ${s.name}`);
  return w;
}

/** The observed pane stamped as `window.index`. */
export function paneOf(s: ObservedSession, window: string, index = 0): ObservedPane {
  const p = s.windows.flatMap((w) => w.panes).find((x) => x.stamp?.window === window && x.stamp.index === index);
  if (!p) throw new Error(`no pane ${window}.${index} in ${s.name}`);
  return p;
}

/**
 * Marks the pane at `window.index` dead since `agoMs` before NOW, with the stamp fields given
 * (e.g. crashes, startedAt). Returns the session, changed in place.
 */
export function died(s: ObservedSession, window: string, index: number, exit: ExitInfo, stamp: Partial<PaneStamp> = {}, agoMs = 1000): ObservedSession {
  const p = paneOf(s, window, index);
  Object.assign(p, { dead: true, exit, deadAt: NOW - agoMs });
  Object.assign(p.stamp!, stamp);
  return s;
}

/** Today's form: the session's one pane dead. */
export function dead(s: SessionSpec, exit: ExitInfo, stamp: Partial<PaneStamp> = {}, agoMs = 1000): ObservedSession {
  return died(running(s), s.name, 0, exit, stamp, agoMs);
}

/** Removes the pane at `window.index` (killed by hand), leaving its window. */
export function withoutPane(s: ObservedSession, window: string, index = 0): ObservedSession {
  const p = paneOf(s, window, index);
  for (const w of s.windows) w.panes = w.panes.filter((x) => x !== p);
  return s;
}

export function observed(...sessions: ObservedSession[]): ObservedState {
  return { sessions: new Map(sessions.map((s) => [s.name, s])), serverRunning: sessions.length > 0, at: NOW };
}

export function observedWith(sessions: ObservedSession[], extra: Partial<ObservedState>): ObservedState {
  return { ...observed(...sessions), serverRunning: true, ...extra };
}

/** A plan as text: `kind target (reason)`, in plan order. */
export function text(p: Plan): string[] {
  return p.actions.map((a) => `${a.kind} ${a.target} (${a.reason})`);
}

/** The one action of a kind in a plan (fails the test when there is not exactly one). */
export function only<K extends Action['kind']>(p: Plan, kind: K): Extract<Action, { kind: K }> {
  const found = p.actions.filter((a) => a.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}: ${JSON.stringify(text(p))}`);
  return found[0] as Extract<Action, { kind: K }>;
}

export type SnapshotRow = Parameters<typeof sessionsFromRows>[0][number];

/** A list-panes row in which every field not given reads as '' (what tmux prints for an unset option). */
export function snapshotRow(fields: Partial<SnapshotRow>): SnapshotRow {
  return new Proxy(fields, { get: (target, key) => (target as Record<string | symbol, string | undefined>)[key] ?? '' }) as SnapshotRow;
}
