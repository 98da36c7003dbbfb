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
  | { kind: 'restart'; session: string; reason: string; spec: SessionSpec; observed: ObservedSession; stamp: StartStamp }
  | { kind: 'kill'; session: string; reason: string; observed: ObservedSession; stopTimeoutSeconds: number }
  | { kind: 'update'; session: string; reason: string; observed: ObservedSession; source: string }
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
  /** Defaults for sessions undeclared and unknown (delete by name). */
  defaultStopTimeoutSeconds?: number;
}
