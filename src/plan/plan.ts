import { dirname } from 'node:path';
import { type ManagedPane, managedPanes, type ObservedSession, type ObservedState, type ObservedWindow, type PaneStamp, paneSlot } from '../observe/types.js';
import { type DesiredState, type PaneSpec, panesOf, type SessionSpec, type WindowSpec } from '../spec/types.js';
import { backoffDelayMs, crashesAfterRun } from './backoff.js';
import { gateStarts } from './dependencies.js';
import { describeHashChange, specHash } from './hash.js';
import { planOrphans } from './orphans.js';
import { swapsToOrder } from './reorder.js';
import { judgeDeadPane } from './restart-decision.js';
import { observedTarget, windowTarget } from './targets.js';
import type { Action, PaneStart, Plan, PlanOptions, TreeStop, Waiting, WindowStart } from './types.js';

export const NOT_OWNED = 'exists, not managed by tmuxctl';
export const PANE_GONE = 'managed pane gone';
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/**
 * Pure: from what is declared and what one snapshot saw, the actions that converge them, pane by
 * pane, each with its reason. Sessions tmuxctl does not own, owned sessions declared outside the
 * applied paths, and windows and panes without tmuxctl's stamp are never acted on.
 */
export function plan(desired: DesiredState, observed: ObservedState, opts: PlanOptions): Plan {
  const actions: Action[] = [];
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number) => {
    requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, ms);
  };
  const declared = new Set<string>();
  const show = opts.displayPath ?? ((p: string) => p);
  /** Declared sessions tmuxctl leaves alone, wholly or in part (so are their orphans: it starts nothing in their place). */
  const refused = new Set<string>();
  const waiting: Waiting[] = [];

  for (const spec of desired.sessions) {
    declared.add(spec.name);
    const live = observed.sessions.get(spec.name);
    const conflict = conflictOf(spec, live, desired, opts, show);
    if (conflict) {
      refused.add(spec.name);
      actions.push({ kind: 'conflict', session: spec.name, target: spec.name, reason: conflict });
      continue;
    }
    const ctx: SessionPlan = { spec, observed, opts, show, actions, requeue, refuse: () => refused.add(spec.name), wait: (w) => waiting.push(w) };
    if (!live) {
      // A start in a directory that is gone would silently run elsewhere (tmux falls back to another one).
      const gone = panesOf(spec).find((p) => cwdGone(ctx, p));
      if (gone) {
        blockedByCwd(ctx, spec.name, gone, 0);
        continue;
      }
      const windows = spec.windows.map((w) => windowStart(spec, w));
      actions.push({ kind: 'create', session: spec.name, target: spec.name, reason: 'not found', spec, windows });
      continue;
    }
    planSession(ctx, live);
  }
  // dependsOn: a start whose dependencies are not met yet waits (plan/dependencies.ts).
  const gate = gateStarts(desired, observed, actions.splice(0), opts.now);
  actions.push(...gate.actions);
  waiting.push(...gate.waiting);
  if (gate.requeueAfterMs !== undefined) requeue(gate.requeueAfterMs);

  actions.push(...planOrphans(desired, observed, refused));

  for (const live of observed.sessions.values()) {
    if (declared.has(live.name) || !live.owned) continue;
    if (live.source !== undefined && withinRoots(live.source, desired.roots)) {
      const panes = [...managedPanes(live).values()];
      const stops = panes.map((m) => treeStop(m, opts));
      actions.push({
        kind: 'kill',
        session: live.name,
        target: live.name,
        reason: 'no longer declared',
        observed: live,
        stops,
        logs: panes.map((m) => observedTarget(live, m)),
      });
    }
  }

  actions.sort(byKindThenTarget);
  return { actions, ...(waiting.length > 0 && { waiting }), ...(requeueAfterMs !== undefined && { requeueAfterMs }) };
}

interface SessionPlan {
  spec: SessionSpec;
  observed: ObservedState;
  opts: PlanOptions;
  show: (p: string) => string;
  actions: Action[];
  requeue: (ms: number) => void;
  refuse: () => void;
  /** A changed pane its `update` strategy keeps as it is, for now. */
  wait: (w: Waiting) => void;
}

/** A live session tmuxctl owns: windows added, removed and reordered, then every pane. */
function planSession(ctx: SessionPlan, live: ObservedSession): void {
  const { spec, actions } = ctx;
  const managed = managedPanes(live);
  const owned = new Map<string, ObservedWindow>();
  for (const w of live.windows) if (w.stamp && !owned.has(w.stamp.name)) owned.set(w.stamp.name, w);
  let nextFree = Math.max(-1, ...live.windows.map((w) => w.index)) + 1;
  /** The index each spec window holds (or will, once created): reordered at the end. */
  const indexes: number[] = [];
  const restarted = new Set<string>();

  for (const w of spec.windows) {
    const window = owned.get(w.name);
    if (!window) {
      const gone = w.panes.find((p) => cwdGone(ctx, p));
      if (gone) {
        blockedByCwd(ctx, windowTarget(spec, w), gone, 0);
        continue;
      }
      const at = { index: nextFree++ };
      indexes.push(at.index);
      actions.push({
        kind: 'create-window',
        session: spec.name,
        target: windowTarget(spec, w),
        reason: spec.windowsDeclared ? 'window added' : PANE_GONE,
        observed: live,
        window: windowStart(spec, w),
        at,
      });
      continue;
    }
    indexes.push(window.index);
    planWindow(ctx, live, w, window, managed, restarted);
  }

  for (const window of live.windows) {
    const name = window.stamp?.name;
    if (name === undefined) continue;
    const kept = owned.get(name) === window && spec.windows.some((w) => w.name === name);
    if (kept) continue;
    const panes = [...managed.values()].filter((m) => m.window === window);
    actions.push({
      kind: 'kill-window',
      session: spec.name,
      target: `${spec.name}:${name}`,
      reason: owned.get(name) === window ? 'window removed' : 'a second window stamped with this name',
      observed: live,
      window,
      panes,
      stops: panes.map((m) => treeStop(m, ctx.opts)),
      logs: panes.map((m) => observedTarget(live, m)),
    });
  }

  // A pane of a removed window that a person moved into another window (join-pane, swap-pane)
  // keeps its stamp there: stopped and killed with its window, never left running as ours.
  const killed = new Set(actions.flatMap((a) => (a.kind === 'kill-window' && a.session === spec.name ? a.panes.map((m) => m.pane.id) : [])));
  for (const m of managed.values()) {
    if (killed.has(m.pane.id) || spec.windows.some((w) => w.name === m.stamp.window)) continue;
    actions.push({
      kind: 'kill-pane',
      session: spec.name,
      target: observedTarget(live, m),
      reason: 'window removed',
      observed: live,
      managed: m,
      stops: [treeStop(m, ctx.opts)],
    });
  }

  const swaps = swapsToOrder(indexes);
  if (swaps.length > 0) actions.push({ kind: 'reorder', session: spec.name, target: spec.name, reason: 'windows out of spec order', observed: live, swaps });

  const update = stampUpdate(ctx, live, managed, restarted);
  if (update) actions.push(update);
}

/** One window tmuxctl made: its panes started, restarted, added or removed; its layout applied again when that changed. */
function planWindow(
  ctx: SessionPlan,
  live: ObservedSession,
  w: WindowSpec,
  window: ObservedWindow,
  managed: Map<string, ManagedPane>,
  restarted: Set<string>,
): void {
  const { spec, actions } = ctx;
  const declaredBefore = window.stamp?.panes ?? 0;
  let panesChanged = false;
  for (const p of w.panes) {
    const m = managed.get(paneSlot(w.name, p.index));
    if (m) {
      if (planPane(ctx, live, p, m)) restarted.add(paneSlot(w.name, p.index));
      continue;
    }
    if (cwdGone(ctx, p)) {
      blockedByCwd(ctx, p.target, p, 0);
      continue;
    }
    // A slot the window had is empty: its pane was killed by hand. A person's own panes never stand in.
    const reason = p.index < declaredBefore ? PANE_GONE : 'pane added';
    actions.push({ kind: 'split', session: spec.name, target: p.target, reason, observed: live, window, pane: { spec: p, stamp: freshStamp(p) } });
    panesChanged = true;
  }
  for (const m of managed.values()) {
    if (m.stamp.window !== w.name || m.stamp.index < w.panes.length) continue;
    actions.push({
      kind: 'kill-pane',
      session: spec.name,
      target: observedTarget(live, m),
      reason: 'pane removed',
      observed: live,
      managed: m,
      stops: [treeStop(m, ctx.opts)],
    });
    panesChanged = true;
  }
  const layout = effectiveLayout(w);
  const stamp = window.stamp;
  if ((panesChanged && layout !== undefined) || stamp?.layout !== layout || stamp?.panes !== w.panes.length) {
    const reason = panesChanged
      ? 'panes added or removed'
      : stamp?.layout !== layout
        ? `layout ${stamp?.layout ?? 'none'} -> ${layout ?? 'none'}`
        : `${w.panes.length} panes declared`;
    actions.push({
      kind: 'layout',
      session: spec.name,
      target: windowTarget(spec, w),
      reason,
      observed: live,
      window,
      name: w.name,
      ...(layout !== undefined && { layout }),
      panes: w.panes.length,
    });
  }
}

/**
 * One pane tmuxctl started: restarted when its spec changed (as its `update` strategy allows), it
 * died, or it failed its health check; left alone while a person holds it stopped. Returns whether
 * it restarts.
 */
function planPane(ctx: SessionPlan, live: ObservedSession, p: PaneSpec, m: ManagedPane): boolean {
  const { spec, actions, opts } = ctx;
  // `tmuxctl stop`: nothing restarts it, not a death, not a spec change, not --force, until `tmuxctl start`.
  if (m.stamp.hold === 'stopped') return false;
  const hash = specHash(p);
  const restart = (reason: string, stamp: PaneStamp, resume: boolean): boolean => {
    if (cwdGone(ctx, p)) {
      blockedByCwd(ctx, p.target, p, m.stamp.crashes);
      return false;
    }
    const pane: PaneStart = { spec: p, stamp, ...(resume && { resume: true as const }) };
    actions.push({
      kind: 'restart',
      session: spec.name,
      target: p.target,
      reason,
      observed: live,
      managed: m,
      pane,
      stops: [{ pid: m.pane.pid, dead: m.pane.dead, timeoutSeconds: p.stopTimeoutSeconds }],
    });
    return true;
  };
  const base = { window: p.window, index: p.index, hash, stopTimeoutSeconds: p.stopTimeoutSeconds, log: p.target };
  const change = m.stamp.hash === hash ? undefined : describeHashChange(m.stamp.hash, hash);
  if (m.stamp.hold === 'failed') {
    // Given up on (maxRestarts): a change of its spec or --force starts it again, its limit counted afresh.
    if (change === undefined && !opts.force) return false;
    return restart(change ?? 'forced, was failed', { ...base, restarts: m.stamp.restarts, crashes: 0, ...lastExit(m.pane.exit ?? m.stamp.lastExit) }, false);
  }
  /**
   * A restart after the process ended or failed its health check: counted, run with restartCommand,
   * and refused once it would pass maxRestarts (the pane is then left `failed`).
   */
  const recover = (why: string, stamp: PaneStamp): boolean => {
    const limit = p.maxRestarts;
    if (!limit) return restart(why, stamp, true);
    const recent = (m.stamp.recentRestarts ?? []).filter((t) => t > opts.now - limit.withinSeconds * 1000);
    if (recent.length < limit.count) return restart(why, { ...stamp, recentRestarts: [...recent, opts.now] }, true);
    actions.push({
      kind: 'give-up',
      session: spec.name,
      target: p.target,
      reason: `${why}; restarted ${recent.length} time${recent.length === 1 ? '' : 's'} within ${limit.withinSeconds}s (maxRestarts)`,
      observed: live,
      managed: m,
      stamp: { ...m.stamp, hold: 'failed', ...lastExit(m.pane.exit ?? m.stamp.lastExit) },
      stops: [{ pid: m.pane.pid, dead: m.pane.dead, timeoutSeconds: p.stopTimeoutSeconds }],
    });
    return true;
  };
  const waiting = change === undefined || opts.force ? undefined : updateWait(p, live, m);
  // update: on-exit and the process has ended: the change rides on the restart its end brings.
  const rides = change !== undefined && !opts.force && p.update === 'on-exit' && m.pane.dead;
  // A spec change is not a crash: the restart count only counts deaths.
  const changeRestart = () => restart(change!, { ...base, restarts: m.stamp.restarts, crashes: 0, ...lastExit(m.pane.exit ?? m.stamp.lastExit) }, false);
  if (change !== undefined && waiting === undefined && !rides) return changeRestart();
  const wait = () => {
    ctx.wait({ session: spec.name, target: p.target, reason: waiting! });
    return false;
  };
  if (m.pane.dead) {
    // A change that waits takes effect with the restart the policy makes anyway (on-exit's whole point).
    const verdict = judgeDeadPane(p, m.pane, m.stamp);
    // Its policy does not restart it (an exit under on-failure, never): the change starts it, as under `restart`.
    if (!verdict.restart) return rides ? changeRestart() : waiting !== undefined ? wait() : false;
    if (opts.honourBackoff && verdict.dueAt > opts.now) {
      ctx.requeue(verdict.dueAt - opts.now);
      return waiting !== undefined ? wait() : false;
    }
    const why = change === undefined ? verdict.why : `${verdict.why}; ${change}`;
    return recover(why, { ...base, restarts: m.stamp.restarts + 1, crashes: verdict.crashes, ...lastExit(m.pane.exit) });
  }
  const sick = ctx.observed.unhealthy?.get(p.target);
  if (sick && sick.startedAt === m.stamp.startedAt) {
    // A failed health check restarts like a crash: counted, and spaced by backoff.
    const crashes = crashesAfterRun(m.stamp.crashes, sick.since - sick.startedAt, p.backoff);
    const dueAt = sick.since + backoffDelayMs(crashes, p.backoff);
    if (opts.honourBackoff && dueAt > opts.now) {
      ctx.requeue(dueAt - opts.now);
      return waiting !== undefined ? wait() : false;
    }
    const why = change === undefined ? sick.detail : `${sick.detail}; ${change}`;
    return recover(why, { ...base, restarts: m.stamp.restarts + 1, crashes: crashes + 1, ...lastExit(m.stamp.lastExit) });
  }
  return waiting !== undefined ? wait() : false;
}

/**
 * Why a changed pane is not restarted yet, by its `update` strategy; undefined when it is. A pane
 * that `on-exit` waits for and that is already dead takes the change at its next start.
 */
export function updateWait(p: Pick<PaneSpec, 'update'>, live: Pick<ObservedSession, 'attached'>, m: Pick<ManagedPane, 'pane'>): string | undefined {
  if (p.update === 'when-detached' && live.attached > 0) return `waiting for ${live.attached} attached client${live.attached === 1 ? '' : 's'} to detach`;
  if (p.update === 'on-exit' && !m.pane.dead) return 'waiting for the process to exit';
  return undefined;
}

/**
 * Stamps to bring up to date on a session that is otherwise as declared: the spec file it is declared
 * in, each pane's stop timeout, and a tmuxctl 0.1 session re-stamped per pane (nothing restarts).
 */
function stampUpdate(ctx: SessionPlan, live: ObservedSession, managed: Map<string, ManagedPane>, restarted: Set<string>): Action | undefined {
  const { spec, show } = ctx;
  const reasons: string[] = [];
  const moved = live.source !== spec.source;
  if (moved) reasons.push(`now declared in ${show(spec.source)}`);
  const panes: Array<{ managed: ManagedPane; stamp: PaneStamp; log?: { from: string; to: string } }> = [];
  for (const p of panesOf(spec)) {
    const slot = paneSlot(p.window, p.index);
    const m = managed.get(slot);
    if (!m || restarted.has(slot)) continue;
    // A pane stamped by an older tmuxctl has no stop timeout stamp; it gets one at its next start.
    const stopChanged = m.stamp.stopTimeoutSeconds !== undefined && m.stamp.stopTimeoutSeconds !== p.stopTimeoutSeconds;
    if (stopChanged)
      reasons.push(`${p.target === spec.name ? '' : `${p.target}: `}stopTimeoutSeconds ${m.stamp.stopTimeoutSeconds} -> ${p.stopTimeoutSeconds}`);
    // Its target changed without a restart (the session grew or shrank): its output goes to the log of the new name.
    const logMoved = (m.stamp.log ?? p.target) !== p.target;
    if (logMoved) reasons.push(`${m.stamp.log} is now ${p.target}: its log follows`);
    if (stopChanged || logMoved || live.legacy) {
      const stamp = { ...m.stamp, ...(stopChanged && { stopTimeoutSeconds: p.stopTimeoutSeconds }), log: p.target };
      panes.push({ managed: m, stamp, ...(logMoved && { log: { from: m.stamp.log!, to: p.target } }) });
    }
  }
  const windows = live.legacy ? live.windows.flatMap((window) => (window.stamp ? [{ window, name: window.stamp.name, panes: window.stamp.panes }] : [])) : [];
  if (live.legacy) reasons.push('stamped by tmuxctl 0.1, re-stamped per pane');
  if (reasons.length === 0) return undefined;
  return {
    kind: 'update',
    session: spec.name,
    target: spec.name,
    reason: reasons.join(', '),
    observed: live,
    ...(moved && { source: spec.source }),
    ...(live.legacy && { migrate: true as const }),
    panes,
    windows,
  };
}

/** A window of several panes with no declared layout gets tmux's `tiled`, as each split needs room. */
export function effectiveLayout(w: WindowSpec): string | undefined {
  return w.layout ?? (w.panes.length > 1 ? 'tiled' : undefined);
}

function windowStart(spec: SessionSpec, w: WindowSpec): WindowStart {
  const layout = effectiveLayout(w);
  return { spec: w, named: spec.windowsDeclared, ...(layout !== undefined && { layout }), panes: w.panes.map((p) => ({ spec: p, stamp: freshStamp(p) })) };
}

export function freshStamp(p: PaneSpec): PaneStamp {
  return { window: p.window, index: p.index, hash: specHash(p), restarts: 0, crashes: 0, stopTimeoutSeconds: p.stopTimeoutSeconds, log: p.target };
}

function lastExit(e: PaneStamp['lastExit']): Pick<PaneStamp, 'lastExit'> {
  return e ? { lastExit: e } : {};
}

function treeStop(m: ManagedPane, opts: PlanOptions): TreeStop {
  return { pid: m.pane.pid, dead: m.pane.dead, timeoutSeconds: m.stamp.stopTimeoutSeconds ?? opts.defaultStopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS };
}

function cwdGone(ctx: SessionPlan, p: PaneSpec): boolean {
  return ctx.observed.missingCwds?.has(p.cwd) === true;
}

/** Nothing starts in a cwd that is gone: reported, what runs is kept, and the plan is made again after the backoff delay. */
function blockedByCwd(ctx: SessionPlan, target: string, p: PaneSpec, crashes: number): void {
  ctx.refuse(); // nothing starts in its place, so a copy running outside is not stopped either
  ctx.actions.push({ kind: 'conflict', session: ctx.spec.name, target, reason: `cwd ${ctx.show(p.cwd)} no longer exists` });
  ctx.requeue(Math.max(backoffDelayMs(Math.max(1, crashes), p.backoff), 1000));
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

/**
 * Prune scope: a session belongs to the paths being applied when its recorded source file is one of
 * them, or sits directly in one of the folders (folders are read without recursion, so a spec in a
 * subfolder was never loaded from there and is not pruned on its behalf).
 */
export function withinRoots(source: string, roots: readonly string[]): boolean {
  return roots.some((r) => source === r || dirname(source) === r);
}

/**
 * The order actions run in one batch: stops first; then starts; windows added before they are
 * reordered; panes and windows killed after the reorder, since a closed window renumbers the others
 * when `renumber-windows` is on, and reorder works on indexes (a managed pane a person broke out
 * into a window of its own closes that window when it is killed); layouts after the splits and pane
 * kills of their window.
 */
const KIND_ORDER: Record<Action['kind'], number> = {
  conflict: 0,
  'kill-orphan': 1,
  kill: 2,
  restart: 3,
  stop: 3,
  'give-up': 3,
  create: 4,
  'create-window': 5,
  split: 6,
  update: 7,
  adopt: 7,
  reorder: 8,
  'kill-pane': 9,
  layout: 10,
  'kill-window': 11,
};

function byKindThenTarget(a: Action, b: Action): number {
  // By code unit, as the loader orders sessions: localeCompare would load ICU's collator (~5 ms) for names that are ASCII anyway.
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);
}

export { byKindThenTarget };
