import type { StartFailure } from '../apply/verify.js';
import type { Action, Plan, Waiting } from '../plan/types.js';
import { paint, type Color, type Io } from './io.js';

const SIGIL: Record<Action['kind'], [string, Color]> = {
  create: ['+', 'green'],
  'create-window': ['+', 'green'],
  split: ['+', 'green'],
  restart: ['~', 'yellow'],
  stop: ['-', 'yellow'],
  'give-up': ['✗', 'red'],
  update: ['~', 'cyan'],
  adopt: ['~', 'green'],
  layout: ['~', 'cyan'],
  reorder: ['~', 'cyan'],
  kill: ['-', 'red'],
  'kill-window': ['-', 'red'],
  'kill-pane': ['-', 'red'],
  conflict: ['!', 'red'],
  'kill-orphan': ['-', 'red'],
};

/** `+ create alpha (not found)`, `~ restart shop:servers.1 (command changed)` */
export function actionLine(io: Pick<Io, 'color'>, a: Action): string {
  const [sigil, color] = SIGIL[a.kind];
  return `${paint(io, color, `${sigil} ${a.kind}`)} ${a.target} (${a.reason})`;
}

export function actionJson(a: Action): { action: string; session: string; target: string; reason: string; pid?: number; command?: string } {
  const base = { action: a.kind, session: a.session, target: a.target, reason: a.reason };
  return a.kind === 'kill-orphan' ? { ...base, pid: a.pid, command: a.command } : base;
}

/** `… wait agents:claude.0 (waiting for 1 attached client to detach)`: a change its `update` strategy holds back. */
export function waitingLine(io: Pick<Io, 'color'>, w: Waiting): string {
  return `${paint(io, 'cyan', '… wait')} ${w.target} (${w.reason})`;
}

export function failureLines(io: Pick<Io, 'color'>, f: StartFailure): string[] {
  const lines = [`${paint(io, 'red', '✗ failed')} ${f.session} (${f.reason})`];
  if (f.output.length > 0) lines.push(...f.output.map((l) => `    | ${l}`));
  return lines;
}

export function failureJson(f: StartFailure) {
  const exit = f.exit;
  return {
    session: f.session,
    reason: f.reason,
    exitStatus: exit && 'status' in exit ? exit.status : null,
    exitSignal: exit && 'signal' in exit ? exit.signal : null,
    output: f.output,
  };
}

export interface Summary {
  created: number;
  restarted: number;
  killed: number;
  updated: number;
  conflicts: number;
  orphans: number;
  failed: number;
  /** Changes held back by their pane's `update` strategy. */
  waiting: number;
}

export function summarise(plan: Plan, failures: readonly StartFailure[]): Summary {
  const count = (...kinds: Action['kind'][]) => plan.actions.filter((a) => kinds.includes(a.kind)).length;
  return {
    created: count('create', 'create-window', 'split'),
    restarted: count('restart'),
    killed: count('kill', 'kill-window', 'kill-pane'),
    updated: count('update', 'layout', 'reorder'),
    conflicts: count('conflict'),
    orphans: count('kill-orphan'),
    failed: failures.length + count('give-up'),
    waiting: plan.waiting?.length ?? 0,
  };
}

export function summaryLine(s: Summary, declared: number, dryRun: boolean): string {
  const parts = [
    [s.created, 'created'],
    [s.restarted, 'restarted'],
    [s.killed, 'killed'],
    [s.updated, 'updated'],
    [s.conflicts, s.conflicts === 1 ? 'conflict' : 'conflicts'],
    [s.orphans, s.orphans === 1 ? 'orphan stopped' : 'orphans stopped'],
    [s.failed, 'failed'],
    [s.waiting, 'waiting'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, w]) => `${n} ${w}`);
  if (parts.length === 0) return `in sync: ${declared} session${declared === 1 ? '' : 's'}, nothing to do`;
  if (parts.length === 1 && s.waiting > 0) return `nothing to do now: ${parts[0]}`;
  return `${dryRun ? 'dry run, would be' : 'applied'}: ${parts.join(', ')}`;
}
