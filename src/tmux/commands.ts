import { commandLine } from './quote.js';
import { OPT } from './options.js';

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
}

export type Stamps = Partial<Record<keyof typeof OPT, string>>;

export function exactSession(name: string): string {
  return `=${name}:`;
}

/** A new detached session whose first pane runs argv, kept visible after it exits. */
export function newSession(a: StartArgs): string[] {
  const envArgs = Object.entries(a.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const target = exactSession(a.name);
  return [
    commandLine(['new-session', '-d', '-s', a.name, '-c', a.cwd, ...envArgs, '--', ...a.argv]),
    // Per window, never global: the user's own windows keep their setting.
    commandLine(['set-option', '-w', '-t', target, 'remain-on-exit', 'on']),
    commandLine(['set-option', '-F', '-t', target, OPT.pane, '#{pane_id}']),
  ];
}

/** Replaces the session environment tmuxctl set (old names unset) and respawns the pane with it. */
export function respawn(sessionId: string, paneId: string, a: StartArgs, oldEnvKeys: readonly string[]): string[] {
  const lines = oldEnvKeys
    .filter((k) => !(k in a.env))
    .map((k) => commandLine(['set-environment', '-t', sessionId, '-u', k]));
  for (const [k, v] of Object.entries(a.env)) lines.push(commandLine(['set-environment', '-t', sessionId, k, v]));
  lines.push(commandLine(['clear-history', '-t', paneId]));
  lines.push(commandLine(['respawn-pane', '-k', '-t', paneId, '-c', a.cwd, '--', ...a.argv]));
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
