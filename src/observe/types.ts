/** How a dead pane's process ended. */
export type ExitInfo = { status: number } | { signal: number };

export interface ObservedPane {
  id: string;
  pid: number;
  dead: boolean;
  /** Set when dead. */
  exit?: ExitInfo;
  /** Epoch milliseconds at which it died (tmux records seconds). */
  deadAt?: number;
}

/** One live tmux session, as one snapshot saw it. */
export interface ObservedSession {
  id: string;
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** True when the session carries tmuxctl's hash stamp; only these are ever changed or killed. */
  owned: boolean;
  hash?: string;
  source?: string;
  /** The pane running the managed command (for a foreign session, its first pane). */
  pane: ObservedPane;
  startedAt?: number;
  restarts: number;
  lastExit?: ExitInfo;
  envKeys: string[];
  crashes: number;
}

export interface ObservedState {
  /** By session name. */
  sessions: Map<string, ObservedSession>;
  /** Whether a tmux server was running at all. */
  serverRunning: boolean;
  /** Epoch milliseconds of the snapshot. */
  at: number;
}
