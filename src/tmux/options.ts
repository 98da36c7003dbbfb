/**
 * The tmux user options tmuxctl stamps on the sessions it owns. They are the whole of tmuxctl's
 * state: a restart of tmuxctl, or an `apply` by hand, reads them back and loses nothing.
 */
export const OPT = {
  /** Presence marks ownership; value is the spec hash of what the running process sees. */
  hash: '@tmuxctl-hash',
  /** Absolute path of the spec file that declared the session (scope for prune). */
  source: '@tmuxctl-source',
  /** The pane id (%N) running the command. */
  pane: '@tmuxctl-pane',
  /** Epoch milliseconds of the last (re)start. */
  started: '@tmuxctl-started',
  /** Restarts after the process died (spec changes do not count). */
  restarts: '@tmuxctl-restarts',
  /** How the previous run ended, `status:N` or `signal:N`, kept across a restart. */
  lastExit: '@tmuxctl-last-exit',
  /** Names (never values) of the variables tmuxctl set in the session environment. */
  envKeys: '@tmuxctl-env-keys',
  /** Consecutive crashes that did not outlast backoff.resetAfterSeconds; the next restart waits by it. */
  crashes: '@tmuxctl-crashes',
  /** Health as watch last judged it, for `status` (another process) to show. */
  health: '@tmuxctl-health',
  /** The declared stopTimeoutSeconds, so a prune or `delete NAME` (no spec at hand) honours it. */
  stopTimeout: '@tmuxctl-stop-timeout',
} as const;

/**
 * Set on the managed pane itself (a pane option): a pane without it is never the managed pane,
 * whatever the session's options say (a pane the user split off is the user's).
 */
export const PANE_STAMP = '@tmuxctl-managed-pane';

/**
 * An environment variable tmuxctl sets in every session it makes (value: the session name). A
 * process carrying it, still inside a live tmux pane, runs in some tmuxctl session on some server:
 * never an orphan (observe/orphan-candidates.ts).
 */
export const SESSION_ENV_MARKER = 'TMUXCTL_SESSION';

/** The wait-for channel that hooks signal and `watch` waits on: "something changed, look again". */
export const WAKE_CHANNEL = 'tmuxctl-changed';

/** Our slot in the global session-closed hook array, so the user's own hooks stay as they are. */
export const GLOBAL_HOOK_INDEX = 7291;
