import { dirname } from 'node:path';
import type { ObservedSession, ObservedState } from '../observe/types.js';
import type { DesiredState } from '../spec/types.js';
import { describeHashChange, specHash } from './hash.js';
import { backoffDelayMs, crashesAfterRun } from './backoff.js';
import { judgeDeadPane } from './restart-decision.js';
import type { Action, Plan, PlanOptions } from './types.js';

export const NOT_OWNED = 'exists, not managed by tmuxctl';

/**
 * Pure: from what is declared and what one snapshot saw, the actions that converge them, each with
 * its reason. Sessions tmuxctl does not own are never acted on.
 */
export function plan(desired: DesiredState, observed: ObservedState, opts: PlanOptions): Plan {
  const actions: Action[] = [];
  let requeueAfterMs: number | undefined;
  const declared = new Set<string>();

  for (const spec of desired.sessions) {
    declared.add(spec.name);
    const live = observed.sessions.get(spec.name);
    const hash = specHash(spec);
    if (!live) {
      actions.push({ kind: 'create', session: spec.name, reason: 'not found', spec, stamp: { hash, restarts: 0, crashes: 0 } });
      continue;
    }
    if (!live.owned) {
      actions.push({ kind: 'conflict', session: spec.name, reason: NOT_OWNED });
      continue;
    }
    if (live.hash !== hash) {
      // A spec change is not a crash: the restart count (OPT.restarts) only counts deaths.
      const stamp = { hash, restarts: live.restarts, crashes: 0, lastExit: live.pane.exit ?? live.lastExit };
      actions.push({ kind: 'restart', session: spec.name, reason: describeHashChange(live.hash ?? '', hash), spec, observed: live, stamp });
      continue;
    }
    if (live.pane.dead) {
      const verdict = judgeDeadPane(spec, live);
      if (verdict.restart) {
        if (opts.honourBackoff && verdict.dueAt > opts.now) {
          const wait = verdict.dueAt - opts.now;
          requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, wait);
        } else {
          const stamp = { hash, restarts: live.restarts + 1, crashes: verdict.crashes, lastExit: live.pane.exit };
          actions.push({ kind: 'restart', session: spec.name, reason: verdict.why, spec, observed: live, stamp });
        }
        continue;
      }
    }
    const sick = observed.unhealthy?.get(spec.name);
    if (!live.pane.dead && sick && sick.startedAt === live.startedAt) {
      // A failed health check restarts like a crash: counted, and spaced by backoff.
      const crashes = crashesAfterRun(live.crashes, sick.since - sick.startedAt, spec.backoff);
      const dueAt = sick.since + backoffDelayMs(crashes, spec.backoff);
      if (opts.honourBackoff && dueAt > opts.now) {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, dueAt - opts.now);
      } else {
        const stamp = { hash, restarts: live.restarts + 1, crashes: crashes + 1, lastExit: live.lastExit };
        actions.push({ kind: 'restart', session: spec.name, reason: sick.detail, spec, observed: live, stamp });
      }
      continue;
    }
    if (live.source !== spec.source) {
      actions.push({ kind: 'update', session: spec.name, reason: `now declared in ${spec.source}`, observed: live, source: spec.source });
    }
  }

  actions.push(...planOrphans(desired, observed));

  for (const live of observed.sessions.values()) {
    if (declared.has(live.name) || !live.owned) continue;
    if (live.source !== undefined && withinRoots(live.source, desired.roots)) {
      actions.push({
        kind: 'kill',
        session: live.name,
        reason: 'no longer declared',
        observed: live,
        stopTimeoutSeconds: opts.defaultStopTimeoutSeconds ?? 10,
      });
    }
  }

  actions.sort(byKindThenName);
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs };
}

/**
 * Prune scope: a session belongs to the paths being applied when its recorded source file is one of
 * them, or sits directly in one of the folders (folders are read without recursion, so a spec in a
 * subfolder was never loaded from there and is not pruned on its behalf).
 */
export function withinRoots(source: string, roots: readonly string[]): boolean {
  return roots.some((r) => source === r || dirname(source) === r);
}

/**
 * A process matching a session's orphans.match that runs outside every managed session: a monitor
 * left behind by a dead session, or a second copy started by hand. (Processes inside any managed
 * session are left alone: two specs must not fight over each other's processes.)
 */
function planOrphans(desired: DesiredState, observed: ObservedState): Action[] {
  const out: Action[] = [];
  for (const spec of desired.sessions) {
    if (!spec.orphans || !observed.processes) continue;
    // The name is held by a session tmuxctl does not own (a conflict): its process may well be the
    // user's own copy of this command, and tmuxctl starts nothing in its place.
    const live = observed.sessions.get(spec.name);
    if (live && !live.owned) continue;
    const re = new RegExp(spec.orphans.match);
    for (const p of observed.processes) {
      if (p.session !== undefined || !re.test(p.cmdline)) continue;
      out.push({
        kind: 'kill-orphan',
        session: spec.name,
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

const KIND_ORDER: Record<Action['kind'], number> = { conflict: 0, 'kill-orphan': 1, kill: 2, restart: 3, create: 4, update: 5 };

function byKindThenName(a: Action, b: Action): number {
  // By code unit, as the loader orders sessions: localeCompare would load ICU's collator (~5 ms) for names that are ASCII anyway.
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.session < b.session ? -1 : a.session > b.session ? 1 : 0);
}

/** Plan for `delete`: stop and remove owned sessions, by declaration or by name. */
export function planDelete(names: readonly string[], observed: ObservedState, stopTimeouts: ReadonlyMap<string, number>): Plan {
  const actions: Action[] = [];
  for (const name of names) {
    const live: ObservedSession | undefined = observed.sessions.get(name);
    if (!live) continue;
    if (!live.owned) {
      actions.push({ kind: 'conflict', session: name, reason: NOT_OWNED });
      continue;
    }
    actions.push({ kind: 'kill', session: name, reason: 'deleted', observed: live, stopTimeoutSeconds: stopTimeouts.get(name) ?? 10 });
  }
  actions.sort(byKindThenName);
  return { actions };
}
