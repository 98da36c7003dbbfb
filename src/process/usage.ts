import { readFileSync } from 'node:fs';
import { listProcs, type ProcStat, processTrees } from './table.js';

/**
 * Linux reports utime and stime in USER_HZ ticks, which the kernel fixes at 100 for user space on
 * every architecture Node runs on (sysconf(_SC_CLK_TCK) is not reachable from Node).
 */
export const TICKS_PER_SECOND = 100;

/** A process as one pass over /proc saw it, with the CPU time it had used so far. */
export type ProcSample = ProcStat;

/** One pass over /proc: every visible process and its CPU time, and when it was taken. */
export interface UsageSample {
  at: number;
  procs: ProcSample[];
}

/** What a pane's whole process tree uses. */
export interface TreeUsage {
  /** CPU over the interval between two samples, in percent of one core (a tree may exceed 100). */
  cpuPercent: number;
  rssBytes: number;
}

/** One pass over /proc. */
export function sampleProcs(now = Date.now()): UsageSample {
  return { at: now, procs: listProcs() };
}

/** VmRSS of /proc/PID/status in bytes; 0 for a zombie or kernel thread (no VmRSS line). Pure. */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * CPU percent of a tree between two samples: the ticks its processes used in between. A process
 * seen in both counts its growth; one that started in between counts all it used (it used it in the
 * interval); one that ended in between is not counted (its time is gone from /proc). A pid reused
 * in between is told apart by its start time. Pure.
 */
export function cpuPercent(before: readonly ProcSample[], after: readonly ProcSample[], elapsedMs: number, hz = TICKS_PER_SECOND): number {
  if (elapsedMs <= 0) return 0;
  const earlier = new Map(before.map((p) => [p.pid, p]));
  let ticks = 0;
  for (const p of after) {
    const old = earlier.get(p.pid);
    ticks += old && old.startTime === p.startTime ? Math.max(0, p.cpuTicks - old.cpuTicks) : p.cpuTicks;
  }
  return (ticks / hz / (elapsedMs / 1000)) * 100;
}

/** Sum of the resident memory of a tree's processes. Pure. */
export function sumRss(pids: readonly number[], rssOf: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) total += rssOf(pid);
  return total;
}

function readRss(pid: number): number {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/**
 * CPU and memory of each root's whole process tree (descendants, and what stays in its session or
 * group), between two samples of one machine's process table (`sampleProcs` here, a host's own
 * listing there). Memory: from `rss`, each root's tree as that machine measured it (a root it lacks
 * is 0), when given; otherwise read here from /proc, for the trees' own processes only. Pure when
 * `rss` is given.
 */
export function treeUsage(before: UsageSample, after: UsageSample, roots: readonly number[], rss?: ReadonlyMap<number, number>): Map<number, TreeUsage> {
  const treesBefore = processTrees(before.procs);
  const treesAfter = processTrees(after.procs);
  const elapsed = after.at - before.at;
  const out = new Map<number, TreeUsage>();
  for (const root of roots) {
    const now = treesAfter(root) as ProcSample[];
    out.set(root, {
      cpuPercent: cpuPercent(treesBefore(root) as ProcSample[], now, elapsed),
      rssBytes: rss
        ? (rss.get(root) ?? 0)
        : sumRss(
            now.map((p) => p.pid),
            readRss,
          ),
    });
  }
  return out;
}

/** The resident memory of each root's whole process tree, in one sample (memoryLimitMB). */
export function treeRss(sample: UsageSample, roots: readonly number[]): Map<number, number> {
  const trees = processTrees(sample.procs);
  return new Map(
    roots.map((root) => [
      root,
      sumRss(
        trees(root).map((p) => p.pid),
        readRss,
      ),
    ]),
  );
}
