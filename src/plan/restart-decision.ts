import type { ObservedPane, PaneStamp } from '../observe/types.js';
import type { PaneSpec } from '../spec/types.js';
import { backoffDelayMs, crashesAfterRun } from './backoff.js';

/** What the restart policy says about a dead pane. */
export type DeadVerdict = { restart: false; why: string } | { restart: true; why: string; dueAt: number; crashes: number };

export function describeExit(pane: Pick<ObservedPane, 'exit'>): string {
  const e = pane.exit;
  if (!e) return 'exited';
  return 'status' in e ? `exited with status ${e.status}` : `killed by signal ${e.signal}`;
}

export function judgeDeadPane(spec: Pick<PaneSpec, 'restart' | 'backoff'>, pane: ObservedPane, stamp: PaneStamp): DeadVerdict {
  const exit = pane.exit;
  const failed = !exit || !('status' in exit) || exit.status !== 0;
  if (spec.restart === 'never') return { restart: false, why: `${describeExit(pane)}, restart: never` };
  if (spec.restart === 'on-failure' && !failed) return { restart: false, why: `${describeExit(pane)}, restart: on-failure` };
  const deadAt = pane.deadAt;
  const ranMs = stamp.startedAt !== undefined && deadAt !== undefined ? deadAt - stamp.startedAt : undefined;
  const crashes = crashesAfterRun(stamp.crashes, ranMs, spec.backoff);
  return { restart: true, why: describeExit(pane), dueAt: (deadAt ?? 0) + backoffDelayMs(crashes, spec.backoff), crashes: crashes + 1 };
}
