/** How a dead pane's process ended. */
export type ExitInfo = { status: number } | { signal: number };

/** What tmuxctl stamped on a pane it started (pane option `@tmuxctl-stamp`, parsed). */
export interface PaneStamp {
  /** The spec window it was started for, and its position in that window's declared panes. */
  window: string;
  index: number;
  /** specHash of what the running process sees. */
  hash: string;
  /** Epoch milliseconds of the last (re)start. */
  startedAt?: number;
  /** Restarts after the process died (spec changes do not count). */
  restarts: number;
  /** Consecutive crashes that did not outlast backoff.resetAfterSeconds. */
  crashes: number;
  /** How the previous run ended, kept across a restart. */
  lastExit?: ExitInfo;
  /** The declared stopTimeoutSeconds, so a prune or `delete NAME` (no spec at hand) honours it. */
  stopTimeoutSeconds?: number;
  /**
   * The name of the log its output goes to (its target when that was written): a pane whose target
   * changes without a restart (its session grew a second pane) has its output sent to the new name.
   */
  log?: string;
  /**
   * Kept from running by a person (`tmuxctl stop`): apply and watch leave the pane as it is until
   * `tmuxctl start`. On the pane itself, so every reconciler of the server sees it and a restart of
   * watch loses nothing.
   */
  hold?: PaneHold;
  /**
   * Epoch milliseconds of the automatic restarts (after a death, a failed health check, memory) that
   * count against `maxRestarts`: only kept when the pane declares one, at most `count` of them.
   */
  recentRestarts?: number[];
}

/**
 * Why tmuxctl leaves a pane it started without a process: `stopped` by a person (`tmuxctl stop`),
 * or `failed`: restarted `maxRestarts.count` times within its window, tmuxctl gave up on it.
 */
export type PaneHold = 'stopped' | 'failed';

export interface ObservedPane {
  id: string;
  pid: number;
  dead: boolean;
  /** Set when dead. */
  exit?: ExitInfo;
  /** Epoch milliseconds at which it died (tmux records seconds). */
  deadAt?: number;
  /** Whether it is its window's active pane. */
  active: boolean;
  /** Present only on a pane tmuxctl started: a pane without it is never touched. */
  stamp?: PaneStamp;
  /** What watch last stamped about its health check, e.g. `healthy`, `unhealthy: 3 failures`. */
  health?: string;
}

/** What tmuxctl stamped on a window it made (window option `@tmuxctl-window`, parsed). */
export interface WindowStamp {
  /** The spec window's name (the window's own name may have been changed by hand). */
  name: string;
  /** How many panes the spec declared when it was last applied: a stamped index below it that is missing was killed by hand. */
  panes: number;
  /** The layout last applied (tmux name or layout string); absent when none was. */
  layout?: string;
}

export interface ObservedWindow {
  id: string;
  index: number;
  /** Present only on a window tmuxctl made. */
  stamp?: WindowStamp;
  /** Every pane, hand-made ones included, in tmux's order. */
  panes: ObservedPane[];
}

/** One live tmux session, as one snapshot saw it. */
export interface ObservedSession {
  id: string;
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** True when the session carries tmuxctl's ownership stamp; only these are ever changed or killed. */
  owned: boolean;
  source?: string;
  /** Every window, hand-made ones included, by index. */
  windows: ObservedWindow[];
  /**
   * Stamped by tmuxctl 0.1 (one pane, stamps on the session): read as one window of one pane named
   * after the session, and re-stamped the new way at the next pass without a restart.
   */
  legacy: boolean;
  /** Names (never values) of variables an older tmuxctl set in the session environment: unset at the next start. */
  envKeys: string[];
  /** Number of clients attached, to it or (when grouped) to any session of its group, which shows the same windows. */
  attached: number;
}

/** A pane tmuxctl started, with the window it is in. */
export interface ManagedPane {
  session: ObservedSession;
  window: ObservedWindow;
  pane: ObservedPane;
  stamp: PaneStamp;
}

/** `window.index`: how a stamped pane is found again. */
export function paneSlot(window: string, index: number): string {
  return `${window}.${index}`;
}

/** The panes of a session that carry tmuxctl's stamp, by slot (the first one wins if two claim one slot). */
export function managedPanes(session: ObservedSession): Map<string, ManagedPane> {
  const out = new Map<string, ManagedPane>();
  if (!session.owned) return out;
  for (const window of session.windows) {
    for (const pane of window.panes) {
      if (!pane.stamp) continue;
      const slot = paneSlot(pane.stamp.window, pane.stamp.index);
      if (!out.has(slot)) out.set(slot, { session, window, pane, stamp: pane.stamp });
    }
  }
  return out;
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

/** A health verdict from watch: this run of the pane failed its check failureThreshold times. */
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
  /** Health verdicts (watch only), by pane target. */
  unhealthy?: ReadonlyMap<string, Unhealthy>;
  /**
   * Passed health checks (watch, and apply while it waits for dependencies): by pane target, the
   * startedAt of the run whose check passed. Absent: only the verdict stamped on each pane is known.
   */
  healthy?: ReadonlyMap<string, number>;
  /** Epoch milliseconds of the snapshot. */
  at: number;
}
