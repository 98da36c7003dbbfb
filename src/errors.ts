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

/**
 * No runnable tmux: not on PATH, or on PATH but not executable (EACCES). Exit 3. The message may
 * also name flock when both are missing (tmux/tools.ts), so that one run says everything to install.
 */
export class TmuxMissingError extends TmuxctlError {
  constructor(message = TMUX_INSTALL_LINE) {
    super(message, 3);
  }
}

/** Linux-only tool: the install hint names Linux package managers. */
export const TMUX_INSTALL_LINE = 'tmux not found on PATH: install it (Debian/Ubuntu: apt-get install -y tmux; Fedora: dnf install -y tmux)';

/**
 * A tmux client got no answer within its timeout: the server is stopped (SIGSTOP), hung, or
 * swamped. `serverPid` when it could be found from the socket. Exit 3.
 */
export class TmuxNotRespondingError extends TmuxError {
  constructor(
    message: string,
    args: readonly string[],
    stderr: string,
    readonly serverPid?: number,
  ) {
    super(message, args, stderr);
  }
}

/** The tmux on PATH is older than the oldest version tmuxctl supports. Exit 3. */
export class TmuxVersionError extends TmuxctlError {
  constructor(message: string) {
    super(message, 3);
  }
}

/**
 * `-S PATH` names something that exists and is not a socket: tmux would replace it with its
 * socket. Invalid input, refused before any tmux call, nothing changed: exit 2.
 */
export class SocketPathError extends TmuxctlError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The per-server reconcile lock could not be taken (in time, or at all). Exit 3. */
export class LockError extends TmuxctlError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** flock(1) is not on PATH or cannot be run (tmux is there: else TmuxMissingError names both). Exit 3. */
export class FlockMissingError extends LockError {}

/**
 * A host of the spec could not be reached over ssh: ssh itself failed (exit 255: refused, no route,
 * authentication, host key) or no answer came in time. One line, the host's name first:
 * `gpu2: ssh: connect to host gpu2.lab port 22: Connection refused`. Exit 3.
 */
export class HostUnreachableError extends TmuxctlError {
  constructor(
    readonly host: string,
    /** What went wrong, without the host's name: ssh's own last stderr line, or the timeout. */
    readonly reason: string,
  ) {
    super(`${host}: ${reason}`, 3);
  }
}

/** The message of anything thrown, for one line in an event or a report. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
