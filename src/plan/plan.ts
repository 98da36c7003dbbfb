import { dirname } from 'node:path';
import type { ObservedSession, ObservedState } from '../observe/types.js';
import type { DesiredState, SessionSpec } from '../spec/types.js';
import { describeHashChange, specHash } from './hash.js';
import { backoffDelayMs, crashesAfterRun } from './backoff.js';
import { judgeDeadPane } from './restart-decision.js';
import { planOrphans } from './orphans.js';
import type { Action, Plan, PlanOptions } from './types.js';

export const NOT_OWNED = 'exists, not managed by tmuxctl';
export const PANE_GONE = 'managed pane gone';
const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/**
 * Pure: from what is declared and what one snapshot saw, the actions that converge them, each with
 * its reason. Sessions tmuxctl does not own, and owned sessions declared outside the applied paths,
 * are never acted on.
 */
export function plan(desired: DesiredState, observed: ObservedState, opts: PlanOptions): Plan {
  const actions: Action[] = [];
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number) => {
    requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, ms);
  };
  const declared = new Set<string>();
  const show = opts.displayPath ?? ((p: string) => p);
  /** Declared sessions tmuxctl leaves alone (so are their orphans: it starts nothing in their place). */
  const refused = new Set<string>();

  for (const spec of desired.sessions) {
    declared.add(spec.name);
    const live = observed.sessions.get(spec.name);
    const hash = specHash(spec);
    const conflict = conflictOf(spec, live, desired, opts, show);
    if (conflict) {
      refused.add(spec.name);
      actions.push({ kind: 'conflict', session: spec.name, reason: conflict });
      continue;
    }
    // A start in a directory that is gone would silently run elsewhere (tmux falls back to another
    // one): report it, keep what runs, and look again after the backoff delay.
    const cwdGone = observed.missingCwds?.has(spec.cwd) === true;
    /** Every create and restart goes through here: none starts in a cwd that is gone. */
    const start = (action: Extract<Action, { kind: 'create' | 'restart' }>): void => {
      if (!cwdGone) {
        actions.push(action);
        return;
      }
      refused.add(spec.name); // nothing starts in its place, so a copy running outside is not stopped either
      actions.push({ kind: 'conflict', session: spec.name, reason: `cwd ${show(spec.cwd)} no longer exists` });
      requeue(Math.max(backoffDelayMs(Math.max(1, live?.crashes ?? 0), spec.backoff), 1000));
    };
    if (!live) {
      start({ kind: 'create', session: spec.name, reason: 'not found', spec, stamp: { hash, restarts: 0, crashes: 0 } });
      continue;
    }
    if (!live.pane) {
      // The user killed the managed pane and kept panes of their own: those are theirs, and the
      // command gets a new window of its own in the same session. Counted as a death.
      const stamp = { hash, restarts: live.restarts + 1, crashes: live.crashes, lastExit: live.lastExit };
      start({ kind: 'restart', session: spec.name, reason: PANE_GONE, spec, observed: live, stamp });
      continue;
    }
    if (live.hash !== hash) {
      // A spec change is not a crash: the restart count (OPT.restarts) only counts deaths.
      const stamp = { hash, restarts: live.restarts, crashes: 0, lastExit: live.pane.exit ?? live.lastExit };
      start({ kind: 'restart', session: spec.name, reason: describeHashChange(live.hash ?? '', hash), spec, observed: live, stamp });
      continue;
    }
    if (live.pane.dead) {
      const verdict = judgeDeadPane(spec, live);
      if (verdict.restart) {
        if (opts.honourBackoff && verdict.dueAt > opts.now) {
          requeue(verdict.dueAt - opts.now);
        } else {
          const stamp = { hash, restarts: live.restarts + 1, crashes: verdict.crashes, lastExit: live.pane.exit };
          start({ kind: 'restart', session: spec.name, reason: verdict.why, spec, observed: live, stamp });
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
        requeue(dueAt - opts.now);
      } else {
        const stamp = { hash, restarts: live.restarts + 1, crashes: crashes + 1, lastExit: live.lastExit };
        start({ kind: 'restart', session: spec.name, reason: sick.detail, spec, observed: live, stamp });
      }
      continue;
    }
    const update = stampUpdate(spec, live, show);
    if (update) actions.push(update);
  }

  actions.push(...planOrphans(desired, observed, refused));

  for (const live of observed.sessions.values()) {
    if (declared.has(live.name) || !live.owned) continue;
    if (live.source !== undefined && withinRoots(live.source, desired.roots)) {
      actions.push({
        kind: 'kill',
        session: live.name,
        reason: 'no longer declared',
        observed: live,
        stopTimeoutSeconds: live.stopTimeoutSeconds ?? opts.defaultStopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
      });
    }
  }

  actions.sort(byKindThenName);
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs };
}

/**
 * Why tmuxctl must leave a declared session alone, if it must: the name is held by a session it does
 * not own, or by one declared in a spec file outside the applied paths (another folder's session of
 * the same name: `apply --take-over` makes it this one's). A move between files within the applied
 * paths is no conflict: the recorded source is updated.
 */
function conflictOf(
  spec: SessionSpec,
  live: ObservedSession | undefined,
  desired: DesiredState,
  opts: PlanOptions,
  show: (p: string) => string,
): string | undefined {
  if (!live) return undefined;
  if (!live.owned) return NOT_OWNED;
  if (opts.takeOver || !declaredElsewhere(spec, live, desired.roots)) return undefined;
  return `owned by ${show(live.source!)}`;
}

/**
 * An owned session recorded as declared in a spec file outside `roots`: another folder's session of
 * the same name. A move between files within the roots is not (its recorded source is updated).
 */
export function declaredElsewhere(spec: SessionSpec, live: ObservedSession, roots: readonly string[]): boolean {
  return live.source !== undefined && live.source !== spec.source && !withinRoots(live.source, roots);
}

/** Stamps to bring up to date on a session that is otherwise as declared. */
function stampUpdate(spec: SessionSpec, live: ObservedSession, show: (p: string) => string): Action | undefined {
  const moved = live.source !== spec.source;
  // A session stamped by an older tmuxctl has no stop timeout stamp; it gets one at its next start.
  const stopChanged = live.stopTimeoutSeconds !== undefined && live.stopTimeoutSeconds !== spec.stopTimeoutSeconds;
  if (!moved && !stopChanged) return undefined;
  const reasons: string[] = [];
  if (moved) reasons.push(`now declared in ${show(spec.source)}`);
  if (stopChanged) reasons.push(`stopTimeoutSeconds ${live.stopTimeoutSeconds} -> ${spec.stopTimeoutSeconds}`);
  return {
    kind: 'update',
    session: spec.name,
    reason: reasons.join(', '),
    observed: live,
    ...(moved && { source: spec.source }),
    ...(stopChanged && { stopTimeoutSeconds: spec.stopTimeoutSeconds }),
  };
}

/**
 * Prune scope: a session belongs to the paths being applied when its recorded source file is one of
 * them, or sits directly in one of the folders (folders are read without recursion, so a spec in a
 * subfolder was never loaded from there and is not pruned on its behalf).
 */
export function withinRoots(source: string, roots: readonly string[]): boolean {
  return roots.some((r) => source === r || dirname(source) === r);
}

const KIND_ORDER: Record<Action['kind'], number> = { conflict: 0, 'kill-orphan': 1, kill: 2, restart: 3, create: 4, update: 5 };

function byKindThenName(a: Action, b: Action): number {
  // By code unit, as the loader orders sessions: localeCompare would load ICU's collator (~5 ms) for names that are ASCII anyway.
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.session < b.session ? -1 : a.session > b.session ? 1 : 0);
}

export interface DeleteScope {
  /** The -f paths the names came from: a session recorded as declared elsewhere is not theirs to delete. */
  roots: readonly string[];
  displayPath?: (absolute: string) => string;
}

/**
 * Plan for `delete`: stop and remove owned sessions, by declaration or by name. With a scope (the
 * names come from specs), only what those specs own: a session whose recorded source lies outside
 * them is reported as a conflict and left alone.
 */
export function planDelete(names: readonly string[], observed: ObservedState, stopTimeouts: ReadonlyMap<string, number>, scope?: DeleteScope): Plan {
  const actions: Action[] = [];
  const show = scope?.displayPath ?? ((p: string) => p);
  for (const name of names) {
    const live: ObservedSession | undefined = observed.sessions.get(name);
    if (!live) continue;
    if (!live.owned) {
      actions.push({ kind: 'conflict', session: name, reason: NOT_OWNED });
      continue;
    }
    if (scope && live.source !== undefined && !withinRoots(live.source, scope.roots)) {
      actions.push({ kind: 'conflict', session: name, reason: `owned by ${show(live.source)}` });
      continue;
    }
    const stopTimeoutSeconds = stopTimeouts.get(name) ?? live.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
    actions.push({ kind: 'kill', session: name, reason: 'deleted', observed: live, stopTimeoutSeconds });
  }
  actions.sort(byKindThenName);
  return { actions };
}
