/**
 * The oldest tmux tmuxctl supports: 3.3. What tmuxctl relies on, and since when:
 *   - `#{pane_dead_signal}` and `#{pane_dead_time}` (3.3): how a death is told apart (signal or
 *     status) and timed for backoff; without them every signal death would look like a lost exit.
 *   - `new-session -e` (3.2): a session's environment, fed on stdin.
 *   - pane-level `pane-died` hooks and `set-option -p` (3.0/3.2), hook array slots such as
 *     `session-closed[7291]` (3.0), `set-option -F` (2.x), `wait-for` (1.8).
 */
export const MIN_TMUX_VERSION = { major: 3, minor: 3 } as const;

export interface TmuxVersion {
  major: number;
  minor: number;
  /** As tmux prints it: `3.3a`, `next-3.4`. */
  text: string;
}

/**
 * Reads `tmux -V` output (`tmux 3.3a`, `tmux next-3.4`, `tmux 3.4-rc`). Undefined when it names no
 * version (`tmux master`, an OpenBSD base build): those are taken as recent, never refused.
 */
export function parseTmuxVersion(output: string): TmuxVersion | undefined {
  const m = /^tmux\s+(?:next-)?(\d+)\.(\d+)\S*/.exec(output.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0].replace(/^tmux\s+/, '') };
}

export function isSupported(v: TmuxVersion): boolean {
  return v.major > MIN_TMUX_VERSION.major || (v.major === MIN_TMUX_VERSION.major && v.minor >= MIN_TMUX_VERSION.minor);
}

/** The error line for a tmux that is too old (undefined when it is fine). */
export function versionProblem(output: string): string | undefined {
  const v = parseTmuxVersion(output);
  if (!v || isSupported(v)) return undefined;
  const min = `${MIN_TMUX_VERSION.major}.${MIN_TMUX_VERSION.minor}`;
  return `tmux ${v.text} is too old: tmuxctl needs tmux ${min} or later (it reads #{pane_dead_signal} and #{pane_dead_time}, new in 3.3)`;
}

/**
 * The first tmux whose server survives control clients attaching while other clients work: 3.3a to
 * 3.6b segfault when a notification goes out, or the client dies, in the middle of a control
 * client's hello (tmux/control/attach-gate.ts; fixed by tmux commits c51da10 and 1fb355e, in 3.7).
 */
export const SAFE_CONTROL_MODE_VERSION = { major: 3, minor: 7 } as const;

/** Whether `tmux -V` output names a tmux with those fixes (one naming no version is taken as recent). */
export function controlModeIsSafe(output: string): boolean {
  const v = parseTmuxVersion(output);
  if (!v) return true;
  return v.major > SAFE_CONTROL_MODE_VERSION.major || (v.major === SAFE_CONTROL_MODE_VERSION.major && v.minor >= SAFE_CONTROL_MODE_VERSION.minor);
}
