import { withDeclaredPath } from './declared-path.js';
import { logWriterScript } from './log-writer.js';
import { commandLine } from './quote.js';
import { GLOBAL_HOOK_INDEX, OPT, PANE_HEALTH_OPT, PANE_STAMP_OPT, SESSION_ENV_MARKER, WAKE_CHANNEL, WINDOW_STAMP_OPT } from './options.js';

/**
 * Builders for the lines tmuxctl feeds to `tmux source-file -`. Every target is exact: a session
 * id ($N), a pane id (%N), or `=name:` (tmux resolves a bare name by prefix, and some commands
 * reject `=name` without the trailing colon).
 */

/** One pane to start: what it execs, where, with which environment, and the stamp it carries. */
export interface PaneArgs {
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  /** The pane's output is appended here (a fresh pipe-pane at every start and respawn). */
  logFile: string;
  /** The encoded pane stamp (observe/stamps.ts). */
  stamp: string;
  /**
   * A restart that reprints the previous screen: its log starts after the line holding this token
   * (the marker line), so the reprinted screen is not logged twice.
   */
  logSkipsThrough?: string;
  /** The start's marker line, written by the log writer before the run's output (host/files.ts startMarkersByWriter). */
  logMarker?: string;
}

/** One window to make. */
export interface WindowArgs {
  /** tmux's window name; absent keeps tmux's automatic name (today's one-pane sessions). */
  name?: string;
  /** The encoded window stamp. */
  stamp: string;
  /** Applied once every pane exists (panes are spread `tiled` as they are split, so each has room). */
  layout?: string;
  panes: PaneArgs[];
}

const WAKE = commandLine(['wait-for', '-S', WAKE_CHANNEL]);

/**
 * Keeps the session's output in a file, capped while it is written (session-log/writer.ts). Never
 * `-o`: that toggles (an open pipe is closed and no new one opened), and a pane's pipe outlives its
 * death, so a respawn with `-o` stopped the logging of every other run. Without it, any old pipe is
 * replaced by a fresh one (the old writer sees the end of its input and exits).
 */
function pipeOutput(target: string, logFile: string, skipThrough?: string, marker?: string): string {
  const writer = logWriterScript(logFile, undefined, undefined, marker);
  const script = skipThrough === undefined ? writer : `${skipLinesThrough(skipThrough)} ${writer}`;
  // pipe-pane expands formats in its command, and strftime sequences too (`stat -c %s` became
  // `stat -c 1795775917`, and a '%' in a log path was mangled): '#' and '%' are doubled.
  return commandLine(['pipe-pane', '-t', target, formatLiteral(script).replace(/%/g, '%%')]);
}

/**
 * Drops the lines of the pipe up to and including the one holding `token`, then leaves the rest to
 * the writer on the same stdin. A restarted pane's process first prints the screen of the run
 * that ended (already in the log) and the restart marker (the log has its own): without this, each
 * restart wrote the previous screen into the log a second time. sh's `read` takes one byte at a
 * time from a pipe, so nothing past the token's line is consumed; at the end of input the loop ends
 * and so does the writer. The token is random hex (apply/carry-screen.ts), safe unquoted.
 */
function skipLinesThrough(token: string): string {
  return `while IFS= read -r l; do case $l in *${token}*) break;; esac; done;`;
}

/**
 * watch's global hooks, in tmuxctl's slot of each, set once per server (by any batch that makes or
 * respawns a pane, and by watch on a server it has not hooked yet) rather than once per window:
 * every option or hook command makes tmux recompute every session's status, so per-window hooks
 * made a cold apply grow faster than its number of sessions.
 * - pane-died: a pane death wakes `watch` (waiting on the channel) at once; with nobody waiting,
 *   tmux remembers the signal, so the next wait returns at once and no death is lost between two
 *   waits. It is a window hook in tmux 3.3: a window's own pane-died hook (earlier builds set one
 *   on every window they made, with the same command) is run instead of the global one, never
 *   both, so older sessions keep waking watch as before, and a person's own hook on a window is
 *   left alone (that window's deaths are then found by the liveness backstop and the resync).
 * - session-closed: a killed session fires no hook of its own, only this.
 * - client-detached, client-session-changed: a client leaving a session is when a change that
 *   waits for it (update: when-detached) is due: it detaches (client-detached) or moves to another
 *   session with switch-client or a key binding, which tmux reports as client-session-changed only.
 */
export function globalWakeHooks(): string[] {
  return ['pane-died', 'session-closed', 'client-detached', 'client-session-changed'].map((hook) =>
    commandLine(['set-hook', '-g', `${hook}[${GLOBAL_HOOK_INDEX}]`, WAKE]),
  );
}

/**
 * tmux expands formats in -c (start directory) of new-session and respawn-pane, and in pipe-pane's
 * command: a '#' in a path
 * would be read as a format ('##' as '#', '#{...}' expanded) and the pane silently started elsewhere.
 */
export function formatLiteral(value: string): string {
  return value.replace(/#/g, '##');
}

export function exactSession(name: string): string {
  return `=${name}:`;
}

const envArgs = (env: Record<string, string>): string[] => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

/**
 * A new detached session with all its windows and panes, as one line's commands (tmux skips the rest
 * of a line after a failed command, so a create that lost a race never stamps someone else's
 * session). Each new window becomes the session's current one and each split its window's active
 * pane, so `=name:` names what was just made. Every pane gets its environment with -e: new-session's
 * -e also fills the session environment, which is emptied again so that later panes see only theirs.
 */
export function newSession(name: string, source: string, windows: WindowArgs[]): string[] {
  const target = exactSession(name);
  const [first, ...rest] = windows;
  const firstPane = withDeclaredPath(first!.panes[0]!);
  const lines = [
    commandLine([
      'new-session',
      '-d',
      '-s',
      name,
      ...(first!.name !== undefined ? ['-n', first!.name] : []),
      '-c',
      formatLiteral(firstPane.cwd),
      ...envArgs({ ...firstPane.env, [SESSION_ENV_MARKER]: name }),
      '--',
      ...firstPane.argv,
    ]),
    ...Object.keys(firstPane.env)
      .filter((k) => k !== SESSION_ENV_MARKER)
      .map((k) => commandLine(['set-environment', '-t', target, '-u', k])),
    // The marker is no secret (the session name): it stays in the session environment for every pane.
    // Ownership and source in one option (OPT.source): no OPT.hash, which earlier builds also wrote.
    commandLine(['set-option', '-t', target, OPT.source, source]),
    ...windowLines(target, first!, true),
  ];
  for (const w of rest) lines.push(...windowLines(target, w, false));
  // Each new window became the current one: the first is made current again (one window: it is already).
  if (rest.length > 0) lines.push(commandLine(['select-window', '-t', `${target}{start}`]));
  return lines;
}

/** The lines of one window of a new session, made current (so `target` names it), pane by pane. */
function windowLines(target: string, w: WindowArgs, made: boolean): string[] {
  const [first, ...rest] = w.panes;
  const lines: string[] = [];
  if (!made) lines.push(commandLine(['new-window', '-t', target, ...(w.name !== undefined ? ['-n', w.name] : []), ...paneStart(first!)]));
  lines.push(...markWindow(target, w.stamp), ...markPane(target, first!));
  for (const p of rest) lines.push(...splitLines(target, p));
  lines.push(...finalLayout(target, w));
  return lines;
}

/** The window's layout once every pane exists; `tiled` is what each split already left. */
function finalLayout(target: string, w: WindowArgs): string[] {
  return w.layout !== undefined && w.layout !== 'tiled' && w.panes.length > 1 ? [commandLine(['select-layout', '-t', target, w.layout])] : [];
}

/** -c, -e and the command of a new pane. */
function paneStart(declared: PaneArgs): string[] {
  const p = withDeclaredPath(declared);
  return ['-c', formatLiteral(p.cwd), ...envArgs(p.env), '--', ...p.argv];
}

/** A split of the window's active pane; the new pane becomes active, spread `tiled` so the next split has room. */
function splitLines(windowTarget: string, p: PaneArgs): string[] {
  return [
    commandLine(['split-window', '-t', windowTarget, ...paneStart(p)]),
    ...markPane(windowTarget, p),
    commandLine(['select-layout', '-t', windowTarget, 'tiled']),
  ];
}

/**
 * remain-on-exit keeps a dead pane visible (per window: the user's own windows keep their setting),
 * and the window's stamp. Its deaths wake watch through the global pane-died hook (globalWakeHooks).
 */
function markWindow(windowTarget: string, stamp: string): string[] {
  return [
    commandLine(['set-option', '-w', '-t', windowTarget, 'remain-on-exit', 'on']),
    commandLine(['set-option', '-w', '-t', windowTarget, WINDOW_STAMP_OPT, stamp]),
  ];
}

/** The stamp on the pane itself (a pane the user splits off does not inherit it), and its log. */
function markPane(paneTarget: string, p: PaneArgs): string[] {
  return [commandLine(['set-option', '-p', '-t', paneTarget, PANE_STAMP_OPT, p.stamp]), pipeOutput(paneTarget, p.logFile, p.logSkipsThrough, p.logMarker)];
}

/**
 * A window added to a live session, at a free index (moved into spec order by swapWindows), made
 * with -d so that nobody's current window changes.
 */
export function newWindow(sessionId: string, index: number, w: WindowArgs): string[] {
  const target = `${sessionId}:${index}`;
  const [first, ...rest] = w.panes;
  const lines = [
    commandLine(['new-window', '-d', '-t', target, ...(w.name !== undefined ? ['-n', w.name] : []), ...paneStart(first!)]),
    ...markWindow(target, w.stamp),
    ...markPane(target, first!),
  ];
  for (const p of rest) lines.push(...splitLines(target, p));
  lines.push(...finalLayout(target, w));
  return lines;
}

/** A pane added to a live window; the pane that was active before is made active again. */
export function splitPane(windowId: string, p: PaneArgs, activePaneId: string | undefined): string[] {
  const lines = [
    commandLine(['split-window', '-t', windowId, ...paneStart(p)]),
    ...markPane(windowId, p),
    commandLine(['select-layout', '-t', windowId, 'tiled']),
  ];
  if (activePaneId) lines.push(commandLine(['select-pane', '-t', activePaneId]));
  return lines;
}

/**
 * Respawns a pane with its environment (-e); names a tmuxctl 0.1 put in the session environment are
 * unset first, so a variable removed from the spec does not linger. The pane's history is kept (no
 * clear-history): the previous run's output, its crash message included, stays above the new one.
 * respawn-pane clears the visible screen itself; apply/carry-screen.ts has the new process reprint it.
 */
export function respawn(sessionId: string, sessionName: string, paneId: string, p: PaneArgs, oldEnvKeys: readonly string[]): string[] {
  const lines = forgetLegacyEnv(sessionId, oldEnvKeys);
  lines.push(commandLine(['set-environment', '-t', sessionId, SESSION_ENV_MARKER, sessionName]));
  lines.push(commandLine(['respawn-pane', '-k', '-t', paneId, ...paneStart(p)]));
  lines.push(...markPane(paneId, p));
  return lines;
}

/**
 * tmuxctl 0.1 put a session's env in the session environment, which every pane started in it
 * inherits: removed (the names it recorded, never anything else) before a pane is started, so a
 * window or pane added after an upgrade sees only its own env. Running processes keep theirs.
 */
export function forgetLegacyEnv(sessionId: string, oldEnvKeys: readonly string[]): string[] {
  const lines = oldEnvKeys.filter((k) => k !== SESSION_ENV_MARKER).map((k) => commandLine(['set-environment', '-t', sessionId, '-u', k]));
  if (oldEnvKeys.length > 0) lines.push(commandLine(['set-option', '-u', '-t', sessionId, OPT.envKeys]));
  return lines;
}

/**
 * remain-on-exit on single panes (a pane option): a managed pane a person moved into a window
 * tmuxctl did not make would otherwise close, and its window with it, the moment its process is
 * stopped, renumbering the session's windows (`renumber-windows on`) before the batch that was
 * planned on their indexes runs.
 */
export function keepWhenDead(paneIds: readonly string[]): string[] {
  return paneIds.map((id) => commandLine(['set-option', '-p', '-t', id, 'remain-on-exit', 'on']));
}

export function selectLayout(windowId: string, layout: string): string[] {
  return [commandLine(['select-layout', '-t', windowId, layout])];
}

export function setWindowStamp(windowId: string, stamp: string): string[] {
  return [commandLine(['set-option', '-w', '-t', windowId, WINDOW_STAMP_OPT, stamp])];
}

export function setPaneHealth(paneId: string, health: string): string[] {
  return [commandLine(['set-option', '-p', '-t', paneId, PANE_HEALTH_OPT, health])];
}

/** Sends a running pane's output to another log (its old writer sees the end of its input and exits). */
export function sendOutputTo(paneId: string, logFile: string): string[] {
  return [pipeOutput(paneId, logFile)];
}

export function setPaneStamp(paneId: string, stamp: string): string[] {
  return [commandLine(['set-option', '-p', '-t', paneId, PANE_STAMP_OPT, stamp])];
}

export function setSessionOption(sessionId: string, option: string, value: string): string[] {
  return [commandLine(['set-option', '-t', sessionId, option, value])];
}

/** Swaps two windows' places (by index, within one session); their processes are untouched. */
export function swapWindows(sessionId: string, a: number, b: number): string[] {
  return [commandLine(['swap-window', '-d', '-s', `${sessionId}:${a}`, '-t', `${sessionId}:${b}`])];
}

/** Kills panes by id; a window left with none closes. */
export function killPanes(paneIds: readonly string[]): string[] {
  return paneIds.map((id) => commandLine(['kill-pane', '-t', id]));
}

/** A window dropped from the spec keeps the panes a person added: it is unstamped, and only tmuxctl's panes are killed. */
export function unstampWindow(windowId: string): string[] {
  return [commandLine(['set-option', '-w', '-u', '-t', windowId, WINDOW_STAMP_OPT])];
}

/** Typed into a pane, each line followed by Enter; -l so that nothing in the text is read as a key name. */
export function typeText(paneId: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line) => [...(line === '' ? [] : [commandLine(['send-keys', '-t', paneId, '-l', line])]), commandLine(['send-keys', '-t', paneId, 'Enter'])]);
}

/** A pane taken over as it runs: its stamp and its log. */
export interface AdoptedPaneArgs {
  target: string;
  stamp: string;
  logFile: string;
}

/**
 * Takes a live session over without touching what runs in it: ownership on the session, the marker
 * in its environment (for processes started from now on), and per window and pane
 * the stamps, remain-on-exit and the log a start would have given them.
 */
export function adoptSession(
  sessionId: string,
  name: string,
  source: string,
  owner: string,
  windows: Array<{ target: string; stamp: string; panes: AdoptedPaneArgs[] }>,
): string[] {
  return [
    commandLine(['set-environment', '-t', sessionId, SESSION_ENV_MARKER, name]),
    ...windows.flatMap((w) => [
      ...markWindow(w.target, w.stamp),
      ...w.panes.flatMap((p) => [commandLine(['set-option', '-p', '-t', p.target, PANE_STAMP_OPT, p.stamp]), pipeOutput(p.target, p.logFile)]),
    ]),
    // Last: ownership (either option marks it) is claimed only once every stamp above is in place.
    // OPT.hash too, so that an earlier build reading this server sees the session as its own.
    commandLine(['set-option', '-t', sessionId, OPT.hash, owner]),
    commandLine(['set-option', '-t', sessionId, OPT.source, source]),
  ];
}

export function killSession(sessionId: string): string[] {
  return [commandLine(['kill-session', '-t', sessionId])];
}
