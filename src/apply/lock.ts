import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { FlockMissingError, LockError, TmuxMissingError } from '../errors.js';
import { openPrivateFile } from '../state/dirs.js';
import { missingToolsLine } from '../tmux/tools.js';
import { fileRequest } from './lock-requests.js';

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /**
   * Called once when the lock is taken by someone else and a request to hand it over has been filed
   * (lock-requests.ts): wakes a keeper (watch) so that it hands over at once rather than at its
   * next check. Not awaited, and its failure is ignored: the keeper's own check finds the request.
   */
  askHolder?: () => Promise<void> | void;
}

/** flock's exit status when the lock is taken by someone else (-n) or the wait ran out (-w). */
const BUSY_EXIT = 75;

/**
 * One reconcile at a time per tmux server. We open the lock file and hand the descriptor to
 * flock(1) as its fd 3: `flock 3` takes an flock(2) lock on that open file description and exits,
 * and the lock stays with the description, which only this process still holds (Node opens files
 * close-on-exec, so no tmux server or command started meanwhile inherits it). Closing it releases
 * the lock; so does dying in any way. No stale lock files, no pid files to trust, and one
 * short-lived helper process per acquire instead of a holder that lives as long as the lock.
 *
 * `watch` keeps the lock between its passes (kept-lock.ts), so everyone else first tries without
 * waiting and, when that fails, files a request for it and asks the holder before waiting: a
 * keeper that is asked hands over. A waiter that gets it withdraws its request.
 *
 * The lock file is 0600 in a 0700 folder (state/dirs.ts): another user who could open it could
 * also hold it and block every reconcile. A state dir that cannot be used (a file in the way,
 * read-only, no permission) is one StateDirError line, exit 3.
 */
export async function acquireLock(path: string, timeoutSeconds: number, opts: LockOptions = {}): Promise<HeldLock> {
  let fd: number | undefined = await takeLock(path, timeoutSeconds, opts);
  return {
    async release() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Opens the lock file and takes the lock on that descriptor, which is returned held (closing it
 * releases). One process when nobody holds the lock, two when someone does.
 */
export async function takeLock(path: string, timeoutSeconds: number, opts: LockOptions = {}): Promise<number> {
  const fd = openPrivateFile(path);
  try {
    if ((await runFlock(fd, path, ['-n'])) === 'held') return fd;
    const request = fileRequest(path, timeoutSeconds);
    try {
      ask(opts.askHolder);
      if ((await runFlock(fd, path, ['-w', String(timeoutSeconds)])) === 'held') return fd;
    } finally {
      request.withdraw();
    }
    throw new LockError(`lock ${path} not obtained within ${timeoutSeconds}s: another tmuxctl is reconciling this tmux server`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Runs `flock -x ARGS 3` on `fd`: 'held' when it got the lock, 'busy' when it did not (-n, or -w ran out). */
function runFlock(fd: number, path: string, args: readonly string[]): Promise<'held' | 'busy'> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', ...args, '-E', String(BUSY_EXIT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' || e.code === 'EACCES' ? flockMissing() : new LockError(`cannot take lock ${path}: ${e.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve('held');
      else if (code === BUSY_EXIT) resolve('busy');
      else reject(new LockError(`cannot take lock ${path}: ${err.trim() || `flock exited with ${code}`}`));
    });
  });
}

/** Tells the holder, without waiting for it: a slow or failing ask must not delay or fail the wait. */
function ask(askHolder: LockOptions['askHolder']): void {
  if (!askHolder) return;
  try {
    Promise.resolve(askHolder()).catch(() => {});
  } catch {
    // The keeper's own check still finds the request.
  }
}

/** flock cannot be run: one line, naming tmux too when it is missing as well. */
function flockMissing(): LockError | TmuxMissingError {
  const line = missingToolsLine(process.env.PATH) ?? 'flock could not be run: install util-linux (Debian/Ubuntu: apt-get install -y util-linux)';
  return line.includes('tmux') ? new TmuxMissingError(line) : new FlockMissingError(line);
}
