import { statSync } from 'node:fs';
import type { EventLog } from '../log/events.js';
import { type ManagedPane, managedPanes, type ObservedState, paneSlot, type Unhealthy } from '../observe/types.js';
import { paneArgv } from '../plan/hash.js';
import { sessionLogFile } from '../session-log/files.js';
import { type DesiredState, type HealthCheck, type PaneSpec, panesOf } from '../spec/types.js';
import { runCheck } from './run-check.js';
import { setRepeating } from './timers.js';

interface Tracked {
  spec: PaneSpec;
  check: HealthCheck;
  /** The run being judged: a restart starts the count afresh. */
  startedAt: number;
  failures: number;
  unhealthy?: Unhealthy;
  timer: ReturnType<typeof setInterval>;
  running: boolean;
  /** What was last stamped on the pane, so tmux is told only about changes. */
  stamped?: string;
}

export interface HealthOptions {
  logDir: string;
  events: EventLog;
  env: NodeJS.ProcessEnv;
  /** A pane crossed its failureThreshold: reconcile (which restarts it, under backoff). */
  onUnhealthy: () => void;
  /** Health changed: stamp it on the pane so `status` (another process) can show it. */
  onChange: (paneId: string, health: string) => void;
}

/**
 * Runs each session's health check every intervalSeconds while watch runs. Judgement only: the
 * restart itself is planned like any other (so backoff applies) from the verdicts this keeps.
 */
export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly opts: HealthOptions) {}

  /** Follows the latest desired and observed state: new checks start, changed runs reset. */
  sync(desired: DesiredState, observed: ObservedState): void {
    const wanted = new Map(
      desired.sessions
        .flatMap(panesOf)
        .filter((p) => p.healthCheck)
        .map((p) => [p.target, p]),
    );
    const liveOf = (p: PaneSpec): ManagedPane | undefined => {
      const s = observed.sessions.get(p.session);
      return s && managedPanes(s).get(paneSlot(p.window, p.index));
    };
    for (const [target, t] of this.tracked) {
      const spec = wanted.get(target);
      const live = spec && liveOf(spec);
      const sameRun = live && !live.pane.dead && live.stamp.startedAt === t.startedAt;
      if (!spec || !sameRun || JSON.stringify(spec.healthCheck) !== JSON.stringify(t.check)) {
        clearInterval(t.timer);
        this.tracked.delete(target);
      } else {
        t.spec = spec;
      }
    }
    for (const [target, spec] of wanted) {
      const live = liveOf(spec);
      if (this.tracked.has(target) || !live || live.pane.dead || live.stamp.startedAt === undefined) continue;
      const check = spec.healthCheck!;
      const paneId = live.pane.id;
      const t: Tracked = { spec, check, startedAt: live.stamp.startedAt, failures: 0, running: false, timer: undefined as never };
      t.timer = setRepeating(() => void this.probe(t, paneId), check.intervalSeconds * 1000);
      t.timer.unref();
      this.tracked.set(target, t);
      this.stamp(t, paneId, 'starting');
    }
  }

  /** Panes judged unhealthy in their current run, by target, for the planner. */
  verdicts(): Map<string, Unhealthy> {
    const out = new Map<string, Unhealthy>();
    for (const [name, t] of this.tracked) if (t.unhealthy) out.set(name, t.unhealthy);
    return out;
  }

  stop(): void {
    for (const t of this.tracked.values()) clearInterval(t.timer);
    this.tracked.clear();
  }

  private async probe(t: Tracked, paneId: string): Promise<void> {
    if (t.running) return; // a slow check is never stacked on itself
    t.running = true;
    try {
      const r = await this.judge(t);
      if (this.tracked.get(t.spec.target) !== t) return; // reset while the check ran
      if (r.ok) {
        if (t.failures > 0) this.opts.events.record({ event: 'health-ok', session: t.spec.target });
        t.failures = 0;
        t.unhealthy = undefined;
        this.stamp(t, paneId, 'healthy');
        return;
      }
      t.failures += 1;
      const detail = `${t.failures} consecutive failure${t.failures === 1 ? '' : 's'}, last: ${r.detail}`;
      this.opts.events.record({ event: 'health-failed', session: t.spec.target, reason: r.detail, failures: t.failures }, 'warn');
      this.stamp(t, paneId, `unhealthy: ${detail}`);
      if (t.unhealthy) {
        // Still sick while the restart waits out its backoff: the restart's reason tells the count
        // the events told, not the one at the verdict. The verdict's time stays (backoff counts from it).
        t.unhealthy = { ...t.unhealthy, detail: `health check failed (${detail})` };
      } else if (t.failures >= t.check.failureThreshold) {
        t.unhealthy = { since: Date.now(), startedAt: t.startedAt, detail: `health check failed (${detail})` };
        this.opts.onUnhealthy();
      }
    } finally {
      t.running = false;
    }
  }

  private stamp(t: Tracked, paneId: string, health: string): void {
    if (t.stamped === health) return;
    t.stamped = health;
    this.opts.onChange(paneId, health);
  }

  private async judge(t: Tracked): Promise<{ ok: boolean; detail: string }> {
    const check = t.check;
    if (check.kind === 'command') {
      const env = { ...this.opts.env, ...t.spec.env };
      return runCheck(paneArgv(check.command), t.spec.cwd, env, check.timeoutSeconds * 1000);
    }
    // The pane's output is appended to its log file, so the file's mtime is the last output.
    let last = t.startedAt;
    try {
      last = Math.max(last, statSync(sessionLogFile(this.opts.logDir, t.spec.target)).mtimeMs);
    } catch {
      // no log yet: silent since start
    }
    const silentMs = Date.now() - last;
    return silentMs > check.outputWithinSeconds * 1000
      ? { ok: false, detail: `no output for ${Math.round(silentMs / 1000)}s` }
      : { ok: true, detail: 'output seen' };
  }
}
