import { signalProcess } from '../process/signal.js';
import { isAlive, listProcs, processTree, type ProcInfo } from '../process/table.js';

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

const POLL_MS = 25;

/**
 * SIGTERM to every process of each tree, SIGKILL to what is left after its timeout. All trees in
 * parallel, so stopping N sessions costs the slowest one, not the sum. Resolves when none is left.
 */
export async function stopTrees(targets: readonly StopTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const procs = listProcs();
  await Promise.all(
    targets.map((t) => {
      if (t.startTime !== undefined && !procs.some((p) => p.pid === t.pid && p.startTime === t.startTime)) return Promise.resolve();
      const tree = t.dead ? procs.filter((p) => p.sid === t.pid && p.pid !== t.pid) : processTree(t.pid, procs);
      return stopTree(tree, t.timeoutSeconds);
    }),
  );
}

async function stopTree(tree: ProcInfo[], timeoutSeconds: number): Promise<void> {
  signalAll(tree, 'SIGTERM');
  const deadline = Date.now() + timeoutSeconds * 1000;
  let alive = tree.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    alive = alive.filter(isAlive);
  }
  if (alive.length === 0) return;
  signalAll(alive, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (alive.length > 0 && Date.now() < killDeadline) {
    await sleep(POLL_MS);
    alive = alive.filter(isAlive);
  }
}

function signalAll(procs: readonly ProcInfo[], signal: NodeJS.Signals): void {
  // Identity is re-checked right before each signal: a pid recycled since the scan is not ours.
  for (const p of procs) signalProcess(p, signal);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
