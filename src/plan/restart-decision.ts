import type { ObservedSession } from '../observe/types.js';
import type { SessionSpec } from '../spec/types.js';
import { backoffDelayMs, crashesAfterRun } from './backoff.js';

/** What the restart policy says about a dead pane. */
export type DeadVerdict = { restart: false; why: string } | { restart: true; why: string; dueAt: number; crashes: number };

export function describeExit(s: ObservedSession): string {
  const e = s.pane?.exit;
  if (!e) return 'exited';
  return 'status' in e ? `exited with status ${e.status}` : `killed by signal ${e.signal}`;
}

export function judgeDeadPane(spec: SessionSpec, s: ObservedSession): DeadVerdict {
  const exit = s.pane?.exit;
  const failed = !exit || !('status' in exit) || exit.status !== 0;
  if (spec.restart === 'never') return { restart: false, why: `${describeExit(s)}, restart: never` };
  if (spec.restart === 'on-failure' && !failed) return { restart: false, why: `${describeExit(s)}, restart: on-failure` };
  const deadAt = s.pane?.deadAt;
  const ranMs = s.startedAt !== undefined && deadAt !== undefined ? deadAt - s.startedAt : undefined;
  const crashes = crashesAfterRun(s.crashes, ranMs, spec.backoff);
  return { restart: true, why: describeExit(s), dueAt: (deadAt ?? 0) + backoffDelayMs(crashes, spec.backoff), crashes: crashes + 1 };
}
