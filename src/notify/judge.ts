import type { TmuxctlEvent } from '../log/events.js';
import { managedPanes, type ObservedState } from '../observe/types.js';
import { MIN_RESTART_SPACING_MS } from '../plan/backoff.js';
import { describeExit, judgeDeadPane } from '../plan/restart-decision.js';
import { observedTarget } from '../plan/targets.js';
import type { PaneSpec } from '../spec/types.js';
import type { NotifyEventName } from './types.js';

/**
 * Something worth telling about one target. `crash` is never sent on its own: it is a death that
 * changed nothing a person was told (a second failed start, a crash loop going on), counted and
 * folded into the next message (`... and 4 more crashes`).
 */
export interface Occurrence {
  event: NotifyEventName | 'crash';
  target: string;
  reason: string;
  restarts?: number;
  at: number;
}

/** The bad states a target can be in; `recovered` leads back to `ok`. */
type TargetState = 'ok' | 'start-failed' | 'crash-loop' | 'unhealthy' | 'gave-up';

interface Tracked {
  state: TargetState;
  /** The run whose death was judged (`startedAt:pid`): a death is judged once, however many passes see it. */
  judgedRun?: string;
  /** The health verdict already told (its `since`). */
  toldVerdict?: number;
}

/** Consecutive crashes, this one included, that make a crash loop (the issue: "the third consecutive crash"). */
export const CRASH_LOOP_CRASHES = 3;

/**
 * Turns what watch sees (snapshots, health verdicts) and what tmuxctl records (events) into state
 * changes per target, one each: a target that keeps failing to start is told `start-failed` once,
 * then `crash-loop` once at its third consecutive crash, then `recovered` once it has run
 * `backoff.resetAfterSeconds` again. Pure: time comes in with each call, nothing is sent from here.
 *
 * Crashes are counted from the pane's own stamp (`c=`, what backoff counts), not by this process: a
 * watch started in the middle of a crash loop tells the loop at once, and one restarted loses nothing.
 */
export class Judge {
  private readonly targets = new Map<string, Tracked>();

  /** One snapshot (taken at `observed.at`), with the specs of the panes that are declared, by target. */
  observe(observed: ObservedState, specs: ReadonlyMap<string, PaneSpec>): Occurrence[] {
    const out: Occurrence[] = [];
    const now = observed.at;
    for (const s of observed.sessions.values()) {
      for (const m of managedPanes(s).values()) {
        const target = observedTarget(s, m);
        const spec = specs.get(target);
        // An undeclared pane (being pruned) is nobody's news; one a person stopped is not failing.
        if (!spec || m.stamp.hold === 'stopped') continue;
        const t = this.tracked(target);
        const { pane, stamp } = m;
        if (stamp.hold === 'failed') {
          // Given up on where this watch did not see it (an apply did, or an earlier watch): told once,
          // as a crash loop found at start is. One this watch gave up on itself is in that state already.
          if (t.state !== 'gave-up') {
            const last = pane.dead ? `; last ${describeExit(pane)}` : '';
            out.push(this.move(t, 'gave-up', { target, reason: `given up on (maxRestarts)${last}`, restarts: stamp.restarts, at: now }));
          }
          continue;
        }
        if (pane.dead) {
          const run = `${stamp.startedAt ?? '?'}:${pane.pid}`;
          if (t.judgedRun === run) continue;
          t.judgedRun = run;
          const verdict = judgeDeadPane(spec, pane, stamp);
          const exit = pane.exit;
          const fine = exit !== undefined && 'status' in exit && exit.status === 0 && !verdict.restart;
          if (fine) continue; // a job that finished as it should
          const crashes = verdict.restart ? verdict.crashes : stamp.crashes + 1;
          const ranMs = stamp.startedAt !== undefined && pane.deadAt !== undefined ? pane.deadAt - stamp.startedAt : undefined;
          const restarts = stamp.restarts;
          const why = verdict.restart ? verdict.why : verdict.why.replace(/, restart: .*$/, '');
          if (crashes >= CRASH_LOOP_CRASHES)
            out.push(this.move(t, 'crash-loop', { target, reason: `${why} (${crashes} crashes in a row)`, restarts, at: now }));
          else if (ranMs !== undefined && ranMs < spec.startSeconds * 1000) {
            out.push(this.move(t, 'start-failed', { target, reason: `${why} within ${spec.startSeconds}s of its start`, restarts, at: now }));
          } else out.push({ event: 'crash', target, reason: why, restarts, at: now });
          continue;
        }
        const verdict = observed.unhealthy?.get(target);
        if (verdict && verdict.since !== t.toldVerdict) {
          t.toldVerdict = verdict.since;
          out.push(this.move(t, 'unhealthy', { target, reason: verdict.detail, restarts: stamp.restarts, at: now }));
          continue;
        }
        const healthyFor = Math.max(spec.backoff.resetAfterSeconds * 1000, MIN_RESTART_SPACING_MS);
        if (t.state !== 'ok' && !verdict && stamp.startedAt !== undefined && now - stamp.startedAt >= healthyFor) {
          const was = t.state;
          t.state = 'ok';
          out.push({
            event: 'recovered',
            target,
            reason: `running for ${Math.round((now - stamp.startedAt) / 1000)}s after ${was}`,
            restarts: stamp.restarts,
            at: now,
          });
        }
      }
    }
    return out;
  }

  /** An event tmuxctl recorded: apply's failed start, a restart limit reached, an orphan stopped. */
  record(e: TmuxctlEvent, at: number): Occurrence[] {
    const target = e.session;
    if (target === undefined) return [];
    const reason = e.reason ?? e.event;
    switch (e.event) {
      case 'start-failed':
        return [this.move(this.tracked(target), 'start-failed', { target, reason, at })];
      case 'gave-up':
        return [this.move(this.tracked(target), 'gave-up', { target, reason, at })];
      case 'kill-orphan':
        // Not a state of the target: each one is news (the cooldown keeps a stream of them quiet).
        return [{ event: 'orphan-stopped', target, reason, at }];
      default:
        return [];
    }
  }

  /** Targets no longer declared are forgotten, so a long watch does not grow without bound. */
  forget(keep: (target: string) => boolean): void {
    for (const target of this.targets.keys()) if (!keep(target)) this.targets.delete(target);
  }

  private tracked(target: string): Tracked {
    let t = this.targets.get(target);
    if (!t) {
      t = { state: 'ok' };
      this.targets.set(target, t);
    }
    return t;
  }

  /** A bad state reached: told when it is a change, counted as one more crash when it is not. */
  private move(t: Tracked, state: Exclude<TargetState, 'ok'>, o: Omit<Occurrence, 'event'>): Occurrence {
    if (t.state === state) return { ...o, event: 'crash' };
    t.state = state;
    return { ...o, event: state };
  }
}
