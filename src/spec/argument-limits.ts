import { formatPath, type DocPath, type Issue } from './issue.js';

/**
 * The longest single argument or environment string (`NAME=value`) that execve accepts on Linux:
 * MAX_ARG_STRLEN is 32 pages (128 KiB) including the terminating NUL. One byte more and tmux's exec
 * of the pane fails, which showed only as `exited with status 1` at start-up.
 */
export const MAX_ARG_BYTES = 128 * 1024 - 1;

/**
 * Why `value` cannot reach a process intact, or undefined. A NUL byte ends a C string: everything after
 * it was silently dropped (`echo before\0; echo after` ran only `echo before`, and diff said in sync).
 * Values may be secrets: the message gives a position and a size, never the text.
 */
export function argumentProblem(value: string, what = 'argument'): string | undefined {
  const nul = value.indexOf('\0');
  if (nul >= 0) return `contains a NUL byte (at character ${nul + 1}), which would silently cut it short; remove it`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_ARG_BYTES) return `is ${bytes} bytes long; the kernel accepts at most ${MAX_ARG_BYTES} bytes (128 KiB) per ${what}`;
  return undefined;
}

/** Issues for a command (a script or an argv list) at `at`. */
export function commandIssues(command: string | readonly string[], at: DocPath): Issue[] {
  const parts: [string, DocPath][] = typeof command === 'string' ? [[command, at]] : command.map((arg, i) => [arg, [...at, i]]);
  const issues: Issue[] = [];
  for (const [value, path] of parts) {
    const problem = argumentProblem(value);
    if (problem) issues.push({ path, at: 'value', message: `${formatPath(path)} ${problem}` });
  }
  return issues;
}

/** Why an environment entry `name=value` cannot be passed, or undefined. */
export function envEntryProblem(name: string, value: string): string | undefined {
  // The NUL's position is the value's own; the length is that of the whole NAME=value string.
  if (value.includes('\0')) return argumentProblem(value);
  return argumentProblem(`${name}=${value}`, 'environment variable (NAME=value)');
}

/**
 * What one start may carry in all: the kernel's ARG_MAX (2 MiB with the usual 8 MiB stack) for argv
 * and environment together, less room for the tmux server's own environment, which the pane also
 * gets. Every string counts its bytes, its NUL and its pointer.
 */
export const MAX_START_BYTES = 2 * 1024 * 1024 - 128 * 1024;

/** How many bytes one start of `argv` with `env` takes of MAX_START_BYTES. */
export function startSize(argv: readonly string[], env: Readonly<Record<string, string>>): number {
  const size = (s: string) => Buffer.byteLength(s, 'utf8') + 1 + 8;
  let bytes = 8 * 2; // the two NULL pointers that end argv and envp
  for (const a of argv) bytes += size(a);
  for (const [k, v] of Object.entries(env)) bytes += size(`${k}=${v}`);
  return bytes;
}

/** What the kernel allows one start, said after the size that is over it. */
export const START_LIMIT_RULE = `one start can carry at most ${MAX_START_BYTES} (the kernel's 2 MiB for arguments and environment together, less room for tmux's own environment)`;

/** Why a command and environment cannot start together (each part may be under MAX_ARG_BYTES), or undefined. */
export function startSizeProblem(argv: readonly string[], env: Readonly<Record<string, string>>): string | undefined {
  const bytes = startSize(argv, env);
  if (bytes <= MAX_START_BYTES) return undefined;
  return `its command and environment add up to ${bytes} bytes; ${START_LIMIT_RULE}`;
}
