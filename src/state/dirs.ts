import { existsSync, fchmodSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { TmuxctlError } from '../errors.js';

/** The state dir (or a folder in it) cannot be used: exit 3, one line, no stack. */
export class StateDirError extends TmuxctlError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** Mode of every folder tmuxctl makes under the state dir: the logs in it are the sessions' output. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file tmuxctl creates there (event log, session logs, locks). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `dir` (and its parents) private to this user, or says in one line why it cannot: a file
 * where a folder should be, a read-only file system, no permission. Existing folders keep their mode
 * (the user may have chosen it).
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (e) {
    throw new StateDirError(describeDirFailure(dir, realFailure(dir, e)));
  }
}

/**
 * Node's recursive mkdir reports ENOENT for a parent it could not create on a read-only file
 * system; a plain mkdir of the first missing folder gives the kernel's own reason (EROFS, EACCES).
 */
function realFailure(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  let missing = dir;
  for (let p = dir; p !== dirname(p); p = dirname(p)) {
    if (existsSync(p)) break;
    missing = p;
  }
  try {
    mkdirSync(missing, { mode: PRIVATE_DIR_MODE });
    return e; // it could be made now: keep the first report
  } catch (again) {
    return again;
  }
}

/** ensurePrivateDir for the folder a file lives in. */
export function ensureDirOf(file: string): void {
  ensurePrivateDir(dirname(file));
}

/**
 * Opens `file` for appending, created 0600 (its folder 0700 when it must be made), or says in one
 * StateDirError line why it cannot. A file an older tmuxctl left readable by others is narrowed to
 * 0600 when it is ours to change (the mode only applies at creation). The event log, the session-log
 * markers and the lock file all open through here.
 */
export function openPrivateFile(file: string): number {
  let fd: number;
  try {
    fd = openAppend(file);
  } catch (e) {
    if (e instanceof StateDirError) throw e;
    throw new StateDirError(describeFailure(file, e, 'open'));
  }
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch {
    // Not ours to change (another owner): the 0700 folder still keeps others out.
  }
  return fd;
}

/** The folder is made only when the open says it is missing: most opens find it there. */
function openAppend(file: string): number {
  try {
    return openSync(file, 'a', PRIVATE_FILE_MODE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    ensureDirOf(file);
    return openSync(file, 'a', PRIVATE_FILE_MODE);
  }
}

function describeDirFailure(dir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  // mkdir -p reports ENOTDIR/EEXIST for a file on the way; name the file, not the folder asked for.
  if (code === 'EEXIST' || code === 'ENOTDIR')
    return `cannot use ${blockingFile(dir) ?? dir} as a folder: it is a file (state dir: set --state-dir or TMUXCTL_STATE_DIR)`;
  return describeFailure(dir, e, 'create');
}

function describeFailure(path: string, e: unknown, verb: 'create' | 'open'): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return `cannot use ${path} as a file: it is a folder (remove it, or set --state-dir or TMUXCTL_STATE_DIR)`;
  if (code === 'EROFS') return `cannot ${verb} ${path}: read-only file system (set --state-dir or TMUXCTL_STATE_DIR)`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot ${verb} ${path}: permission denied (set --state-dir or TMUXCTL_STATE_DIR)`;
  if (code === 'ENOSPC') return `cannot ${verb} ${path}: no space left on device`;
  return `cannot ${verb} ${path}: ${code ?? String(e)}`;
}

/** The first path on the way to `dir` that exists and is not a folder. */
function blockingFile(dir: string): string | undefined {
  const chain: string[] = [];
  for (let p = dir; p !== dirname(p); p = dirname(p)) chain.unshift(p);
  for (const p of chain) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
