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
  /**
   * The pane running the managed command: for an owned session only a pane carrying tmuxctl's pane
   * stamp (undefined when that pane is gone, e.g. killed by the user, whatever other panes the
   * session still has); for a foreign session its first pane.
   */
  pane?: ObservedPane;
  startedAt?: number;
  restarts: number;
  lastExit?: ExitInfo;
  envKeys: string[];
  crashes: number;
  /** What watch last stamped about health checks, e.g. `healthy`, `unhealthy: 3 failures`. */
  health?: string;
  /** The stopTimeoutSeconds declared when it was last applied (a prune or `delete NAME` has no spec). */
  stopTimeoutSeconds?: number;
}

/** A process an orphans.match pattern may be tested against (protected processes never appear). */
export interface ObservedProcess {
  pid: number;
  startTime: number;
  cmdline: string;
  /**
   * The arguments a pattern is tested against: argv without those naming a file the process holds
   * open and that is not executable (a `tail -f` or `less` of a log named like the monitor views
   * data; it does not run the monitor).
   */
  matchArgv: string[];
  /** The tmuxctl session (on this server or any other) whose pane it runs in, if any. */
  session?: string;
}

/** A health verdict from watch: this run of the session failed its check failureThreshold times. */
export interface Unhealthy {
  /** Epoch milliseconds when the threshold was crossed. */
  since: number;
  /** startedAt of the run judged: a verdict never outlives the run it was about. */
  startedAt: number;
  detail: string;
}

export interface ObservedState {
  /** By session name. */
  sessions: Map<string, ObservedSession>;
  /** Whether a tmux server was running at all. */
  serverRunning: boolean;
  /** The tmux server's pid: never an orphan, whatever its argv says. */
  serverPid?: number;
  /** Filled only when some spec declares orphans.match (reading every command line costs). */
  processes?: ObservedProcess[];
  /** Declared cwds found missing when this snapshot was taken (a session is never started elsewhere). */
  missingCwds?: ReadonlySet<string>;
  /** Health verdicts (watch only). */
  unhealthy?: ReadonlyMap<string, Unhealthy>;
  /** Epoch milliseconds of the snapshot. */
  at: number;
}
