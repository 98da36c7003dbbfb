import { managedPanes, type ObservedState, paneSlot, type Unhealthy } from '../observe/types.js';
import type { MachineChecks } from '../host/checks.js';
import { type DesiredState, type PaneSpec, panesOf } from '../spec/types.js';

const MB = 1024 * 1024;

/**
 * How a look reads memory: the trees' RSS on the panes' machine, all of them in one look (one pass
 * over /proc here, one script on a host). A machine's `checks`; injectable for tests.
 */
export type MemoryProbe = Pick<MachineChecks, 'treeRss'>;

/** One pane over its limit, as the last look saw it. */
interface Over {
  startedAt: number;
  looks: number;
}

/**
 * watch's memory limit (pm2's max_memory_restart): at each look, the resident memory of every
 * limited pane's whole process tree; over `memoryLimitMB` at two looks in a row (one look is a
 * moment, a spike; two are a state), the run is judged like a failed health check: a verdict the
 * planner turns into a restart counted as a crash, spaced by backoff and limited by maxRestarts.
 * A verdict belongs to one run (its start time): a restarted pane starts with a clean slate.
 */
export class MemoryLimits {
  private over = new Map<string, Over>();
  private judged = new Map<string, Unhealthy>();

  constructor(
    private readonly onVerdict: () => void,
    private readonly probe: MemoryProbe,
  ) {}

  /** Whether any pane declares a limit (the caller looks periodically only then). */
  static wanted(desired: DesiredState): boolean {
    return desired.sessions.some((s) => panesOf(s).some((p) => p.memoryLimitMB !== undefined));
  }

  /** One look at every limited pane that runs; rejects (judging nothing) when the machine was not reached. */
  async look(desired: DesiredState, observed: ObservedState, now = Date.now()): Promise<void> {
    const limited: { p: PaneSpec; pid: number; startedAt: number }[] = [];
    for (const s of desired.sessions) {
      const live = observed.sessions.get(s.name);
      const managed = live ? managedPanes(live) : undefined;
      for (const p of panesOf(s)) {
        const m = managed?.get(paneSlot(p.window, p.index));
        if (p.memoryLimitMB === undefined || !m || m.pane.dead || m.stamp.hold || m.stamp.startedAt === undefined) continue;
        limited.push({ p, pid: m.pane.pid, startedAt: m.stamp.startedAt });
      }
    }
    const rss = limited.length > 0 ? await this.probe.treeRss(limited.map((l) => l.pid)) : new Map<number, number>();
    const seen = new Set<string>();
    let fresh = false;
    for (const { p, pid, startedAt } of limited) {
      seen.add(p.target);
      const bytes = rss.get(pid) ?? 0;
      const limit = p.memoryLimitMB!;
      const before = this.over.get(p.target);
      // A verdict about an earlier run is dropped: the planner would ignore it anyway (it names its run).
      if (this.judged.get(p.target)?.startedAt !== startedAt) this.judged.delete(p.target);
      if (bytes <= limit * MB) {
        this.over.delete(p.target);
        continue;
      }
      const looks = before && before.startedAt === startedAt ? before.looks + 1 : 1;
      this.over.set(p.target, { startedAt, looks });
      if (looks >= 2 && !this.judged.has(p.target)) {
        this.judged.set(p.target, { since: now, startedAt, detail: `memory ${Math.round(bytes / MB)} MB over the limit of ${limit} MB` });
        fresh = true;
      }
    }
    for (const target of [...this.over.keys(), ...this.judged.keys()]) {
      if (!seen.has(target)) {
        this.over.delete(target);
        this.judged.delete(target);
      }
    }
    if (fresh) this.onVerdict();
  }

  /** Verdicts by pane target, for the planner (as health checks give theirs). */
  verdicts(): ReadonlyMap<string, Unhealthy> {
    return this.judged;
  }
}
