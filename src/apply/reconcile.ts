import type { EventLog } from '../log/events.js';
import { observe } from '../observe/snapshot.js';
import type { ObservedState } from '../observe/types.js';
import { plan as makePlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import type { DesiredState } from '../spec/types.js';
import type { TmuxClient } from '../tmux/client.js';
import { executePlan } from './execute.js';
import { verifyStarted, type StartFailure } from './verify.js';

export interface ReconcileOptions {
  dryRun: boolean;
  honourBackoff: boolean;
  events?: EventLog;
  now?: () => number;
}

export interface ReconcileResult {
  plan: Plan;
  observed: ObservedState;
  failures: StartFailure[];
}

/** Observe, plan (pure), execute, verify: one level-triggered pass. */
export async function reconcile(tmux: TmuxClient, desired: DesiredState, opts: ReconcileOptions): Promise<ReconcileResult> {
  const now = opts.now ?? Date.now;
  const observed = await observe(tmux, now());
  const plan = makePlan(desired, observed, { now: now(), honourBackoff: opts.honourBackoff });
  if (opts.dryRun || plan.actions.length === 0) return { plan, observed, failures: [] };
  recordPlan(opts.events, plan);
  const { started, errors } = await executePlan(tmux, plan, now);
  for (const e of errors) opts.events?.record({ event: 'tmux-error', reason: e }, 'error');
  const failures = await verifyStarted(tmux, started, errors, now);
  for (const f of failures) opts.events?.record({ event: 'start-failed', session: f.session, reason: f.reason, ...exitFields(f) }, 'error');
  return { plan, observed, failures };
}

function recordPlan(events: EventLog | undefined, plan: Plan): void {
  if (!events) return;
  for (const a of plan.actions) {
    const extra = a.kind === 'restart' && a.observed.pane.exit ? exitFields({ exit: a.observed.pane.exit }) : {};
    events.record({ event: a.kind, session: a.session, reason: a.reason, ...extra }, a.kind === 'conflict' ? 'warn' : 'info');
  }
}

function exitFields(f: Pick<StartFailure, 'exit'>): Record<string, number> {
  if (!f.exit) return {};
  return 'status' in f.exit ? { exitStatus: f.exit.status } : { exitSignal: f.exit.signal };
}
