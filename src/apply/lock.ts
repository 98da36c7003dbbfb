import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { FlockMissingError, LockError, TmuxMissingError } from '../errors.js';
import { openPrivateFile } from '../state/dirs.js';
import { missingToolsLine } from '../tmux/tools.js';

export interface HeldLock {
  release(): Promise<void>;
}

const TIMEOUT_EXIT = 75;

/**
 * One reconcile at a time per tmux server. We open the lock file and hand the descriptor to
 * flock(1) as its fd 3: `flock 3` takes an flock(2) lock on that open file description and exits,
 * and the lock stays with the description, which only this process still holds (Node opens files
 * close-on-exec, so no tmux server or command started meanwhile inherits it). Closing it releases
 * the lock; so does dying in any way. No stale lock files, no pid files to trust, and one
 * short-lived helper process per pass instead of a holder that lives as long as the lock.
 *
 * The lock file is 0600 in a 0700 folder (state/dirs.ts): another user who could open it could
 * also hold it and block every reconcile. A state dir that cannot be used (a file in the way,
 * read-only, no permission) is one StateDirError line, exit 3.
 */
export async function acquireLock(path: string, timeoutSeconds: number): Promise<HeldLock> {
  let fd: number | undefined = openPrivateFile(path);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), '-E', String(TIMEOUT_EXIT), '3'], {
        stdio: ['ignore', 'ignore', 'pipe', fd],
      });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' || e.code === 'EACCES' ? flockMissing() : new LockError(`cannot take lock ${path}: ${e.message}`)),
      );
      child.on('close', (code) => {
        if (code === 0) resolve();
        else if (code === TIMEOUT_EXIT)
          reject(new LockError(`lock ${path} not obtained within ${timeoutSeconds}s: another tmuxctl is reconciling this tmux server`));
        else reject(new LockError(`cannot take lock ${path}: ${err.trim() || `flock exited with ${code}`}`));
      });
    });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    async release() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

/** flock cannot be run: one line, naming tmux too when it is missing as well. */
function flockMissing(): LockError | TmuxMissingError {
  const line = missingToolsLine(process.env.PATH) ?? 'flock could not be run: install util-linux (Debian/Ubuntu: apt-get install -y util-linux)';
  return line.includes('tmux') ? new TmuxMissingError(line) : new FlockMissingError(line);
}
