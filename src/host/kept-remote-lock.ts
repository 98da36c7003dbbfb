import type { HeldLock } from '../apply/lock.js';
import type { KeptLock } from '../apply/kept-lock.js';
import { HELD, holdRemoteLock, type RemoteLockOptions } from './remote-lock.js';

/** What the keeper prints after HELD: someone waits for the lock; it cannot see who waits (keep it per pass). */
const ASKED = 'tmuxctl-lock-asked';
const BLIND = 'tmuxctl-lock-blind';
/** How often the keeper on the host looks for a waiter (one read of /proc/locks, builtins, and a `sleep`): as often as the local keeper (kept-lock.ts). */
const LOOK_EVERY = '0.2';

/**
 * The keeper's script (after flock holds the lock, as flock's child): tells the lock is held, then,
 * in the background, reads /proc/locks every LOOK_EVERY s for a process blocked on the same file
 * (`->` lines name the lock's device:inode) and says so. Anyone who takes the lock there (apply,
 * delete, the verbs, another watch) waits in flock like before: nothing new is asked of them.
 * Its stdin is our ssh's: when it ends, the watcher is ended and the script exits, and flock lets
 * go; the watcher also ends by itself once the script is gone.
 */
const KEEPER = [
  'me=$$; mine=',
  // flock (our parent) holds it: its line in /proc/locks gives the file's device:inode.
  '{ while read -r _ a _ _ pid id _; do [ "$a" = FLOCK ] && [ "$pid" = "$PPID" ] && mine=$id; done </proc/locks; } 2>/dev/null',
  `if [ -n "$mine" ]; then echo ${HELD}; else echo ${HELD} ${BLIND}; fi`,
  '[ -n "$mine" ] && {',
  '  while kill -0 $me 2>/dev/null; do',
  '    while read -r _ a _ _ _ _ id _; do',
  `      [ "$a" = "->" ] && [ "$id" = "$mine" ] && { echo ${ASKED}; break; }`,
  '    done </proc/locks',
  `    sleep ${LOOK_EVERY} 2>/dev/null || sleep 1`,
  '  done',
  '} </dev/null 2>/dev/null &',
  'while read -r _; do :; done',
  'kill $! 2>/dev/null; wait',
].join('\n');

export interface KeepRemoteLockOptions extends RemoteLockOptions {
  /** Told when the lock was handed over to someone who waits for it: whoever took it changed the server, look again. */
  onHandOver: () => void;
  /** Told each time a keeper takes the lock and each time one lets go (or is found gone): the lock was not ours all along. */
  onKeeperChange?: () => void;
}

/**
 * The reconcile lock of a host's tmux server as `watch` holds it: taken over one long-lived ssh and
 * kept between passes, so a pass in the steady state costs no round trip for it (remote-lock.ts
 * takes it once per command). Handed over when someone on the host waits for it: between passes at
 * once, during a pass at its end. The pass after a hand-over takes it for itself only (released at
 * its end): two keepers of the same server would otherwise hand it to each other for ever, each
 * hand-over triggering the other's next pass. Lost with its ssh (the link, the host): the next
 * pass takes it again.
 */
export function keepRemoteLock(opts: KeepRemoteLockOptions): KeptLock {
  let kept: Keeper | undefined;
  let inUse = false;
  /** The pass after a hand-over does not keep the lock it takes. */
  let keepNext = true;

  const drop = () => {
    if (!kept) return;
    kept.end();
    kept = undefined;
    opts.onKeeperChange?.();
  };
  const handOver = () => {
    drop();
    keepNext = false;
    opts.onHandOver();
  };
  const onAsked = (k: Keeper) => {
    if (k === kept && !inUse) handOver();
  };

  return {
    async hold(): Promise<HeldLock> {
      if (inUse) throw new Error('KeptLock.hold(): the lock is in use by a pass that has not ended');
      inUse = true;
      try {
        if (kept && (!kept.alive() || kept.asked)) {
          const asked = kept.asked;
          drop();
          // The waiter goes first: this pass waits for it like anyone (and keeps nothing).
          if (asked) keepNext = false;
        }
        if (!kept) {
          kept = await startKeeper(opts, onAsked);
          opts.onKeeperChange?.();
        }
      } catch (e) {
        inUse = false;
        throw e;
      }
      const keep = keepNext && !kept.blind;
      keepNext = true;
      const mine = kept;
      return {
        release: async () => {
          inUse = false;
          if (mine !== kept) return;
          if (!keep) drop();
          else if (mine.asked) handOver();
        },
      };
    },
    handOverIfAsked() {
      if (!kept || inUse || !kept.asked) return false;
      handOver();
      return true;
    },
    async release() {
      drop();
    },
  };
}

interface Keeper {
  /** Someone on the host waits for the lock. */
  readonly asked: boolean;
  /** /proc/locks could not tell: the lock is let go after each pass. */
  readonly blind: boolean;
  alive(): boolean;
  /** Lets go: ssh's stdin ends, the script and flock exit on the host. */
  end(): void;
}

async function startKeeper(opts: KeepRemoteLockOptions, onAsked: (k: Keeper) => void): Promise<Keeper> {
  let keeper: (Keeper & { asked: boolean }) | undefined;
  const hold = await holdRemoteLock(opts, KEEPER, (line) => {
    if (line === ASKED && keeper && !keeper.asked) {
      keeper.asked = true;
      onAsked(keeper);
    }
  });
  keeper = { asked: false, blind: hold.heldLine.includes(BLIND), alive: () => hold.alive(), end: () => hold.end() };
  return keeper;
}
