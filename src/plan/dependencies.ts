import { type ManagedPane, managedPanes, type ObservedSession, type ObservedState, paneSlot } from '../observe/types.js';
import { panesCovered, parseDependencyTarget } from '../spec/dependency-target.js';
import { type DependencyCondition, type DesiredState, type PaneSpec, panesOf, type SessionSpec } from '../spec/types.js';
import { describeExit, judgeDeadPane } from './restart-decision.js';
import type { Action, Waiting } from './types.js';

/** A dependency not met yet, as people read it: `db` to be `healthy`. */
export interface UnmetDependency {
  target: string;
  condition: DependencyCondition;
}

/** What the gate held back, and when to look again (a `started` condition comes due by itself). */
export interface DependencyGate {
  actions: Action[];
  waiting: Waiting[];
  requeueAfterMs?: number;
}

/** What a look at dependencies needs: the specs by name, the snapshot, the time, and what this plan starts anyway. */
interface Look {
  sessions: ReadonlyMap<string, SessionSpec>;
  observed: ObservedState;
  now: number;
  /** Panes (by target) this plan (re)starts: not started yet, whatever the snapshot says. */
  starting: ReadonlySet<string>;
}

/**
 * Pure: holds back every start (create, create-window, split, restart) of a pane whose `dependsOn`
 * is not met yet; each becomes a Waiting entry with its reason (`waiting for db to be healthy`).
 * tmux makes a session or a window with all its panes at once, so a new session or window waits for
 * the dependencies of all its panes. Everything else passes untouched: sessions that depend on
 * nothing are never delayed by a chain elsewhere.
 */
export function gateStarts(desired: DesiredState, observed: ObservedState, actions: readonly Action[], now: number): DependencyGate {
  if (!desired.sessions.some((s) => panesOf(s).some((p) => p.dependsOn))) return { actions: [...actions], waiting: [] };
  const look: Look = {
    sessions: new Map(desired.sessions.map((s) => [s.name, s])),
    observed,
    now,
    starting: new Set(actions.flatMap((a) => startedBy(a).map((p) => p.target))),
  };
  const kept: Action[] = [];
  const waiting: Waiting[] = [];
  let dueAt = Infinity;
  for (const a of actions) {
    const panes = startedBy(a);
    const found = panes.length === 0 ? { unmet: [], dueAt: Infinity } : unmetFor(panes, look);
    if (found.unmet.length === 0) {
      kept.push(a);
      continue;
    }
    dueAt = Math.min(dueAt, found.dueAt);
    waiting.push({ session: a.session, target: a.target, reason: waitingReason(found.unmet), dependencies: found.unmet.map((u) => u.target) });
  }
  // A window's layout applied again only for a split held back here would be applied on every pass, and stamp a pane count not there yet.
  const heldSplits = new Set(actions.filter((a) => a.kind === 'split' && !kept.includes(a)).map((a) => windowOf(a.target)));
  const stillChanging = new Set(kept.filter((a) => a.kind === 'split' || a.kind === 'kill-pane').map((a) => windowOf(a.target)));
  const out = kept.filter((a) => !(a.kind === 'layout' && a.reason === PANES_CHANGED && heldSplits.has(a.target) && !stillChanging.has(a.target)));
  return { actions: out, waiting, ...(dueAt !== Infinity && { requeueAfterMs: Math.max(0, dueAt - now) }) };
}

/**
 * Pure, for `status`: why a pane that is not running is not started yet, if its dependencies (or
 * those of the panes it would be started with) are not met; undefined when nothing holds it.
 */
export function dependencyWait(desired: DesiredState, observed: ObservedState, spec: SessionSpec, p: PaneSpec): string | undefined {
  const panes = startsWith(spec, p, observed.sessions.get(spec.name));
  if (!panes.some((q) => q.dependsOn)) return undefined;
  const look: Look = { sessions: new Map(desired.sessions.map((s) => [s.name, s])), observed, now: observed.at, starting: new Set() };
  const { unmet } = unmetFor(panes, look);
  return unmet.length === 0 ? undefined : waitingReason(unmet);
}

/** `waiting for db to be healthy, migrate to complete and cache to start`. */
export function waitingReason(unmet: readonly UnmetDependency[]): string {
  const parts = unmet.map((u) => `${u.target} ${PHRASE[u.condition]}`);
  const list = parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `waiting for ${list}`;
}

const PHRASE: Record<DependencyCondition, string> = { started: 'to start', healthy: 'to be healthy', completed: 'to complete' };

/** The unmet dependencies of a group of panes started together, each once, in declared order; and when a `started` one comes due. */
function unmetFor(panes: readonly PaneSpec[], look: Look): { unmet: UnmetDependency[]; dueAt: number } {
  const unmet: UnmetDependency[] = [];
  const seen = new Set<string>();
  let dueAt = Infinity;
  for (const p of panes) {
    for (const d of p.dependsOn ?? []) {
      const key = `${d.target} ${d.condition}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const target = parseDependencyTarget(d.target);
      const session = look.sessions.get(target.session);
      // Validation makes sure the target is declared: a name not there now can only wait.
      const covered = session ? panesCovered(target, session) : [];
      let met = covered.length > 0;
      for (const q of covered) {
        const verdict = meets(q, d.condition, look);
        if (verdict === true) continue;
        met = false;
        if (typeof verdict === 'number') dueAt = Math.min(dueAt, verdict);
      }
      if (!met) unmet.push({ target: d.target, condition: d.condition });
    }
  }
  return { unmet, dueAt };
}

/**
 * Whether one pane meets a condition now; for `started` within its startSeconds, the time it will
 * (if it keeps running). A pane this plan (re)starts, one held stopped by a person, and one tmuxctl
 * does not own meet nothing.
 */
function meets(q: PaneSpec, condition: DependencyCondition, look: Look): boolean | number {
  if (look.starting.has(q.target)) return false;
  const live = look.observed.sessions.get(q.session);
  const m: ManagedPane | undefined = live?.owned ? managedPanes(live).get(paneSlot(q.window, q.index)) : undefined;
  if (!m || m.stamp.hold) return false;
  switch (condition) {
    case 'completed':
      return m.pane.dead && m.pane.exit !== undefined && 'status' in m.pane.exit && m.pane.exit.status === 0;
    case 'started': {
      if (m.pane.dead || m.stamp.startedAt === undefined) return false;
      const due = m.stamp.startedAt + q.startSeconds * 1000;
      return look.now >= due ? true : due;
    }
    case 'healthy':
      if (m.pane.dead) return false;
      // Verdicts of the caller's own checks (watch, apply) belong to one run; without them (diff,
      // status) the verdict watch stamped on the pane is what is known.
      return look.observed.healthy ? look.observed.healthy.get(q.target) === m.stamp.startedAt : m.pane.health === 'healthy';
  }
}

/** The reason plan.ts gives a layout applied again because panes were added or removed. */
const PANES_CHANGED = 'panes added or removed';

/** `shop:servers` of `shop:servers.1`. */
function windowOf(paneTarget: string): string {
  const dot = paneTarget.lastIndexOf('.');
  return dot < 0 ? paneTarget : paneTarget.slice(0, dot);
}

/** The panes an action starts. */
function startedBy(a: Action): PaneSpec[] {
  switch (a.kind) {
    case 'create':
      return a.windows.flatMap((w) => w.panes.map((p) => p.spec));
    case 'create-window':
      return a.window.panes.map((p) => p.spec);
    case 'split':
    case 'restart':
      return [a.pane.spec];
    default:
      return [];
  }
}

/** The panes a pane would be started with: its whole session when there is none, its window when that is missing, else itself. */
function startsWith(spec: SessionSpec, p: PaneSpec, live: ObservedSession | undefined): PaneSpec[] {
  if (!live) return panesOf(spec);
  if (live.windows.some((w) => w.stamp?.name === p.window)) return [p];
  return spec.windows.find((w) => w.name === p.window)?.panes ?? [p];
}

/**
 * Pure, for apply's wait: a dependency that nothing but a person can make meet its condition, said
 * for people (`migrate exited with status 1, and restart: never keeps it down`), so apply need not
 * wait out its timeout: a one-shot job that failed and is not restarted, a pane that must be running
 * (`started`, `healthy`) but ended and is not restarted, a pane held by `tmuxctl
 * stop`, a name held by a session tmuxctl does not own. Undefined when each may still come true.
 */
export function blockedDependency(desired: DesiredState, observed: ObservedState, held: readonly Waiting[]): string | undefined {
  const sessions = new Map(desired.sessions.map((s) => [s.name, s]));
  const awaited = new Set(held.flatMap((w) => w.dependencies ?? []));
  for (const p of desired.sessions.flatMap(panesOf)) {
    for (const d of p.dependsOn ?? []) {
      if (!awaited.has(d.target)) continue;
      const target = parseDependencyTarget(d.target);
      const session = sessions.get(target.session);
      const live = observed.sessions.get(target.session);
      if (live && !live.owned) return `${target.session} is held by a session tmuxctl does not own`;
      for (const q of session ? panesCovered(target, session) : []) {
        const m = live && managedPanes(live).get(paneSlot(q.window, q.index));
        if (!m) continue;
        if (m.stamp.hold) {
          const held = m.stamp.hold === 'failed' ? 'failed, given up on after maxRestarts' : 'stopped';
          return `${q.target} is ${held} (tmuxctl start ${q.target} starts it)`;
        }
        // Down, and its restart policy keeps it down: only `completed` can still be met (by an exit 0); `started`
        // and `healthy` need a running pane, which nothing but a person starts now.
        if (!m.pane.dead || judgeDeadPane(q, m.pane, m.stamp).restart) continue;
        const exit = m.pane.exit;
        if (d.condition === 'completed' && exit && 'status' in exit && exit.status === 0) continue;
        return `${q.target} ${describeExit(m.pane)}, and restart: ${q.restart} keeps it down`;
      }
    }
  }
  return undefined;
}
