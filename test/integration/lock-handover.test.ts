/**
 * The server lock between processes (src/apply/kept-lock.ts, lock.ts, lock-requests.ts): a keeper
 * (as watch holds it) and one-shot acquires (as apply does), in this process and in processes of
 * their own (the built code, run by test/fixtures/bin/lock-holder.mjs), with real flock and real
 * files. What is killed here is a process this test started, or the flock it started, by pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KeptLock, keepLock } from '../../src/apply/kept-lock.js';
import { acquireLock, type HeldLock } from '../../src/apply/lock.js';
import { listProcs } from '../../src/process/table.js';
import { fixturesBin, isProcessAlive, waitFor } from '../helpers/tmux.js';

interface Holder {
  child: ChildProcess;
  /** Every line it printed so far. */
  lines: string[];
}

let dir: string;
let lockFile: string;
const started: number[] = [];
const keepers: KeptLock[] = [];
const held: HeldLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-lock-handover-'));
  lockFile = path.join(dir, 'locks', 'server-test.lock');
});
afterEach(async () => {
  for (const pid of started.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const h of held.splice(0)) await h.release();
  for (const k of keepers.splice(0)) await k.release();
  rmSync(dir, { recursive: true, force: true });
});

function holder(mode: 'keep' | 'acquire', timeoutSeconds: number): Holder {
  const child = spawn(process.execPath, [path.join(fixturesBin, 'lock-holder.mjs'), mode, lockFile, String(timeoutSeconds)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.push(child.pid!);
  const h: Holder = { child, lines: [] };
  let rest = '';
  child.stdout!.on('data', (b: Buffer) => {
    const parts = (rest + b.toString()).split('\n');
    rest = parts.pop()!;
    h.lines.push(...parts);
  });
  return h;
}

function said(h: Holder, line: string): number {
  return h.lines.filter((l) => l === line).length;
}

/** The flock processes a holder started: its waits for the lock. */
function flocksOf(pid: number): number[] {
  return listProcs()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
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

describe('the lock between processes', () => {
  it('a keeper killed -9 frees the lock: the kernel closes its descriptor', async () => {
    const k = holder('keep', 10);
    await waitFor(() => said(k, 'passed') === 1, 10_000, 'the keeper kept the lock after its first pass');
    expect(lockTaken()).toBe(true);
    k.child.kill('SIGKILL');
    await waitFor(() => !isProcessAlive(k.child.pid!), 5000, 'the keeper gone');
    // Freed as the kernel finishes the exit (closing its files), which /proc may show as gone a moment before.
    await waitFor(() => !lockTaken(), 5000, 'the lock freed');
    held.push(await acquireLock(lockFile, 5));
  });

  it("a keeper in another process hands over to an acquire that asks, and its next pass waits for that one's release", async () => {
    const k = holder('keep', 10);
    await waitFor(() => said(k, 'passed') === 1, 10_000, 'the keeper idle, lock kept');
    let asked = 0;
    const mine = await acquireLock(lockFile, 10, { askHolder: () => void asked++ });
    expect(asked).toBe(1);
    expect(requests()).toEqual([]);

    k.child.stdin!.write('pass\n');
    await waitFor(() => flocksOf(k.child.pid!).length > 0, 5000, "the keeper's pass waiting on flock");
    await new Promise((r) => setTimeout(r, 300)); // no event to wait for: the absence of the pass
    expect(said(k, 'held')).toBe(1);
    await mine.release();
    await waitFor(() => said(k, 'passed') === 2, 10_000, "the keeper's second pass");
    expect(lockTaken()).toBe(true);
  });

  it('a request whose requester was killed -9 is dropped: the keeper keeps the lock, pass after pass', async () => {
    const k = keepLock(lockFile, 10, { checkEveryMs: 50 });
    keepers.push(k);
    const pass = await k.hold();
    // A long wait: the request's deadline is far off, only the requester's death can make it stale.
    const r = holder('acquire', 60);
    await waitFor(() => said(r, 'asking') === 1 && requests().length === 1, 10_000, 'the request filed');
    const flocks = await waitFor(() => nonEmpty(flocksOf(r.child.pid!)), 5000, "the requester's flock");
    r.child.kill('SIGKILL');
    for (const pid of flocks) process.kill(pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(r.child.pid!), 5000, 'the requester gone');

    await pass.release();
    expect(requests()).toEqual([]); // the keeper removed it
    for (let i = 0; i < 5; i++) {
      expect(k.handOverIfAsked()).toBe(false);
      await (await k.hold()).release();
      expect(lockTaken()).toBe(true);
    }
  });

  it('a request past its deadline is dropped though its requester lives on (stopped before it could withdraw)', async () => {
    const k = keepLock(lockFile, 10, { checkEveryMs: 50 });
    keepers.push(k);
    const pass = await k.hold();
    const r = holder('acquire', 1);
    await waitFor(() => said(r, 'asking') === 1 && requests().length === 1, 10_000, 'the request filed');
    const flocks = await waitFor(() => nonEmpty(flocksOf(r.child.pid!)), 5000, "the requester's flock");
    r.child.kill('SIGSTOP'); // its flock runs on, times out after 1 s; the requester cannot withdraw
    await waitFor(() => flocks.every((pid) => !isProcessAlive(pid)), 5000, "the requester's flock timed out");
    expect(requests()).toHaveLength(1);

    await pass.release(); // its 1 s wait plus 2 s of grace may not be over yet: the keeper may hand over
    await waitFor(
      async () => {
        await (await k.hold()).release();
        return requests().length === 0;
      },
      10_000,
      'the request dropped once its deadline is over',
      200,
    );
    for (let i = 0; i < 5; i++) {
      await (await k.hold()).release();
      expect(lockTaken()).toBe(true);
    }
  });
});
