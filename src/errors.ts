import type { SpecProblem } from './spec/types.js';

/** Base of every failure tmuxctl expects; the CLI prints `message` and exits with `exitCode`, no stack. */
export class TmuxctlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function formatProblem(p: SpecProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return `${where}: ${p.message}`;
}

/** Invalid input: nothing was changed. Exit 2. */
export class SpecError extends TmuxctlError {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map(formatProblem).join('\n'), 2);
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends TmuxctlError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A tmux command failed or timed out. Exit 3. */
export class TmuxError extends TmuxctlError {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
    readonly code?: number,
  ) {
    super(message, 3);
  }
}

/** tmux is not installed. Exit 3. */
export class TmuxMissingError extends TmuxctlError {
  constructor() {
    super('tmux not found on PATH: install it (Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux)', 3);
  }
}

/** The per-server reconcile lock could not be taken in time. Exit 3. */
export class LockError extends TmuxctlError {
  constructor(message: string) {
    super(message, 3);
  }
}
