import { managedPanes, type ObservedState, paneSlot } from '../observe/types.js';
import { type DesiredState, type PaneSpec, panesOf } from '../spec/types.js';
import type { Action } from './types.js';

/** A pattern matching more processes than this on one look is refused, unless orphans.maxMatches says otherwise. */
export const DEFAULT_MAX_MATCHES = 5;

/**
 * A process matching a session's orphans.match that runs outside every tmuxctl session (on this
 * server or any other): a monitor left behind by a dead session, or a second copy started by hand.
 * Processes inside a tmuxctl session are left alone: two specs, or two servers applying one spec,
 * must not fight over each other's processes.
 *
 * The pattern is tested against `matchArgv`: arguments naming a data file the process holds open
 * are left out (see ObservedProcess), so a `tail -f` of a log named like the monitor is no match.
 *
 * A pattern that matches more than maxMatches processes is refused as a whole (it is more likely
 * too broad than a crowd of orphans): reported with the count, nothing stopped.
 *
 * A pattern declared on a session is inherited by each of its panes: it is tested once per session
 * (reported under the first pane that carries it), and each process is stopped once, whatever
 * number of patterns match it.
 */
export function planOrphans(desired: DesiredState, observed: ObservedState, refused: ReadonlySet<string>): Action[] {
  const out: Action[] = [];
  if (!observed.processes) return out;
  const tested = new Set<string>();
  const stopped = new Set<number>();
  for (const spec of desired.sessions.flatMap(panesOf)) {
    if (!spec.orphans) continue;
    // The name is held by a session tmuxctl leaves alone (a conflict): its process may well be the
    // user's own copy of this command, and tmuxctl starts nothing in its place.
    if (refused.has(spec.session)) continue;
    // Stopped by a person (`tmuxctl stop`): nothing runs in its place, so a copy they run by hand meanwhile is theirs.
    if (held(observed, spec)) continue;
    const key = JSON.stringify([spec.session, spec.orphans.match, spec.orphans.maxMatches]);
    if (tested.has(key)) continue;
    tested.add(key);
    const { match } = spec.orphans;
    const re = new RegExp(match);
    const found = observed.processes.filter((p) => p.session === undefined && re.test(p.matchArgv.join(' ')));
    const max = spec.orphans.maxMatches ?? DEFAULT_MAX_MATCHES;
    if (found.length > max) {
      out.push({
        kind: 'conflict',
        session: spec.session,
        target: spec.target,
        reason: `orphans.match ${JSON.stringify(match)} matches ${found.length} processes, more than orphans.maxMatches (${max}): none stopped`,
      });
      continue;
    }
    for (const p of found) {
      if (stopped.has(p.pid)) continue;
      stopped.add(p.pid);
      out.push({
        kind: 'kill-orphan',
        session: spec.session,
        target: spec.target,
        reason: `pid ${p.pid}: ${p.cmdline}`,
        pid: p.pid,
        startTime: p.startTime,
        command: p.cmdline,
        stopTimeoutSeconds: spec.stopTimeoutSeconds,
      });
    }
  }
  return out;
}

function held(observed: ObservedState, spec: PaneSpec): boolean {
  const live = observed.sessions.get(spec.session);
  return live !== undefined && managedPanes(live).get(paneSlot(spec.window, spec.index))?.stamp.hold !== undefined;
}
