import type { ExitInfo, ObservedSession } from '../observe/types.js';
import type { SessionSpec } from '../spec/types.js';

/** Stamps the executor writes on a session after (re)starting it; computed by the planner. */
export interface StartStamp {
  hash: string;
  restarts: number;
  crashes: number;
  lastExit?: ExitInfo;
}

export type Action =
  | { kind: 'create'; session: string; reason: string; spec: SessionSpec; stamp: StartStamp }
  /** Respawns the managed pane, or, when the session lost it (`observed.pane` undefined), starts it in a new window. */
  | { kind: 'restart'; session: string; reason: string; spec: SessionSpec; observed: ObservedSession; stamp: StartStamp }
  | { kind: 'kill'; session: string; reason: string; observed: ObservedSession; stopTimeoutSeconds: number }
  /** Stamps that change nothing the process sees: where it is declared, how long a stop may take. */
  | { kind: 'update'; session: string; reason: string; observed: ObservedSession; source?: string; stopTimeoutSeconds?: number }
  /**
   * Declared, but tmuxctl will not act on it: the name is held by a session it does not own, or one
   * declared outside the applied paths, its cwd is gone, or its orphans.match is too broad.
   */
  | { kind: 'conflict'; session: string; reason: string }
  | { kind: 'kill-orphan'; session: string; reason: string; pid: number; startTime: number; command: string; stopTimeoutSeconds: number };

export type ActionKind = Action['kind'];

export interface Plan {
  actions: Action[];
  /** When a dead session waits out its backoff: how long until the plan should be made again. */
  requeueAfterMs?: number;
}

export interface PlanOptions {
  now: number;
  /** watch honours backoff; a manual apply restarts at once (a person asked for it now). */
  honourBackoff: boolean;
  /** For sessions that carry no stop timeout stamp (made by an older tmuxctl). Default 10. */
  defaultStopTimeoutSeconds?: number;
  /** `apply --take-over`: a declared session recorded as declared outside the applied paths becomes this spec's. */
  takeOver?: boolean;
  /** How paths appear in reasons (relative to the user's cwd); identity by default. */
  displayPath?: (absolute: string) => string;
}
