import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { LockError } from '../errors.js';

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
 */
export async function acquireLock(path: string, timeoutSeconds: number): Promise<HeldLock> {
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  let fd: number | undefined = openSync(path, 'a');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), '-E', String(TIMEOUT_EXIT), '3'], {
        stdio: ['ignore', 'ignore', 'pipe', fd],
      });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(new LockError(e.code === 'ENOENT' ? 'flock not found on PATH: install util-linux' : `cannot take lock ${path}: ${e.message}`)),
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
