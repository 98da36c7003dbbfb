import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { LockError } from '../errors.js';

export interface HeldLock {
  release(): Promise<void>;
}

const TIMEOUT_EXIT = 75;

/**
 * One reconcile at a time per tmux server. flock(1) holds an flock(2) lock on the file for as long as
 * its child reads our pipe: when we release, or when we die in any way, the pipe closes and the
 * kernel drops the lock. No stale lock files, no pid files to trust.
 */
export async function acquireLock(path: string, timeoutSeconds: number): Promise<HeldLock> {
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  // The command announces the lock itself: flock's own --verbose goes to a buffered stdout that is
  // flushed only when flock exits.
  const holder = ['sh', '-c', 'echo locked; exec cat'];
  const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), '-E', String(TIMEOUT_EXIT), path, ...holder], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let said = '';
    let err = '';
    const onData = (b: Buffer) => {
      said += b.toString();
      if (said.includes('locked')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new LockError(e.code === 'ENOENT' ? 'flock not found on PATH: install util-linux' : `cannot take lock ${path}: ${e.message}`)),
    );
    void exited.then((code) => {
      if (code === TIMEOUT_EXIT) reject(new LockError(`lock ${path} not obtained within ${timeoutSeconds}s: another tmuxctl is reconciling this tmux server`));
      else reject(new LockError(`cannot take lock ${path}: ${err.trim() || `flock exited with ${code}`}`));
    });
  });
  child.stdin!.on('error', () => {});
  return {
    async release() {
      child.stdin!.end();
      await exited;
    },
  };
}
