import { observe } from '../observe/snapshot.js';
import { managedPanes, type ExitInfo, type ObservedState, paneSlot } from '../observe/types.js';
import { PANE_GONE } from '../plan/plan.js';
import { describeExit } from '../plan/restart-decision.js';
import type { Machine } from '../host/machine.js';
import type { Tmux } from '../tmux/client.js';
import { RESTART_MARKER } from './carry-screen.js';
import type { Started } from './execute.js';
import { sleep } from './stop.js';

export interface StartFailure {
  /** The pane's target: `session` or `session:window.N`. */
  session: string;
  reason: string;
  exit?: ExitInfo;
  /** The last lines the command printed. */
  output: string[];
}

const OUTPUT_LINES = 10;

/**
 * Start-up is verified by one observation per distinct startSeconds, all sessions waiting together:
 * with the default (every session 1 s) that is one wait and one tmux call, whatever N is.
 */
export async function verifyStarted(
  machine: Machine,
  started: readonly Started[],
  batchErrors: readonly string[],
  now: () => number = Date.now,
): Promise<StartFailure[]> {
  if (started.length === 0) return [];
  const groups = new Map<number, Started[]>();
  for (const s of started) {
    // Failed tmux lines must be attributed, so those sessions are looked at straight away.
    const wait = batchErrors.length > 0 && s.spec.startSeconds === 0 ? 0 : s.spec.startSeconds;
    if (wait === 0 && batchErrors.length === 0) continue;
    groups.set(wait, [...(groups.get(wait) ?? []), s]);
  }
  const failures: StartFailure[] = [];
  for (const seconds of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(seconds)!;
    const due = group[0]!.at + seconds * 1000;
    if (due > now()) await sleep(due - now());
    const obs = await observe(machine, now());
    failures.push(...(await judge(machine.tmux, group, obs, batchErrors)));
  }
  return failures;
}

async function judge(tmux: Tmux, group: Started[], obs: ObservedState, batchErrors: readonly string[]): Promise<StartFailure[]> {
  const out: StartFailure[] = [];
  for (const { spec } of group) {
    const live = obs.sessions.get(spec.session);
    const m = live && managedPanes(live).get(paneSlot(spec.window, spec.index));
    if (!live?.owned) {
      const why = batchErrors.find((e) => mentions(e, spec.session)) ?? batchErrors[0] ?? 'session not found after start';
      out.push({ session: spec.target, reason: `did not start: ${why}`, output: [] });
    } else if (!m) {
      // A pane that never appeared because tmux refused a line (`no space for new pane`) did not
      // "go": tmux's own words say why, even when they name no session.
      const why =
        batchErrors.find((e) => mentions(e, spec.session)) ??
        (batchErrors.length > 0 ? `did not start: ${batchErrors[0]}` : `${PANE_GONE} within ${spec.startSeconds}s of starting`);
      out.push({ session: spec.target, reason: why, output: [] });
    } else if (m.pane.dead) {
      const output = await lastOutput(tmux, m.pane.id);
      out.push({ session: spec.target, reason: `${describeExit(m.pane)} within ${spec.startSeconds}s of starting`, exit: m.pane.exit, output });
    }
  }
  return out;
}

async function lastOutput(tmux: Tmux, paneId: string): Promise<string[]> {
  const r = await tmux.exec(['capture-pane', '-p', '-J', '-S', '-200', '-t', paneId]);
  if (r.code !== 0) return [];
  const all = r.stdout.split('\n').map((l) => l.trimEnd());
  // A restarted pane shows the run before it above the marker: that is not this run's output.
  const lines = all.slice(all.findLastIndex((l) => l.startsWith(RESTART_MARKER)) + 1);
  // tmux's own "Pane is dead (...)" banner is not the command's output.
  const own = lines.filter((l) => !/^Pane is dead \(/.test(l));
  while (own.length > 0 && own.at(-1) === '') own.pop();
  return own.slice(-OUTPUT_LINES);
}

/** Whether a tmux error names this session, as a whole name: an error about `api-worker` is not about `api`. */
function mentions(error: string, name: string): boolean {
  // Session names are [A-Za-z0-9_-] only (the schema says so): nothing in them needs escaping.
  return new RegExp(`(^|[^A-Za-z0-9_-])${name}($|[^A-Za-z0-9_-])`).test(error);
}
