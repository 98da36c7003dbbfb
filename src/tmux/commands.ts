import { logWriterScript } from './log-writer.js';
import { commandLine } from './quote.js';
import { GLOBAL_HOOK_INDEX, OPT, PANE_STAMP, SESSION_ENV_MARKER, WAKE_CHANNEL } from './options.js';

/**
 * Builders for the lines tmuxctl feeds to `tmux source-file -`. Every target is exact: a session
 * id ($N), a pane id (%N), or `=name:` (tmux resolves a bare name by prefix, and some commands
 * reject `=name` without the trailing colon).
 */

export interface StartArgs {
  name: string;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  /** The session's output is appended here (a fresh pipe-pane at every start and respawn). */
  logFile: string;
}

const WAKE = commandLine(['wait-for', '-S', WAKE_CHANNEL]);

/**
 * Keeps the session's output in a file, capped while it is written (session-log/writer.ts). Never
 * `-o`: that toggles (an open pipe is closed and no new one opened), and a pane's pipe outlives its
 * death, so a respawn with `-o` stopped the logging of every other run. Without it, any old pipe is
 * replaced by a fresh one (the old writer sees the end of its input and exits).
 */
function pipeOutput(target: string, logFile: string): string {
  // pipe-pane expands formats in its command, and strftime sequences too (`stat -c %s` became
  // `stat -c 1795775917`, and a '%' in a log path was mangled): '#' and '%' are doubled.
  return commandLine(['pipe-pane', '-t', target, formatLiteral(logWriterScript(logFile)).replace(/%/g, '%%')]);
}

/**
 * A pane death wakes `watch` (waiting on the channel) at once; with nobody waiting, tmux remembers
 * the signal, so the next wait returns at once and no death is lost between two waits.
 */
function wakeOnDeath(target: string): string {
  return commandLine(['set-hook', '-t', target, 'pane-died', WAKE]);
}

/** A killed session fires no hook of its own, only the global session-closed, in tmuxctl's slot. */
export function wakeOnSessionClosed(): string {
  return commandLine(['set-hook', '-g', `session-closed[${GLOBAL_HOOK_INDEX}]`, WAKE]);
}

export type Stamps = Partial<Record<keyof typeof OPT, string>>;

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

/** A new detached session whose first pane runs argv, kept visible after it exits. */
export function newSession(a: StartArgs): string[] {
  // The marker is no secret (the session name), so it may sit in argv like the rest of -e.
  const env = { ...a.env, [SESSION_ENV_MARKER]: a.name };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const target = exactSession(a.name);
  return [
    commandLine(['new-session', '-d', '-s', a.name, '-c', formatLiteral(a.cwd), ...envArgs, '--', ...a.argv]),
    ...managePane(target),
    wakeOnDeath(target),
    pipeOutput(target, a.logFile),
  ];
}

/**
 * Marks the active pane of `windowTarget` as the managed one: on the pane itself (a pane the user
 * splits off does not inherit it) and, by id, on the session. Per window, never global:
 * remain-on-exit keeps the dead pane visible, and the user's own windows keep their setting.
 */
function managePane(windowTarget: string): string[] {
  return [
    commandLine(['set-option', '-w', '-t', windowTarget, 'remain-on-exit', 'on']),
    commandLine(['set-option', '-p', '-t', windowTarget, PANE_STAMP, '1']),
    commandLine(['set-option', '-F', '-t', windowTarget, OPT.pane, '#{pane_id}']),
  ];
}

/** Sets the session environment tmuxctl manages: old names unset, new values (and the marker) set. */
function sessionEnv(sessionId: string, a: StartArgs, oldEnvKeys: readonly string[]): string[] {
  const lines = oldEnvKeys.filter((k) => !(k in a.env)).map((k) => commandLine(['set-environment', '-t', sessionId, '-u', k]));
  for (const [k, v] of Object.entries(a.env)) lines.push(commandLine(['set-environment', '-t', sessionId, k, v]));
  lines.push(commandLine(['set-environment', '-t', sessionId, SESSION_ENV_MARKER, a.name]));
  return lines;
}

/**
 * The session lost its managed pane (the user killed it) but lives on with the user's panes: the
 * command gets a window of its own, which becomes the session's current window, and the user's
 * panes are left exactly as they are.
 */
export function newManagedWindow(sessionId: string, a: StartArgs, oldEnvKeys: readonly string[]): string[] {
  // Without -d the new window is current, so `$id:` names it (and its only pane) below.
  const target = `${sessionId}:`;
  return [
    ...sessionEnv(sessionId, a, oldEnvKeys),
    commandLine(['new-window', '-t', target, '-c', formatLiteral(a.cwd), '--', ...a.argv]),
    ...managePane(target),
    wakeOnDeath(sessionId),
    pipeOutput(target, a.logFile),
  ];
}

/** Replaces the session environment tmuxctl set (old names unset) and respawns the pane with it. */
export function respawn(sessionId: string, paneId: string, a: StartArgs, oldEnvKeys: readonly string[]): string[] {
  const lines = sessionEnv(sessionId, a, oldEnvKeys);
  lines.push(commandLine(['clear-history', '-t', paneId]));
  lines.push(commandLine(['respawn-pane', '-k', '-t', paneId, '-c', formatLiteral(a.cwd), '--', ...a.argv]));
  // Stamped at every start: a pane made by a tmuxctl that stamped only the session gets it here.
  lines.push(commandLine(['set-option', '-p', '-t', paneId, PANE_STAMP, '1']));
  lines.push(wakeOnDeath(sessionId), pipeOutput(paneId, a.logFile));
  return lines;
}

export function setStamps(target: string, stamps: Stamps): string[] {
  return Object.entries(stamps)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => commandLine(['set-option', '-t', target, OPT[k as keyof typeof OPT], v!]));
}

export function killSession(sessionId: string): string[] {
  return [commandLine(['kill-session', '-t', sessionId])];
}
