import { errorText, HostUnreachableError } from '../errors.js';
import type { MachineChecks } from '../host/checks.js';
import type { EventLog } from '../log/events.js';
import { type ManagedPane, managedPanes, type ObservedState, paneSlot, type Unhealthy } from '../observe/types.js';
import { paneArgv } from '../plan/hash.js';
import { sessionLogFile } from '../session-log/files.js';
import { type DesiredState, type HealthCheck, type PaneSpec, panesOf } from '../spec/types.js';
import { setRepeating } from './timers.js';

interface Tracked {
  spec: PaneSpec;
  check: HealthCheck;
  /** The run being judged: a restart starts the count afresh. */
  startedAt: number;
  failures: number;
  /** The check passed at least once in this run (what `dependsOn: healthy` waits for). */
  passed: boolean;
  unhealthy?: Unhealthy;
  timer: ReturnType<typeof setInterval>;
  running: boolean;
  /** What was last stamped on the pane, so tmux is told only about changes. */
  stamped?: string;
}

export interface HealthOptions {
  /** Where checks run: the pane's machine (a host's check runs on the host). */
  checks: MachineChecks;
  logDir: string;
  events: EventLog;
  env: NodeJS.ProcessEnv;
  /** A pane crossed its failureThreshold: reconcile (which restarts it, under backoff). */
  onUnhealthy: () => void;
  /** Health changed: stamp it on the pane so `status` (another process) can show it. */
  onChange: (paneId: string, health: string) => void;
  /** A run passed its check for the first time: reconcile (a dependent waiting for it may start). */
  onHealthy?: () => void;
}

/**
 * Runs each session's health check every intervalSeconds while watch runs. Judgement only: the
 * restart itself is planned like any other (so backoff applies) from the verdicts this keeps.
 */
export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>();
  /** The host could not be reached for a check: said once, until a check reaches it again. */
  private unreachedSaid = false;

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
      const t: Tracked = { spec, check, startedAt: live.stamp.startedAt, failures: 0, passed: false, running: false, timer: undefined as never };
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

  /** Runs that passed their check, by target: the startedAt of each (`dependsOn: healthy`). */
  passed(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, t] of this.tracked) if (t.passed) out.set(name, t.startedAt);
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
      let r: { ok: boolean; detail: string };
      try {
        r = await checkOnce(this.opts.checks, t.check, t.spec, t.startedAt, this.opts.logDir, this.opts.env);
      } catch (e) {
        // Not a verdict: the pane was not observed. Never a failure counted, so never a restart
        // because a host was not reached; said once, not at every interval of every pane.
        if (!(e instanceof HostUnreachableError)) throw e;
        if (!this.unreachedSaid) this.opts.events.record({ event: 'health-unknown', session: t.spec.target, reason: `not checked: ${errorText(e)}` }, 'warn');
        this.unreachedSaid = true;
        return;
      }
      this.unreachedSaid = false;
      if (this.tracked.get(t.spec.target) !== t) return; // reset while the check ran
      if (r.ok) {
        if (t.failures > 0) this.opts.events.record({ event: 'health-ok', session: t.spec.target });
        t.failures = 0;
        t.unhealthy = undefined;
        this.stamp(t, paneId, 'healthy');
        if (!t.passed) {
          t.passed = true;
          this.opts.onHealthy?.();
        }
        return;
      }
      // Compose's start_period: a service still starting up fails its check; that is not counted.
      if (Date.now() - t.startedAt < (t.check.startPeriodSeconds ?? 0) * 1000) return;
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
    } catch (e) {
      this.opts.events.record({ event: 'error', session: t.spec.target, reason: `health check: ${errorText(e)}` }, 'error');
    } finally {
      t.running = false;
    }
  }

  private stamp(t: Tracked, paneId: string, health: string): void {
    if (t.stamped === health) return;
    t.stamped = health;
    this.opts.onChange(paneId, health);
  }
}

/**
 * One run of a check on the pane's machine, judged: a command's exit status, or whether the pane
 * printed within outputWithinSeconds (its log file's mtime is its last output). Used by watch and by
 * apply while it waits for a dependency to be healthy. Rejects with HostUnreachableError when the
 * host was not reached: no verdict at all.
 */
export async function checkOnce(
  checks: MachineChecks,
  check: HealthCheck,
  spec: Pick<PaneSpec, 'env' | 'cwd' | 'target'>,
  startedAt: number,
  logDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; detail: string }> {
  if (check.kind === 'command')
    return checks.command({ argv: paneArgv(check.command), cwd: spec.cwd, env: spec.env, base: env, timeoutMs: check.timeoutSeconds * 1000 });
  // No log yet: silent since start. The log's age is told by its machine's clock, the run's by ours.
  const logSilent = await checks.silentFor(sessionLogFile(logDir, spec.target));
  const silentMs = Math.min(Date.now() - startedAt, logSilent ?? Number.POSITIVE_INFINITY);
  return silentMs > check.outputWithinSeconds * 1000
    ? { ok: false, detail: `no output for ${Math.round(silentMs / 1000)}s` }
    : { ok: true, detail: 'output seen' };
}
