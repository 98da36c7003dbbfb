import type { ManagedPane, ObservedSession, ObservedWindow, PaneStamp } from '../observe/types.js';
import type { PaneSpec, SessionSpec, WindowSpec } from '../spec/types.js';
import type { AdoptedWindow } from './adopt.js';

/** A pane to start: what it runs, and the stamp it carries once started. */
export interface PaneStart {
  spec: PaneSpec;
  stamp: PaneStamp;
  /** Started again after its process ended (a death, a failed health check): runs `restartCommand` when the spec has one. */
  resume?: true;
}

/** A window to make: its spec, its stamp, and its panes in order. */
export interface WindowStart {
  spec: WindowSpec;
  /** Given its name in tmux (a declared window); today's one-pane form keeps tmux's automatic name. */
  named: boolean;
  /** The layout stamped and applied (the spec's, or tiled when a window of several panes declares none). */
  layout?: string;
  panes: PaneStart[];
}

/** Where a new window goes in an existing session: a free index, moved into spec order by `reorder`. */
export interface WindowPlacement {
  index: number;
}

/** A process tree the executor stops before the batch runs (SIGTERM, then SIGKILL after the timeout). */
export interface TreeStop {
  pid: number;
  dead: boolean;
  timeoutSeconds: number;
}

/** Common to every action: the session it concerns and what people call the thing acted on. */
interface Base {
  session: string;
  /** `session`, `session:window` or `session:window.N`. */
  target: string;
  reason: string;
}

export type Action =
  /** A new session with all its windows and panes, in one tmux line. */
  | (Base & { kind: 'create'; spec: SessionSpec; windows: WindowStart[] })
  /** A window added to a live session (with its panes), at a free index. */
  | (Base & { kind: 'create-window'; observed: ObservedSession; window: WindowStart; at: WindowPlacement })
  /** A pane added to a live window tmuxctl made; then the window's layout is applied again. */
  | (Base & { kind: 'split'; observed: ObservedSession; window: ObservedWindow; pane: PaneStart })
  /** Respawns a pane tmuxctl started: its tree is stopped first. */
  | (Base & { kind: 'restart'; observed: ObservedSession; managed: ManagedPane; pane: PaneStart; stops: TreeStop[] })
  | (Base & { kind: 'kill'; observed: ObservedSession; stops: TreeStop[]; logs: string[] })
  /** `tmuxctl stop`: the hold is stamped on the pane first, then its tree stopped; the dead pane stays, with its output. */
  | (Base & { kind: 'stop'; observed: ObservedSession; managed: ManagedPane; stamp: PaneStamp; stops: TreeStop[] })
  /** maxRestarts reached: held `failed` like a stop (stamp first, then any tree still running stopped), and told as `gave-up`. */
  | (Base & { kind: 'give-up'; observed: ObservedSession; managed: ManagedPane; stamp: PaneStamp; stops: TreeStop[] })
  /** A window dropped from the spec: its managed panes stopped and killed; panes a person added are left. */
  | (Base & { kind: 'kill-window'; observed: ObservedSession; window: ObservedWindow; panes: ManagedPane[]; stops: TreeStop[]; logs: string[] })
  /** A pane dropped from the spec (or one of two claiming a slot): stopped and killed. */
  | (Base & { kind: 'kill-pane'; observed: ObservedSession; managed: ManagedPane; stops: TreeStop[] })
  /**
   * The window's layout is applied again (declared layout changed, or panes were added or removed)
   * and its stamp rewritten; nothing restarts.
   */
  | (Base & { kind: 'layout'; observed: ObservedSession; window: ObservedWindow; name: string; layout?: string; panes: number })
  /** tmuxctl's windows out of spec order: swapped into it (processes untouched). */
  | (Base & { kind: 'reorder'; observed: ObservedSession; swaps: Array<[number, number]> })
  /** Stamps that change nothing the process sees: where it is declared, how long a stop may take, where its output goes, a 0.1 session re-stamped. */
  | (Base & {
      kind: 'update';
      observed: ObservedSession;
      source?: string;
      migrate?: true;
      panes: Array<{ managed: ManagedPane; stamp: PaneStamp; log?: { from: string; to: string } }>;
      windows: Array<{ window: ObservedWindow; name: string; panes: number; layout?: string }>;
    })
  /**
   * Declared, but tmuxctl will not act on it: the name is held by a session it does not own, or one
   * declared outside the applied paths, a cwd is gone, or an orphans.match is too broad.
   */
  /** A live session nobody owned, found to run what the spec declares: stamped, nothing restarted (`tmuxctl adopt`). */
  | (Base & { kind: 'adopt'; sessionId: string; source: string; owner: string; windows: AdoptedWindow[] })
  | (Base & { kind: 'conflict' })
  | (Base & { kind: 'kill-orphan'; pid: number; startTime: number; command: string; stopTimeoutSeconds: number });

export type ActionKind = Action['kind'];

/** A changed pane that its `update` strategy keeps running as it is for now, and why (shown by diff and status). */
export interface Waiting {
  session: string;
  target: string;
  reason: string;
  /** Held back by `dependsOn` (plan/dependencies.ts): the targets it waits for. */
  dependencies?: string[];
}

export interface Plan {
  actions: Action[];
  /** Changes that wait for a person (update: when-detached), for the process to end (update: on-exit), or starts that wait for their dependencies. */
  waiting?: Waiting[];
  /** When a dead pane waits out its backoff: how long until the plan should be made again. */
  requeueAfterMs?: number;
}

export interface PlanOptions {
  now: number;
  /** watch honours backoff; a manual apply restarts at once (a person asked for it now). */
  honourBackoff: boolean;
  /** For panes that carry no stop timeout stamp. Default 10. */
  defaultStopTimeoutSeconds?: number;
  /** `apply --force`: a change is applied at once, whatever the pane's `update` strategy says. */
  force?: boolean;
  /** `apply --take-over`: a declared session recorded as declared outside the applied paths becomes this spec's. */
  takeOver?: boolean;
  /** How paths appear in reasons (relative to the user's cwd); identity by default. */
  displayPath?: (absolute: string) => string;
}
