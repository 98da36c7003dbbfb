import { createHash } from 'node:crypto';
import type { Command, PaneSpec } from '../spec/types.js';

/**
 * What the pane execs. tmux runs a single argument through the user's default-shell, so a shell
 * string goes through `sh -c` explicitly, and a one-word argv through `exec "$0"` so that nothing
 * interprets it.
 */
export function paneArgv(command: Command): string[] {
  if (command.kind === 'shell') return ['sh', '-c', command.script];
  if (command.argv.length === 1) return ['sh', '-c', 'exec "$0"', command.argv[0]!];
  return command.argv;
}

/**
 * The spec hash covers exactly what the running process sees: command, cwd, environment values, and
 * the text typed into a `keys` pane. Stamped in parts so a change can be named ("command changed");
 * a one-way digest, so the stamp (visible to anyone who can reach the tmux server) does not carry
 * env values. A command pane's hash is the one tmuxctl 0.1 stamped, so an upgrade restarts nothing.
 */
export function specHash(spec: Pick<PaneSpec, 'command' | 'cwd' | 'env' | 'keys'>): string {
  const env = Object.keys(spec.env)
    .sort()
    .map((k) => [k, spec.env[k]]);
  const parts = ['v1', digest(paneArgv(spec.command)), digest(spec.cwd), digest(env)];
  if (spec.keys !== undefined) parts.push(digest(spec.keys));
  return parts.join('.');
}

const PART_NAMES = ['command', 'cwd', 'environment', 'keys'] as const;

/** Names what differs between two stamps, e.g. "command changed", "cwd and environment changed". */
export function describeHashChange(stamped: string, wanted: string): string {
  const a = stamped.split('.');
  const b = wanted.split('.');
  if (a[0] !== b[0]) return 'spec changed';
  const changed = PART_NAMES.filter((_, i) => a[i + 1] !== b[i + 1]);
  if (changed.length === 0) return 'spec changed';
  return `${joinWords(changed)} changed`;
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
