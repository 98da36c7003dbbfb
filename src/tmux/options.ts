/**
 * The tmux user options tmuxctl stamps on what it owns. They are the whole of tmuxctl's state: a
 * restart of tmuxctl, or an `apply` by hand, reads them back and loses nothing.
 */
export const OPT = {
  /**
   * Session option written by earlier builds (and by adopt); its presence marks ownership too. `v2`
   * for a session of windows and panes; a tmuxctl 0.1 session holds the hash of its one pane here
   * (observe/legacy.ts). A session created now carries only OPT.source: one option command fewer
   * per session, and every option command makes tmux recompute every session's status.
   */
  hash: '@tmuxctl-hash',
  /**
   * Session option: absolute path of the spec file that declared the session (scope for prune).
   * Its presence marks ownership of the session as a whole (as does OPT.hash), read as `v2`.
   */
  source: '@tmuxctl-source',
  /** Session option: names (never values) of variables a tmuxctl 0.1 set in the session environment. */
  envKeys: '@tmuxctl-env-keys',
} as const;

/** The value of OPT.hash on a session stamped per pane. */
export const OWNED_V2 = 'v2';

/** Pane option: PaneStamp (observe/stamps.ts). Names differ from every session option: tmux falls back from an unset pane option to the session's. */
export const PANE_STAMP_OPT = '@tmuxctl-stamp';
/** Pane option: health as watch last judged it, for `status` (another process) to show. */
export const PANE_HEALTH_OPT = '@tmuxctl-pane-health';
/** Window option: WindowStamp (observe/stamps.ts). */
export const WINDOW_STAMP_OPT = '@tmuxctl-window';

/**
 * The options a tmuxctl 0.1 session carries (one pane, stamps on the session). Read so that such a
 * session keeps running after an upgrade; never written.
 */
export const LEGACY = {
  pane: '@tmuxctl-pane',
  managedPane: '@tmuxctl-managed-pane',
  started: '@tmuxctl-started',
  restarts: '@tmuxctl-restarts',
  lastExit: '@tmuxctl-last-exit',
  crashes: '@tmuxctl-crashes',
  health: '@tmuxctl-health',
  stopTimeout: '@tmuxctl-stop-timeout',
} as const;

/**
 * An environment variable tmuxctl sets in every session it makes (value: the session name). A
 * process carrying it, still inside a live tmux pane, runs in some tmuxctl session on some server:
 * never an orphan (observe/orphan-candidates.ts).
 */
export const SESSION_ENV_MARKER = 'TMUXCTL_SESSION';

/**
 * Where a start runs and how many restarts came before it, in its environment (no secrets), so a
 * program or a wrapper script can tell a first start from a restart after a crash.
 */
export const START_ENV = { window: 'TMUXCTL_WINDOW', pane: 'TMUXCTL_PANE', restarts: 'TMUXCTL_RESTARTS' } as const;

/** The wait-for channel that hooks signal and `watch` waits on: "something changed, look again". */
export const WAKE_CHANNEL = 'tmuxctl-changed';

/** Our slot in the global session-closed and client-detached hook arrays, so the user's own hooks stay as they are. */
export const GLOBAL_HOOK_INDEX = 7291;
