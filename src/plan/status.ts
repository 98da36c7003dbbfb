import { type ExitInfo, type ManagedPane, managedPanes, type ObservedSession, type ObservedState, paneSlot } from '../observe/types.js';
import type { DesiredState, PaneSpec, SessionSpec } from '../spec/types.js';
import { specHash } from './hash.js';
import { dependencyWait } from './dependencies.js';
import { declaredElsewhere, updateWait } from './plan.js';
import { judgeDeadPane } from './restart-decision.js';
import { observedTarget } from './targets.js';

export type PaneState =
  | 'running'
  | 'missing'
  | 'waiting'
  | 'drifted'
  | 'exited'
  | 'backoff'
  | 'stopped'
  | 'failed'
  | 'conflict'
  | 'undeclared'
  | 'unmanaged'
  | 'unknown';

/** One row of `status`: a pane, named `session` for a session of one pane, `session:window.N` otherwise. */
export interface PaneStatus {
  name: string;
  session: string;
  window: string;
  /** Position in the window's declared panes, from 0. */
  pane: number;
  state: PaneState;
  pid: number | null;
  restarts: number;
  /** Exit status of the last run that ended; a signal death reads 128 + signal, as in a shell. */
  lastExitStatus: number | null;
  lastExitSignal: number | null;
  /** ISO time of the last (re)start. */
  startedAt: string | null;
  source: string | null;
  /** For `backoff`: when the next restart is due (ISO). */
  nextRestartAt: string | null;
  /** The health check's verdict as watch last stamped it (`healthy`, `unhealthy: ...`); null without one. */
  health: string | null;
  /**
   * For `drifted`: why the change is not applied yet (`waiting for 1 attached client to detach`); for
   * `waiting`: the dependencies it is not started without (`waiting for db to be healthy`); null otherwise.
   */
  waiting: string | null;
}

/** Pure: the state of every declared pane plus every pane tmuxctl started that is no longer declared. */
export function paneStatuses(desired: DesiredState, observed: ObservedState): PaneStatus[] {
  const out: PaneStatus[] = [];
  const declared = new Set<string>();
  for (const spec of desired.sessions) {
    declared.add(spec.name);
    const live = observed.sessions.get(spec.name);
    const managed = live ? managedPanes(live) : new Map<string, ManagedPane>();
    const slots = new Set<string>();
    for (const w of spec.windows) {
      for (const p of w.panes) {
        slots.add(paneSlot(p.window, p.index));
        out.push(statusOf(spec, p, live, managed.get(paneSlot(p.window, p.index)), desired, observed));
      }
    }
    if (!live?.owned || declaredElsewhere(spec, live, desired.roots)) continue;
    for (const [slot, m] of managed) if (!slots.has(slot)) out.push(row(live, m, 'undeclared', spec.source));
  }
  for (const live of observed.sessions.values()) {
    if (!live.owned || declared.has(live.name)) continue;
    for (const m of managedPanes(live).values()) out.push(row(live, m, 'undeclared', live.source ?? null));
  }
  return out.sort(byName);
}

/**
 * Pure: with no spec at hand (`status` outside any spec folder), every pane tmuxctl owns on the
 * server, judged from its stamps alone: `running` or `exited`, with the source recorded on its session.
 */
export function ownedPaneStatuses(observed: ObservedState): PaneStatus[] {
  const out: PaneStatus[] = [];
  for (const live of observed.sessions.values()) {
    if (!live.owned) continue;
    for (const m of managedPanes(live).values()) out.push(row(live, m, m.stamp.hold ?? (m.pane.dead ? 'exited' : 'running'), live.source ?? null));
  }
  return out.sort(byName);
}

/** Pure: one row per session tmuxctl does not own (`status --all`), state `unmanaged`. */
export function unmanagedSessionStatuses(observed: ObservedState): PaneStatus[] {
  const out: PaneStatus[] = [];
  for (const live of observed.sessions.values()) {
    if (live.owned) continue;
    out.push({
      ...emptyRow({ target: live.name, session: live.name, window: '', index: 0 }, 'unmanaged', null),
      startedAt: new Date(live.createdAt).toISOString(),
    });
  }
  return out.sort(byName);
}

// By code unit, as plans are: localeCompare would load ICU's collator (~5 ms) for ASCII names.
const byName = (a: PaneStatus, b: PaneStatus) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function statusOf(
  spec: SessionSpec,
  p: PaneSpec,
  live: ObservedSession | undefined,
  m: ManagedPane | undefined,
  desired: DesiredState,
  observed: ObservedState,
): PaneStatus {
  const now = observed.at;
  const declaredRow = (state: PaneState, source: string | null): PaneStatus => ({ ...emptyRow(p, state, source), ...(m && live && measured(live, m)) });
  // Not running, and its dependencies (plan/dependencies.ts) keep it from being started: `waiting`.
  const held = (): PaneStatus | undefined => {
    const reason = dependencyWait(desired, observed, spec, p);
    return reason === undefined ? undefined : { ...declaredRow('waiting', spec.source), waiting: reason };
  };
  if (!live) return held() ?? declaredRow('missing', spec.source);
  if (!live.owned) return emptyRow(p, 'conflict', spec.source);
  // Declared by a spec outside the paths given: that file's session, shown with its source.
  if (declaredElsewhere(spec, live, desired.roots)) return emptyRow(p, 'conflict', live.source ?? null);
  // Nothing of ours runs in this slot (never started, or its pane was killed by hand).
  if (!m) return held() ?? declaredRow('missing', spec.source);
  // Held by a person: whatever its spec says, nothing restarts it until `tmuxctl start`.
  if (m.stamp.hold === 'stopped') return declaredRow('stopped', spec.source);
  // Given up on: shown failed until `start`, --force or a change of its spec (drifted then: the next apply starts it).
  if (m.stamp.hold === 'failed' && m.stamp.hash === specHash(p)) return declaredRow('failed', spec.source);
  const hash = specHash(p);
  const drifted = (): PaneStatus => ({ ...declaredRow('drifted', spec.source), waiting: updateWait(p, live, m) ?? null });
  if (m.pane.dead) {
    if (m.stamp.hash !== hash) return drifted();
    const verdict = judgeDeadPane(p, m.pane, m.stamp);
    if (!verdict.restart) return declaredRow('exited', spec.source);
    if (verdict.dueAt <= now) {
      const waiting = held();
      if (waiting) return waiting;
    }
    return { ...declaredRow('backoff', spec.source), nextRestartAt: new Date(Math.max(verdict.dueAt, now)).toISOString() };
  }
  return m.stamp.hash === hash ? declaredRow('running', spec.source) : drifted();
}

function emptyRow(p: Pick<PaneSpec, 'target' | 'session' | 'window' | 'index'>, state: PaneState, source: string | null): PaneStatus {
  return {
    name: p.target,
    session: p.session,
    window: p.window,
    pane: p.index,
    state,
    pid: null,
    restarts: 0,
    lastExitStatus: null,
    lastExitSignal: null,
    startedAt: null,
    source,
    nextRestartAt: null,
    health: null,
    waiting: null,
  };
}

function row(live: ObservedSession, m: ManagedPane, state: PaneState, source: string | null): PaneStatus {
  return {
    ...emptyRow({ target: observedTarget(live, m), session: live.name, window: m.stamp.window, index: m.stamp.index }, state, source),
    ...measured(live, m),
  };
}

/** What the live pane says: pid, restarts, last exit, start time, health. */
function measured(live: ObservedSession, m: ManagedPane): Pick<PaneStatus, 'pid' | 'restarts' | 'lastExitStatus' | 'lastExitSignal' | 'startedAt' | 'health'> {
  const exit: ExitInfo | undefined = m.pane.exit ?? m.stamp.lastExit;
  return {
    pid: m.pane.dead ? null : m.pane.pid,
    restarts: m.stamp.restarts,
    lastExitStatus: exit === undefined ? null : 'status' in exit ? exit.status : 128 + exit.signal,
    lastExitSignal: exit !== undefined && 'signal' in exit ? exit.signal : null,
    startedAt: new Date(m.stamp.startedAt ?? live.createdAt).toISOString(),
    health: m.pane.health ?? null,
  };
}
