import type { ProcessAccess } from '../host/machine.js';
import { processTrees, type ProcInfo } from '../process/table.js';

export interface StopTarget {
  /** The pane's process: root of the tree to stop. */
  pid: number;
  /**
   * A dead pane's pid may since have been reused; only leftovers still in its session are ours then
   * (Linux hands out no pid still in use as a session id, so those cannot be strangers).
   */
  dead: boolean;
  /** When known: the root must still be this very process (pid reuse since it was observed). */
  startTime?: number;
  timeoutSeconds: number;
}

/** After SIGKILL, how long to wait for the kernel to finish the job before moving on. */
const KILL_GRACE_MS = 2000;
/** First look soon (most processes die at once on SIGTERM), then less and less often. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

interface Stopping {
  alive: ProcInfo[];
  /** SIGKILL is due at this time; after it, the tree gets KILL_GRACE_MS more. */
  deadline: number;
  killed: boolean;
}

/**
 * The stops that can wait until after the batch: a dead pane whose own process group is empty (a
 * process that ran alone and died, the usual crash). Its leftovers can only be processes of its
 * session that moved to a group of their own (a job of an interactive shell), found by reading the
 * whole process table: tens of milliseconds on a busy machine, which a crash repair does not wait
 * for. They are still stopped, right after the restart (they share nothing with the new run: it
 * is a session of its own). Everything else is stopped before, as always.
 */
export async function deferrableStops(procs: ProcessAccess, targets: readonly StopTarget[]): Promise<{ before: StopTarget[]; after: StopTarget[] }> {
  const before: StopTarget[] = [];
  const after: StopTarget[] = [];
  const dead = targets.filter((t) => t.dead).map((t) => t.pid);
  const nonEmpty = dead.length > 0 ? await procs.groupsWithMembers(dead) : new Set<number>();
  for (const t of targets) (t.dead && !nonEmpty.has(t.pid) ? after : before).push(t);
  return { before, after };
}

/**
 * SIGTERM to every process of each tree, SIGKILL to what is left of a tree after its timeout. All
 * trees at once, watched by one loop: each look reads every remaining process once, and looks grow
 * rarer while processes linger (10 ms up to 200 ms), so stopping N trees costs about the slowest
 * one plus N reads per look, never N timers polling /proc each on its own. Resolves when none is
 * left, or at the latest the longest timeout plus KILL_GRACE_MS after it started.
 */
export async function stopTrees(access: ProcessAccess, targets: readonly StopTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const procs = await access.list();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const treeOf = processTrees(procs);
  const start = Date.now();
  let stopping: Stopping[] = [];
  for (const t of targets) {
    if (t.startTime !== undefined && byPid.get(t.pid)?.startTime !== t.startTime) continue;
    const tree = t.dead ? treeOf(t.pid).filter((p) => p.sid === t.pid && p.pid !== t.pid) : treeOf(t.pid);
    if (tree.length > 0) stopping.push({ alive: tree, deadline: start + t.timeoutSeconds * 1000, killed: false });
  }
  await access.signal(
    stopping.flatMap((s) => s.alive),
    'SIGTERM',
  );

  let pollMs = FIRST_POLL_MS;
  while (stopping.length > 0) {
    // One look at every remaining process of every tree (one round trip on a remote host).
    const still = new Set(await access.alive(stopping.flatMap((s) => s.alive)));
    const now = Date.now();
    const next: Stopping[] = [];
    const kill: ProcInfo[] = [];
    for (const s of stopping) {
      s.alive = s.alive.filter((p) => still.has(p));
      if (s.alive.length === 0) continue;
      if (!s.killed && now >= s.deadline) {
        kill.push(...s.alive);
        s.killed = true;
        s.deadline = now + KILL_GRACE_MS;
      } else if (s.killed && now >= s.deadline) {
        continue; // unkillable (uninterruptible sleep): nothing more to do, and no reason to hang
      }
      next.push(s);
    }
    stopping = next;
    // Identity is re-checked right before each signal: a pid recycled since the scan is not ours.
    if (kill.length > 0) await access.signal(kill, 'SIGKILL');
    if (stopping.length === 0) return;
    const soonest = Math.min(...stopping.map((s) => s.deadline));
    await sleep(Math.max(1, Math.min(pollMs, soonest - Date.now())));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
