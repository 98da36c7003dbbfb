import type { PaneRow } from '../freeze/list-panes.js';
import type { PaneProcess } from '../freeze/pane-process.js';
import { paneRun, programName } from '../freeze/pane-run.js';
import { shellJoin } from '../freeze/shell-join.js';
import { OWNED_V2 } from '../tmux/options.js';
import type { PaneSpec, SessionSpec } from '../spec/types.js';
import { effectiveLayout, freshStamp } from './plan.js';
import type { PaneStamp } from '../observe/types.js';
import type { Action } from './types.js';

/** A live pane taken over: where it is, and the stamp it gets. */
export interface AdoptedPane {
  /** `$session:window.pane`, exact within one batch. */
  target: string;
  spec: PaneSpec;
  /** As if tmuxctl had started it: the spec's own hash, so that the next apply finds it in sync. */
  stamp: PaneStamp;
}

export interface AdoptedWindow {
  target: string;
  name: string;
  layout?: string;
  panes: AdoptedPane[];
}

export type AdoptVerdict = { ok: true; action: Extract<Action, { kind: 'adopt' }> } | { ok: false; differences: string[] };

/**
 * Pure: whether a live session that tmuxctl does not own runs what the spec declares, window by
 * window (by name; today's one-pane form: the session's first window) and pane by pane (by
 * position), and if so the `adopt` action that stamps it as if tmuxctl had started it. What a pane
 * runs is compared as a command line: `sh -c 'npm run dev'`, a shell's `exec` of it, and the argv
 * `[npm, run, dev]` are one command; a `keys` pane must be an interactive shell whose foreground
 * job is the typed text (or none, for empty keys). Working directories and environments are not
 * compared: a process may have changed both since it started.
 */
export function planAdopt(spec: SessionSpec, rows: readonly PaneRow[], processes: ReadonlyMap<number, PaneProcess>): AdoptVerdict {
  const byWindow = new Map<number, PaneRow[]>();
  for (const r of rows) byWindow.set(r.windowIndex, [...(byWindow.get(r.windowIndex) ?? []), r]);
  const windows = [...byWindow.entries()].sort((a, b) => a[0] - b[0]).map(([, panes]) => panes.sort((a, b) => a.paneIndex - b.paneIndex));
  const differences: string[] = [];
  const adopted: AdoptedWindow[] = [];
  for (const w of spec.windows) {
    const label = spec.windowsDeclared ? `window ${w.name}` : 'the session';
    const matches = spec.windowsDeclared ? windows.filter((panes) => panes[0]!.windowName === w.name) : windows.slice(0, 1);
    if (matches.length === 0) {
      differences.push(`${label}: not found`);
      continue;
    }
    if (matches.length > 1) {
      differences.push(`${label}: ${matches.length} windows have this name`);
      continue;
    }
    const live = matches[0]!;
    if (live.length !== w.panes.length) {
      differences.push(`${label}: ${plural(live.length, 'pane')}, spec says ${w.panes.length}`);
      continue;
    }
    const panes: AdoptedPane[] = [];
    w.panes.forEach((p, i) => {
      const row = live[i]!;
      const difference = compare(p, row, processes.get(row.pid));
      if (difference) differences.push(`${label}: pane ${i} ${difference}`);
      panes.push({ target: `${row.sessionId}:${row.windowIndex}.${row.paneIndex}`, spec: p, stamp: freshStamp(p) });
    });
    const layout = effectiveLayout(w);
    adopted.push({ target: `${live[0]!.sessionId}:${live[0]!.windowIndex}`, name: w.name, ...(layout !== undefined && { layout }), panes });
  }
  if (differences.length > 0) return { ok: false, differences };
  const sessionId = rows[0]!.sessionId;
  return {
    ok: true,
    action: {
      kind: 'adopt',
      session: spec.name,
      target: spec.name,
      reason: 'windows, panes and commands match',
      sessionId,
      source: spec.source,
      owner: OWNED_V2,
      windows: adopted,
    },
  };
}

function compare(p: PaneSpec, row: PaneRow, proc: PaneProcess | undefined): string | undefined {
  if (row.dead || !proc || proc.argv.length === 0) return 'is not running';
  const run = paneRun(proc, row, '/bin/sh').run;
  if (p.keys !== undefined) {
    if (run.kind !== 'keys') return `runs ${quote(commandText(proc.argv))}, spec says a shell typed ${quote(p.keys)}`;
    const job = proc.foreground ? commandText(proc.foreground) : '';
    if (squash(job) !== squash(p.keys))
      return job === '' ? `is a shell with no job, spec types ${quote(p.keys)}` : `runs ${quote(job)}, spec types ${quote(p.keys)}`;
    return undefined;
  }
  const wanted = p.command.kind === 'shell' ? p.command.script : shellJoin(p.command.argv);
  const actual = run.kind === 'keys' ? `${programName(proc.argv[0]!)} (a shell)` : commandText(proc.argv);
  return squash(actual) === squash(wanted) ? undefined : `runs ${quote(actual)}, spec says ${quote(wanted)}`;
}

/** A command line as typed: the operand of `SHELL -c TEXT`, else argv joined as a shell would read it. */
function commandText(argv: readonly string[]): string {
  if (argv.length === 3 && argv[1] === '-c') return argv[2]!;
  return shellJoin(argv);
}

function squash(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

function quote(s: string): string {
  return `'${s}'`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
