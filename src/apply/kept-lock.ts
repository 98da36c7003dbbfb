import { closeSync, fstatSync, statSync } from 'node:fs';
import { LockError } from '../errors.js';
import { type HeldLock, type LockOptions, takeLock } from './lock.js';
import { liveRequests, nowMs } from './lock-requests.js';

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
   * Between passes: releases the kept lock if a live request is there (true, and onHandOver is
   * told), else keeps it. Never releases during a pass. Also run on a timer while the lock is kept,
   * and by each pass's end.
   */
  handOverIfAsked(): boolean;
  /** Releases the lock for good (watch stopping); a later hold() takes it again. */
  release(): Promise<void>;
}

export interface KeepLockOptions extends LockOptions {
  /** How often a kept, idle lock looks for requests (one readdir, no process). */
  checkEveryMs?: number;
  /**
   * Told when the lock was handed over between passes: whoever took it is changing the server, so
   * the keeper should look again once it is done (watch runs a pass, which waits for the lock). Not
   * told when hold() hands over: that pass waits its turn and looks anyway.
   */
  onHandOver?: () => void;
}

/** A requester that could not wake the keeper waits at most this long more (a readdir per check). */
const CHECK_EVERY_MS = 200;
/**
 * A request already handed over to is honoured again only this much later. The requester normally
 * has the lock within milliseconds and withdraws; one that does not take it (stopped, or beaten to
 * it by the keeper's own next take) must neither make every pass hand over and trigger the next at
 * once (a spin until its deadline) nor be forgotten.
 */
const HONOUR_AGAIN_MS = 1000;
const YIELD_POLL_MS = 5;

export function keepLock(path: string, timeoutSeconds: number, opts: KeepLockOptions = {}): KeptLock {
  /** The descriptor the lock is held on; undefined when not held. */
  let fd: number | undefined;
  /** A pass is using the lock: it must not be handed over now. */
  let inUse = false;
  /** Counts release()s: a take that was under way when the lock was released for good gives it back. */
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;
  /** Requests handed over to, with when (monotonic ms). */
  const honoured = new Map<string, number>();

  /** The live requests not handed over to lately, if any: one readdir, no process. */
  const asked = (): string[] => {
    let live: string[];
    try {
      live = liveRequests(path);
    } catch {
      return []; // a failure to look (the folder gone) is no request: hold() retakes the lock anyway
    }
    for (const name of honoured.keys()) if (!live.includes(name)) honoured.delete(name);
    const now = nowMs();
    return live.some((name) => now - (honoured.get(name) ?? -Infinity) >= HONOUR_AGAIN_MS) ? live : [];
  };
  /**
   * After a hand-over, the requesters go first: they withdraw their request once they hold the lock.
   * Taking it back at once would race their flock, woken by the kernel but maybe not yet run, and a
   * requester beaten to it would wait for the keeper's next pass or check. At most HONOUR_AGAIN_MS
   * (a stopped requester never withdraws), one readdir every YIELD_POLL_MS meanwhile.
   */
  const letRequestersFirst = async () => {
    const waitingFor = () => [...honoured.values()].some((at) => nowMs() - at < HONOUR_AGAIN_MS);
    while (waitingFor()) {
      asked(); // forgets the requests withdrawn
      if (!waitingFor()) return;
      await new Promise((r) => setTimeout(r, YIELD_POLL_MS));
    }
  };
  /** Releases the lock for these requests. */
  const handOver = (to: readonly string[]) => {
    const now = nowMs();
    for (const name of to) honoured.set(name, now);
    drop();
  };

  const drop = () => {
    clearInterval(timer);
    timer = undefined;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  const handOverIfAsked = (): boolean => {
    if (fd === undefined || inUse) return false;
    const to = asked();
    if (to.length === 0) return false;
    handOver(to);
    opts.onHandOver?.();
    return true;
  };

  return {
    async hold() {
      if (inUse) throw new Error('KeptLock.hold(): the lock is in use by a pass that has not ended');
      inUse = true;
      try {
        // A lock file removed or replaced under us (the state dir deleted) is no lock any more:
        // others take theirs on the new file. One stat each, no process.
        if (fd !== undefined && !sameFile(fd, path)) drop();
        if (fd !== undefined) {
          const to = asked();
          if (to.length > 0) handOver(to);
        }
        if (fd === undefined) {
          const taking = generation;
          await letRequestersFirst();
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

function sameFile(fd: number, path: string): boolean {
  try {
    const held = fstatSync(fd);
    const named = statSync(path);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}
