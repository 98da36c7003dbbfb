import type { MachineChecks } from '../host/checks.js';
import { managedPanes, paneSlot } from '../observe/types.js';
import { blockedDependency } from '../plan/dependencies.js';
import type { Action, Waiting } from '../plan/types.js';
import { panesCovered, parseDependencyTarget } from '../spec/dependency-target.js';
import { type DesiredState, type HealthCheck, type PaneSpec, panesOf } from '../spec/types.js';
import type { ReconcileResult } from './reconcile.js';
import { sleep as realSleep } from './stop.js';
import type { StartFailure } from './verify.js';

export interface DependencyWaitOptions {
  desired: DesiredState;
  /** One reconcile (observe, plan, execute, verify) with the health checks passed so far; `first` is the person's own apply. */
  pass: (healthy: ReadonlyMap<string, number>, first: boolean) => Promise<ReconcileResult>;
  /** --wait-timeout, in milliseconds. */
  timeoutMs: number;
  /** Where the awaited checks run: the machine the sessions are on (a host's, on the host). */
  checks: MachineChecks;
  logDir: string;
  /** The environment health checks run with (plus each pane's own env). */
  env: NodeJS.ProcessEnv;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DependencyWaitResult {
  /** The last pass, with the actions and failures of every pass before it. */
  result: ReconcileResult;
  /** Set when --wait-timeout ran out: the starts still held back by their dependencies. */
  timedOut?: Waiting[];
  /** Set when a dependency cannot meet its condition without a person (plan/dependencies.ts): why; apply stops waiting at once. */
  blocked?: string;
}

/** How often apply looks again while it waits; a health check runs at most this often too, or at its own intervalSeconds when shorter. */
const POLL_MS = 500;

/**
 * apply with `dependsOn`: reconcile, and while a start is held back by dependencies that are not met
 * yet, look again every 0.5 s (under the lock only when there is something to do), running the health
 * checks of the panes a `healthy` dependency waits for, until nothing waits on a dependency, a start
 * fails, a dependency cannot come true without a person (a one-shot job that failed), or `timeoutMs`
 * runs out. Passes after the first honour backoff, as watch does: a dependency
 * that keeps crashing is not restarted on every look.
 */
export async function applyWaitingForDependencies(opts: DependencyWaitOptions): Promise<DependencyWaitResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const healthy = new Map<string, number>();
  const lastCheck = new Map<string, number>();
  const deadline = now() + opts.timeoutMs;
  let r = await opts.pass(healthy, true);
  const actions: Action[] = [...r.plan.actions];
  const failures: StartFailure[] = [...r.failures];
  const combined = (): ReconcileResult => ({ ...r, plan: { ...r.plan, actions }, failures });
  for (;;) {
    const held = (r.plan.waiting ?? []).filter((w) => w.dependencies !== undefined);
    if (held.length === 0 || r.batchError || failures.length > 0) return { result: combined() };
    const blocked = blockedDependency(opts.desired, r.observed, held);
    if (blocked !== undefined) return { result: combined(), blocked };
    if (now() >= deadline) return { result: combined(), timedOut: held };
    const due = healthChecksAwaited(opts.desired, held).flatMap((q) => {
      const live = r.observed.sessions.get(q.session);
      const m = live?.owned ? managedPanes(live).get(paneSlot(q.window, q.index)) : undefined;
      const startedAt = m?.stamp.startedAt;
      if (!m || m.pane.dead || startedAt === undefined || healthy.get(q.target) === startedAt) return [];
      const every = Math.min(POLL_MS, q.healthCheck!.intervalSeconds * 1000);
      if (now() - (lastCheck.get(q.target) ?? -Infinity) < every) return [];
      lastCheck.set(q.target, now());
      return [{ q, startedAt }];
    });
    if (due.length > 0) {
      // Loaded only when a check is due: it brings execa, which every other apply would pay to load (~100 ms).
      const { checkOnce } = await import('../supervise/health.js');
      await Promise.all(
        due.map(({ q, startedAt }) =>
          checkOnce(opts.checks, boundedBy(q.healthCheck!, deadline - now()), q, startedAt, opts.logDir, opts.env).then(
            (c) => {
              if (c.ok) healthy.set(q.target, startedAt);
            },
            // A host not reached gives no verdict: not healthy yet, looked at again at the next poll.
            () => {},
          ),
        ),
      );
    }
    await sleep(Math.max(0, Math.min(POLL_MS, deadline - now())));
    r = await opts.pass(healthy, false);
    actions.push(...r.plan.actions);
    failures.push(...r.failures);
  }
}

/**
 * A check that runs no longer than the wait has left: its own timeout (up to an hour) would hold
 * apply past --wait-timeout. A check cut short only fails to pass, and the wait is over by then.
 */
function boundedBy(check: HealthCheck, leftMs: number): HealthCheck {
  if (check.kind !== 'command') return check;
  return { ...check, timeoutSeconds: Math.min(check.timeoutSeconds, Math.max(0.1, leftMs / 1000)) };
}

/** The panes whose health check a held start waits for: those a `healthy` dependency of a waiting pane covers. */
function healthChecksAwaited(desired: DesiredState, held: readonly Waiting[]): PaneSpec[] {
  const awaited = new Set(held.flatMap((w) => w.dependencies ?? []));
  const sessions = new Map(desired.sessions.map((s) => [s.name, s]));
  const out = new Map<string, PaneSpec>();
  for (const p of desired.sessions.flatMap(panesOf)) {
    for (const d of p.dependsOn ?? []) {
      if (d.condition !== 'healthy' || !awaited.has(d.target)) continue;
      const target = parseDependencyTarget(d.target);
      const session = sessions.get(target.session);
      for (const q of session ? panesCovered(target, session) : []) if (q.healthCheck) out.set(q.target, q);
    }
  }
  return [...out.values()];
}

/** `web (waiting for db to be healthy); api (waiting for migrate to complete)`: what apply gave up on. */
export function describeTimedOut(held: readonly Waiting[]): string {
  return held.map((w) => `${w.target} (${w.reason})`).join('; ');
}
