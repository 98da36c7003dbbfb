import { TmuxError } from '../errors.js';
import type { EventLog } from '../log/events.js';
import { withProcesses } from '../observe/orphan-candidates.js';
import { declaredCwds, missingCwds, withMissingCwds } from '../observe/cwds.js';
import { observe, SNAPSHOT_ARGS } from '../observe/snapshot.js';
import { managedPanes, type ObservedState, type Unhealthy } from '../observe/types.js';
import { observedTarget } from '../plan/targets.js';
import { plan as makePlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { type DesiredState, panesOf } from '../spec/types.js';
import type { Machine } from '../host/machine.js';
import { executePlan } from './execute.js';
import { verifyStarted, type StartFailure } from './verify.js';

export interface ReconcileOptions {
  dryRun: boolean;
  honourBackoff: boolean;
  /** apply waits out startSeconds; watch does not block on it (a quick death wakes it anyway). */
  verify: boolean;
  logDir: string;
  events?: EventLog;
  /** Health verdicts from watch, fed to the planner as part of what was observed. */
  unhealthy?: ReadonlyMap<string, Unhealthy>;
  /** Passed health checks by target (the startedAt of the run that passed): what `dependsOn: healthy` waits for. */
  healthy?: ReadonlyMap<string, number>;
  /**
   * Sees each snapshot before anything acts on it (watch logs exits before their restarts), and may
   * return it refined with what only the caller knows (watch: when it first saw each death).
   */
  onObserved?: (observed: ObservedState) => ObservedState | undefined;
  /** tmux lines to add to any batch that runs (watch re-installs its global hook this way). */
  extraLines?: string[];
  now?: () => number;
  /** `apply --take-over`: sessions of these names declared in other spec files become these specs'. */
  takeOver?: boolean;
  /** `apply --force`: changes are applied whatever each pane's `update` strategy says. */
  force?: boolean;
  /** How paths appear in reasons. */
  displayPath?: (absolute: string) => string;
}

export interface ReconcileResult {
  plan: Plan;
  observed: ObservedState;
  failures: StartFailure[];
  /**
   * The batch of changes failed as a whole (tmux timed out or could not be run): some of it may have
   * taken effect. The plan is still returned, so the caller can say what was attempted.
   */
  batchError?: TmuxError;
}

/** Observe, plan (pure), execute, verify: one level-triggered pass. */
export async function reconcile(machine: Machine, desired: DesiredState, opts: ReconcileOptions): Promise<ReconcileResult> {
  const now = opts.now ?? Date.now;
  // The folders are looked at after tmux: a pane seen dead died before its folder was looked at, so a
  // folder removed as its process died (a deploy swapping it) is never taken for there at the restart.
  // A host runs both in one script, in that order (Machine.lookAhead): one round trip for the two.
  await machine.lookAhead?.(SNAPSHOT_ARGS, declaredCwds(desired));
  const observed0 = await observe(machine, now());
  const missing = await missingCwds(machine.files, desired);
  // Orphans are looked for in the process table of the machine the server runs on (a host's, on
  // the host): after the tmux look, so every pane process found there is already known as a pane.
  const patterns = desired.sessions.flatMap(panesOf).flatMap((p) => (p.orphans ? [p.orphans.match] : []));
  const view = patterns.length > 0 ? await machine.procs.view() : undefined;
  const snapshot = withMissingCwds(withProcesses(observed0, patterns, view), missing);
  const seen = { ...snapshot, ...(opts.unhealthy && { unhealthy: opts.unhealthy }), ...(opts.healthy && { healthy: opts.healthy }) };
  const observed = opts.onObserved?.(seen) ?? seen;
  if (!opts.dryRun)
    await machine.files.rotateLarge(
      opts.logDir,
      [...observed.sessions.values()].flatMap((s) => [...managedPanes(s).values()].map((m) => observedTarget(s, m))),
    );
  const plan = makePlan(desired, observed, {
    now: now(),
    honourBackoff: opts.honourBackoff,
    takeOver: opts.takeOver,
    force: opts.force,
    displayPath: opts.displayPath,
  });
  // A change held back (update: when-detached, on-exit) is told, so a person can see why nothing restarted.
  if (!opts.dryRun) for (const w of plan.waiting ?? []) opts.events?.record({ event: 'waiting', session: w.target, reason: w.reason }, 'info');
  if (opts.dryRun || plan.actions.length === 0) return { plan, observed, failures: [] };
  // Before anything is recorded or printed as done: a tmux too old (or not runnable) changes nothing.
  await machine.tmux.checkVersion();
  recordPlan(opts.events, plan);
  let executed: Awaited<ReturnType<typeof executePlan>>;
  try {
    executed = await executePlan(machine, plan, { logDir: opts.logDir, now, extraLines: opts.extraLines, serverSessions: observed.sessions.size });
  } catch (e) {
    if (!(e instanceof TmuxError)) throw e;
    opts.events?.record({ event: 'tmux-error', reason: e.message }, 'error');
    return { plan, observed, failures: [], batchError: e };
  }
  const { started, errors } = executed;
  for (const e of errors) opts.events?.record({ event: 'tmux-error', reason: e }, 'error');
  const failures = opts.verify ? await verifyStarted(machine, started, errors, now) : [];
  for (const f of failures) opts.events?.record({ event: 'start-failed', session: f.session, reason: f.reason, ...exitFields(f) }, 'error');
  return { plan, observed, failures };
}

function recordPlan(events: EventLog | undefined, plan: Plan): void {
  if (!events) return;
  for (const a of plan.actions) {
    const extra = a.kind === 'restart' && a.managed.pane.exit ? exitFields({ exit: a.managed.pane.exit }) : {};
    // A limit reached is what a person is told about: `gave-up`, an error.
    const event = a.kind === 'give-up' ? 'gave-up' : a.kind;
    events.record({ event, session: a.target, reason: a.reason, ...extra }, a.kind === 'give-up' ? 'error' : a.kind === 'conflict' ? 'warn' : 'info');
  }
}

/** An exit as event fields: `exitStatus` or `exitSignal`, nothing when unknown. */
export function exitFields(f: Pick<StartFailure, 'exit'>): Record<string, number> {
  if (!f.exit) return {};
  return 'status' in f.exit ? { exitStatus: f.exit.status } : { exitSignal: f.exit.signal };
}
