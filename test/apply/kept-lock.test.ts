/**
 * The server lock kept between passes (src/apply/kept-lock.ts) and the hand-over to one-shot
 * acquires (src/apply/lock.ts), with real flock and real files in one process: two opens of the
 * same file are two open file descriptions, which flock(2) locks against each other. Every flock
 * tmuxctl spawns is counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type KeptLock, keepLock } from '../../src/apply/kept-lock.js';
import { acquireLock, type HeldLock } from '../../src/apply/lock.js';
import { fileRequest } from '../../src/apply/lock-requests.js';
import { waitFor } from '../helpers/tmux.js';

const flockRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const spawn = (...args: unknown[]) => {
    if (args[0] === 'flock') flockRuns.count++;
    return (real.spawn as (...a: unknown[]) => ReturnType<typeof real.spawn>)(...args);
  };
  return { ...real, spawn };
});

let dir: string;
let lockFile: string;
const keepers: KeptLock[] = [];
const held: HeldLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-kept-lock-'));
  lockFile = path.join(dir, 'locks', 'server-test.lock');
  flockRuns.count = 0;
});
afterEach(async () => {
  for (const h of held.splice(0)) await h.release();
  for (const k of keepers.splice(0)) await k.release();
  rmSync(dir, { recursive: true, force: true });
});

function keeper(opts: Parameters<typeof keepLock>[2] = {}): KeptLock {
  const k = keepLock(lockFile, 10, opts);
  keepers.push(k);
  return k;
}

/** Whether a fresh open of the lock file (as another process would) finds the lock taken. */
function lockTaken(): boolean {
  const r = spawnSync('flock', ['-n', '-E', '75', lockFile, 'true']);
  if (r.status !== 0 && r.status !== 75) throw new Error(`flock probe failed: ${r.stderr}`);
  return r.status === 75;
}

function requests(): string[] {
  return readdirSync(path.dirname(lockFile)).filter((n) => n.includes('.wanted.'));
}

/** Two waiting for the lock, in either order: the first served releases, then the other is served. */
async function bothServed(a: ReturnType<typeof track<HeldLock>>, b: ReturnType<typeof track<HeldLock>>): Promise<void> {
  await waitFor(() => a.settled() || b.settled(), 10_000, 'one of the two served');
  const [first, second] = a.settled() ? [a, b] : [b, a];
  await (await first.promise).release();
  await (await second.promise).release();
}

/** Tracks whether a promise has settled, to tell a wait that is still waiting. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => (done = true));
  return { settled: () => done, promise };
}

describe('a kept lock', () => {
  it('spawns one flock for its first pass and none for the next twenty; the lock stays held between them', async () => {
    const k = keeper();
    for (let i = 0; i < 21; i++) {
      const pass = await k.hold();
      expect(lockTaken()).toBe(true);
      await pass.release();
      expect(lockTaken()).toBe(true); // kept between passes, not only during them
    }
    expect(flockRuns.count).toBe(1);
  });

  it('is handed to a one-shot acquire that asks, and its next hold() waits until that one releases', async () => {
    const k = keeper();
    await (await k.hold()).release();
    let asked = 0;
    const mine = await acquireLock(lockFile, 10, {
      askHolder: () => {
        asked++;
        expect(requests()).toHaveLength(1); // filed before the keeper is asked
        k.handOverIfAsked();
      },
    });
    held.push(mine);
    expect(asked).toBe(1);
    expect(requests()).toEqual([]); // withdrawn once held

    const next = track(k.hold());
    await waitFor(() => flockRuns.count >= 5, 5000, "the keeper's take under way"); // 1 + the acquire's 2 + its 2
    await new Promise((r) => setTimeout(r, 300)); // no event to wait for: the absence of the hold
    expect(next.settled()).toBe(false);
    await mine.release();
    const pass = await next.promise;
    expect(lockTaken()).toBe(true);
    await pass.release();
    expect(lockTaken()).toBe(true);
  });

  it('is handed over by its own check when nobody wakes it (no askHolder)', async () => {
    const k = keeper({ checkEveryMs: 50 });
    await (await k.hold()).release();
    const mine = await acquireLock(lockFile, 5);
    held.push(mine);
    expect(lockTaken()).toBe(true);
    expect(requests()).toEqual([]);
  });

  it('tells onHandOver when it hands over between passes (someone changed the server: look again), not when hold() does', async () => {
    let told = 0;
    const k = keeper({ checkEveryMs: 50, onHandOver: () => told++ });
    await (await k.hold()).release();
    const first = await acquireLock(lockFile, 5);
    expect(told).toBe(1);
    const next = track(k.hold()); // waits for the first acquire: the pass will look anyway
    await first.release();
    await (await next.promise).release();
    // Asked while the keeper is between passes but before its timer looked: hold() hands over.
    const k2 = keeper({ checkEveryMs: 60_000, onHandOver: () => told++ });
    await k.release();
    await (await k2.hold()).release();
    const second = track(acquireLock(lockFile, 10));
    await waitFor(() => requests().length === 1, 5000, 'the request filed');
    const pass = track(k2.hold()); // hands over at once, before its first await
    expect(told).toBe(1);
    await bothServed(second, pass);
  });

  it('is never handed over during a pass: an acquire asking then gets it when the pass ends', async () => {
    const k = keeper({ checkEveryMs: 50 });
    const pass = await k.hold();
    const asking = track(acquireLock(lockFile, 10, { askHolder: () => void k.handOverIfAsked() }));
    await waitFor(() => requests().length === 1, 5000, 'the request filed');
    expect(k.handOverIfAsked()).toBe(false);
    await new Promise((r) => setTimeout(r, 300)); // six of the keeper's checks: none may hand over
    expect(asking.settled()).toBe(false);
    await pass.release();
    held.push(await asking.promise);
    expect(requests()).toEqual([]);
  });

  it('asked at the start of a pass, hands over and takes the lock again the ordinary way', async () => {
    const k = keeper({ checkEveryMs: 60_000 }); // only hold() itself looks
    await (await k.hold()).release();
    const asking = track(acquireLock(lockFile, 10));
    await waitFor(() => requests().length === 1, 5000, 'the request filed');
    const before = flockRuns.count;
    const next = track(k.hold());
    await bothServed(asking, next);
    expect(flockRuns.count).toBeGreaterThan(before); // released, then taken again by a flock
    expect(requests()).toEqual([]);
  });

  it('hands over to a request that is not taken up (its requester stopped) once a second at most, not on every pass', async () => {
    // watch runs a pass after each hand-over (onHandOver); the pass retakes the lock at once.
    let handOvers = 0;
    const k: KeptLock = keeper({
      checkEveryMs: 20,
      onHandOver: () => {
        handOvers++;
        k.hold()
          .then((p) => p.release())
          .catch(() => {}); // released for good by afterEach meanwhile
      },
    });
    await (await k.hold()).release();
    // A request filed by hand, as a requester stopped before its flock could take the lock leaves it.
    const request = fileRequest(lockFile, 60);
    try {
      await new Promise((r) => setTimeout(r, 2500)); // no event to wait for: a count over a time
      expect(handOvers).toBeGreaterThanOrEqual(2); // honoured again after a second: not forgotten
      expect(handOvers).toBeLessThanOrEqual(4);
    } finally {
      request.withdraw();
    }
  });

  it('two waiters each get the lock in turn: the first to get it does not withdraw the request of the second', async () => {
    const k = keeper({ checkEveryMs: 50 });
    await (await k.hold()).release();
    const first = track(acquireLock(lockFile, 10));
    const second = track(acquireLock(lockFile, 10));
    await waitFor(() => first.settled() || second.settled(), 5000, 'one waiter served');
    await waitFor(() => requests().length === 1, 5000, 'the served one withdrawn its own request');
    expect(first.settled() && second.settled()).toBe(false);
    expect(requests()).toHaveLength(1); // the other's request is still there for the keeper to see
    // The keeper wants the lock back for a pass meanwhile: it must not swallow the other request.
    const pass = track(k.hold());
    const winner = first.settled() ? first : second;
    const other = winner === first ? second : first;
    await (await winner.promise).release();
    // The keeper and the other waiter race for it; whichever wins, both are served in the end.
    await waitFor(() => pass.settled() || other.settled(), 5000, 'the keeper or the other waiter served');
    if (pass.settled()) {
      await (await pass.promise).release();
      held.push(await other.promise);
    } else {
      await (await other.promise).release();
      await (await pass.promise).release();
    }
    expect(requests()).toEqual([]);
  });

  it('gives the lock back when released for good, and a one-shot acquire then needs no request', async () => {
    const k = keeper();
    await (await k.hold()).release();
    await k.release();
    expect(lockTaken()).toBe(false);
    const before = flockRuns.count;
    held.push(await acquireLock(lockFile, 5));
    expect(flockRuns.count - before).toBe(1); // flock -n took it: nobody was asked
  });

  it('takes the lock on the new file when its file was removed: no second holder on another inode', async () => {
    const k = keeper();
    await (await k.hold()).release();
    rmSync(path.dirname(lockFile), { recursive: true });
    const mine = await acquireLock(lockFile, 5); // a new file: nobody holds it
    const next = track(k.hold());
    await new Promise((r) => setTimeout(r, 300)); // no event to wait for: the absence of the hold
    expect(next.settled()).toBe(false);
    await mine.release();
    await (await next.promise).release();
    expect(lockTaken()).toBe(true);
  });
});
