import { managedPanes, type ManagedPane, type ObservedState } from '../observe/types.js';
import { parseDependencyTarget } from '../spec/dependency-target.js';
import { type DesiredState, panesOf } from '../spec/types.js';
import { byKindThenTarget, DEFAULT_STOP_TIMEOUT_SECONDS, NOT_OWNED, withinRoots } from './plan.js';
import { observedTarget, type TargetPattern } from './targets.js';
import type { Action, Plan, TreeStop } from './types.js';

export interface DeleteScope {
  /** The -f paths the names came from: a session recorded as declared elsewhere is not theirs to delete. */
  roots: readonly string[];
  displayPath?: (absolute: string) => string;
}

/**
 * Plan for `delete`: stop and remove what tmuxctl owns, by declaration or by target: a whole
 * session, one window (`session:window`) or one pane (`session:window.N`) of it. With a scope (the
 * names come from specs), only what those specs own: a session whose recorded source lies outside
 * them is reported as a conflict and left alone. `stopTimeouts` holds the declared stop timeouts by
 * `session:window.N` (the stamps answer for panes not declared).
 */
export function planDelete(targets: readonly TargetPattern[], observed: ObservedState, stopTimeouts: ReadonlyMap<string, number>, scope?: DeleteScope): Plan {
  const actions: Action[] = [];
  const show = scope?.displayPath ?? ((p: string) => p);
  const stopOf = (m: ManagedPane): TreeStop => ({
    pid: m.pane.pid,
    dead: m.pane.dead,
    timeoutSeconds: stopTimeouts.get(`${m.session.name}:${m.stamp.window}.${m.stamp.index}`) ?? m.stamp.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
  });
  for (const t of targets) {
    const live = observed.sessions.get(t.session);
    if (!live) continue;
    const target = t.window === undefined ? t.session : t.index === undefined ? `${t.session}:${t.window}` : `${t.session}:${t.window}.${t.index}`;
    if (!live.owned) {
      actions.push({ kind: 'conflict', session: t.session, target, reason: NOT_OWNED });
      continue;
    }
    if (scope && live.source !== undefined && !withinRoots(live.source, scope.roots)) {
      actions.push({ kind: 'conflict', session: t.session, target, reason: `owned by ${show(live.source)}` });
      continue;
    }
    const panes = [...managedPanes(live).values()];
    if (t.window === undefined) {
      actions.push({
        kind: 'kill',
        session: t.session,
        target,
        reason: 'deleted',
        observed: live,
        stops: panes.map(stopOf),
        logs: panes.map((m) => observedTarget(live, m)),
      });
      continue;
    }
    if (t.index !== undefined) {
      const m = panes.find((p) => p.stamp.window === t.window && p.stamp.index === t.index);
      if (m)
        actions.push({
          kind: 'kill-pane',
          session: t.session,
          target: observedTarget(live, m),
          reason: 'deleted',
          observed: live,
          managed: m,
          stops: [stopOf(m)],
        });
      continue;
    }
    const window = live.windows.find((w) => w.stamp?.name === t.window);
    if (!window) continue;
    const inWindow = panes.filter((m) => m.window === window);
    actions.push({
      kind: 'kill-window',
      session: t.session,
      target,
      reason: 'deleted',
      observed: live,
      window,
      panes: inWindow,
      stops: inWindow.map(stopOf),
      logs: inWindow.map((m) => observedTarget(live, m)),
    });
  }
  actions.sort(byKindThenTarget);
  return { actions };
}

/**
 * `delete` stops dependents before what they depend on (`dependsOn`, read from the specs): the plan
 * split into waves, each run to its end (every tree stopped) before the next starts. A session's
 * wave is the length of the longest chain of sessions that depend on it, so a dependent of a
 * dependent goes first of all. Without specs (names only) there is one wave. Conflicts ride in the first.
 */
export function stopWaves(p: Plan, desired: DesiredState | undefined): Plan[] {
  const dependents = new Map<string, Set<string>>();
  for (const s of desired?.sessions ?? []) {
    for (const d of panesOf(s).flatMap((pane) => pane.dependsOn ?? [])) {
      const on = parseDependencyTarget(d.target).session;
      if (on === s.name) continue;
      dependents.set(on, (dependents.get(on) ?? new Set()).add(s.name));
    }
  }
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: ReadonlySet<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    let d = 0;
    // Validation refuses cycles; `seen` only makes sure a bad input cannot recurse forever.
    for (const dep of dependents.get(name) ?? []) if (!seen.has(dep)) d = Math.max(d, 1 + depthOf(dep, new Set([...seen, dep])));
    depth.set(name, d);
    return d;
  };
  const waves: Action[][] = [];
  for (const a of p.actions) {
    const wave = a.kind === 'conflict' ? 0 : depthOf(a.session, new Set([a.session]));
    (waves[wave] ??= []).push(a);
  }
  return waves.filter((w) => w !== undefined).map((actions) => ({ actions }));
}
