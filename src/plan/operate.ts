import type { ManagedPane, PaneStamp } from '../observe/types.js';
import type { PaneSpec } from '../spec/types.js';
import { byKindThenTarget, DEFAULT_STOP_TIMEOUT_SECONDS, freshStamp } from './plan.js';
import { observedTarget } from './targets.js';
import type { Action, TreeStop } from './types.js';

/** `tmuxctl restart|stop|start TARGET...`: one pane, window or session at a time, by a person. */
export type Verb = 'restart' | 'stop' | 'start';

/** A pane a verb was pointed at, with what its session's recorded spec file declares for its slot. */
export interface VerbPane {
  managed: ManagedPane;
  /** Absent when that file no longer declares the pane (or was not read: `stop` needs no spec). */
  spec?: PaneSpec;
}

/** A pane the verb leaves as it is, and why (`already running`). */
export interface Unchanged {
  session: string;
  target: string;
  reason: string;
}

export interface VerbPlan {
  actions: Action[];
  unchanged: Unchanged[];
}

/**
 * Pure: what a verb does to each pane.
 * - restart: stop the tree and start `command` again (never `restartCommand`: a person asked for a
 *   fresh start), whatever the policy and any `update` strategy; counted as a restart, not a crash,
 *   so backoff is untouched. A stopped pane is started (its hold cleared), as `pm2 restart` does.
 * - stop: the hold `stopped` is stamped on the pane, then its tree stopped; apply and watch leave it
 *   until `start`. The dead pane stays, with its last output.
 * - start: clears the hold and starts it; a pane that died and is waiting (exited, backoff) is
 *   started at once too, with its crash count reset (a person asked). A running one is left.
 */
export function planVerb(verb: Verb, panes: readonly VerbPane[]): VerbPlan {
  const actions: Action[] = [];
  const unchanged: Unchanged[] = [];
  for (const { managed: m, spec } of panes) {
    const target = observedTarget(m.session, m);
    const session = m.session.name;
    const note = (reason: string) => unchanged.push({ session, target, reason });
    // A 0.1 session is read through the stamps on the session, not the pane: a hold or a new start
    // stamped on its pane would go unread (apply would start a stopped pane again). apply re-stamps it.
    if (m.session.legacy) {
      actions.push({ kind: 'conflict', session, target, reason: 'made by tmuxctl 0.1: run tmuxctl apply once to re-stamp it (the re-stamp restarts nothing)' });
      continue;
    }
    if (verb === 'stop') {
      // Held stopped and dead: nothing to do. Held and alive (a person ran `respawn-pane` in it meanwhile):
      // `stop` still means stopped, so that process goes too. A `failed` pane becomes `stopped`.
      if (m.stamp.hold === 'stopped' && m.pane.dead) {
        note('already stopped');
        continue;
      }
      const timeoutSeconds = m.stamp.stopTimeoutSeconds ?? spec?.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
      const stamp: PaneStamp = { ...m.stamp, hold: 'stopped', ...lastExit(m.pane.exit ?? m.stamp.lastExit) };
      actions.push({ kind: 'stop', session, target, reason: 'stop requested', observed: m.session, managed: m, stamp, stops: [stopOf(m, timeoutSeconds)] });
      continue;
    }
    if (verb === 'start' && !m.stamp.hold && !m.pane.dead) {
      note('already running');
      continue;
    }
    if (!spec) {
      actions.push({ kind: 'conflict', session, target, reason: `not declared in ${m.session.source ?? 'any spec file'}: apply removes it` });
      continue;
    }
    const restarts = verb === 'restart' ? m.stamp.restarts + 1 : m.stamp.restarts;
    const crashes = verb === 'restart' ? m.stamp.crashes : 0;
    const stamp: PaneStamp = { ...freshStamp(spec), restarts, crashes, ...lastExit(m.pane.exit ?? m.stamp.lastExit) };
    actions.push({
      kind: 'restart',
      session,
      target,
      reason: verb === 'restart' ? 'restart requested' : m.stamp.hold ? `start requested, was ${m.stamp.hold}` : 'start requested',
      observed: m.session,
      managed: m,
      pane: { spec, stamp },
      stops: [stopOf(m, spec.stopTimeoutSeconds)],
    });
  }
  actions.sort(byKindThenTarget);
  return { actions, unchanged };
}

function stopOf(m: ManagedPane, timeoutSeconds: number): TreeStop {
  return { pid: m.pane.pid, dead: m.pane.dead, timeoutSeconds };
}

function lastExit(e: PaneStamp['lastExit']): Pick<PaneStamp, 'lastExit'> {
  return e ? { lastExit: e } : {};
}
