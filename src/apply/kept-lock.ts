import { closeSync, fstatSync, statSync } from 'node:fs';
import { LockError } from '../errors.js';
import { type HeldLock, type LockOptions, takeLock } from './lock.js';
import { hasLiveRequest } from './lock-requests.js';

/**
 * The server lock as `watch` holds it: taken once and kept between passes, so that a pass in the
 * steady state spawns nothing for it (lock.ts spawns one flock per take). Anyone else who wants the
 * lock files a request (lock-requests.ts); the keeper hands over when it sees one and takes the lock
 * again, waiting like anyone else, at its next pass.
 */
export interface KeptLock {
  /**
   * Holds the lock for one pass. No process when it is kept already and nobody asked for it;
   * otherwise it is (re)taken the ordinary way, waiting up to the timeout (LockError after it).
   * The returned lock's release() ends the pass: the lock is kept unless someone asked for it.
   * Passes must not overlap (a second hold() before the first release() is a bug and throws).
   */
  hold(): Promise<HeldLock>;
  /**
   * Between passes: releases the kept lock if a live request is there (true), else keeps it. Never
   * releases during a pass. Also run on a timer while the lock is kept, and by each pass's end.
   */
  handOverIfAsked(): boolean;
  /** Releases the lock for good (watch stopping); a later hold() takes it again. */
  release(): Promise<void>;
}

export interface KeepLockOptions extends LockOptions {
  /** How often a kept, idle lock looks for requests (one readdir, no process). */
  checkEveryMs?: number;
}

/** A requester that could not wake the keeper waits at most this long more (a readdir per check). */
const CHECK_EVERY_MS = 200;

export function keepLock(path: string, timeoutSeconds: number, opts: KeepLockOptions = {}): KeptLock {
  /** The descriptor the lock is held on; undefined when not held. */
  let fd: number | undefined;
  /** A pass is using the lock: it must not be handed over now. */
  let inUse = false;
  /** Counts release()s: a take that was under way when the lock was released for good gives it back. */
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  const drop = () => {
    clearInterval(timer);
    timer = undefined;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  const handOverIfAsked = (): boolean => {
    if (fd === undefined || inUse || !askedFor(path)) return false;
    drop();
    return true;
  };

  return {
    async hold() {
      if (inUse) throw new Error('KeptLock.hold(): the lock is in use by a pass that has not ended');
      inUse = true;
      try {
        // A lock file removed or replaced under us (the state dir deleted) is no lock any more:
        // others take theirs on the new file. One stat each, no process.
        if (fd !== undefined && (!sameFile(fd, path) || askedFor(path))) drop();
        if (fd === undefined) {
          const taking = generation;
          const taken = await takeLock(path, timeoutSeconds, opts);
          if (taking !== generation) {
            closeSync(taken);
            throw new LockError(`lock ${path} released while it was being taken`);
          }
          fd = taken;
          timer = setInterval(handOverIfAsked, opts.checkEveryMs ?? CHECK_EVERY_MS);
          timer.unref();
        }
      } catch (e) {
        inUse = false;
        throw e;
      }
      const pass = generation;
      let ended = false;
      return {
        async release() {
          if (ended || pass !== generation) return; // released for good meanwhile: nothing left to end
          ended = true;
          inUse = false;
          handOverIfAsked();
        },
      };
    },
    handOverIfAsked,
    async release() {
      generation++;
      inUse = false;
      drop();
    },
  };
}

/** A failure to look (the folder gone) is no request: the next hold() retakes the lock anyway. */
function askedFor(path: string): boolean {
  try {
    return hasLiveRequest(path);
  } catch {
    return false;
  }
}

function sameFile(fd: number, path: string): boolean {
  try {
    const held = fstatSync(fd);
    const named = statSync(path);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}
