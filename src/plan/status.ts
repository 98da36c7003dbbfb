import type { ExitInfo, ObservedSession, ObservedState } from '../observe/types.js';
import type { DesiredState, SessionSpec } from '../spec/types.js';
import { specHash } from './hash.js';
import { declaredElsewhere } from './plan.js';
import { judgeDeadPane } from './restart-decision.js';

export type SessionState = 'running' | 'missing' | 'drifted' | 'exited' | 'backoff' | 'conflict' | 'undeclared';

export interface SessionStatus {
  name: string;
  state: SessionState;
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
}

/** Pure: the state of every declared session plus every owned one no longer declared. */
export function sessionStatuses(desired: DesiredState, observed: ObservedState): SessionStatus[] {
  const out: SessionStatus[] = [];
  const declared = new Set<string>();
  for (const spec of desired.sessions) {
    declared.add(spec.name);
    out.push(statusOf(spec, observed.sessions.get(spec.name), desired, observed.at));
  }
  for (const live of observed.sessions.values()) {
    if (live.owned && !declared.has(live.name)) out.push(row(live.name, 'undeclared', live, live.source ?? null));
  }
  // By code unit, as plans are: localeCompare would load ICU's collator (~5 ms) for ASCII names.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function statusOf(spec: SessionSpec, live: ObservedSession | undefined, desired: DesiredState, now: number): SessionStatus {
  if (!live) return row(spec.name, 'missing', undefined, spec.source);
  if (!live.owned) return row(spec.name, 'conflict', live, spec.source);
  // Declared by a spec outside the paths given: that file's session, shown with its source.
  if (declaredElsewhere(spec, live, desired.roots)) return row(spec.name, 'conflict', live, live.source ?? null);
  // The managed pane is gone (the session lives on with the user's panes only): nothing of ours runs.
  if (!live.pane) return row(spec.name, 'missing', live, spec.source);
  if (live.pane.dead) {
    if (live.hash !== specHash(spec)) return row(spec.name, 'drifted', live, spec.source);
    const verdict = judgeDeadPane(spec, live);
    if (!verdict.restart) return row(spec.name, 'exited', live, spec.source);
    return { ...row(spec.name, 'backoff', live, spec.source), nextRestartAt: new Date(Math.max(verdict.dueAt, now)).toISOString() };
  }
  return row(spec.name, live.hash === specHash(spec) ? 'running' : 'drifted', live, spec.source);
}

function row(name: string, state: SessionState, live: ObservedSession | undefined, source: string | null): SessionStatus {
  const exit: ExitInfo | undefined = live?.pane?.exit ?? live?.lastExit;
  return {
    name,
    state,
    pid: live?.pane && !live.pane.dead ? live.pane.pid : null,
    restarts: live?.restarts ?? 0,
    lastExitStatus: exit === undefined ? null : 'status' in exit ? exit.status : 128 + exit.signal,
    lastExitSignal: exit !== undefined && 'signal' in exit ? exit.signal : null,
    startedAt: live ? new Date(live.startedAt ?? live.createdAt).toISOString() : null,
    source,
    nextRestartAt: null,
    health: live?.health ?? null,
  };
}
