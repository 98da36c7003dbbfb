import { acquireLock } from '../apply/lock.js';
import { exitFields, reconcile } from '../apply/reconcile.js';
import { formatProblem } from '../errors.js';
import type { EventLog } from '../log/events.js';
import type { ObservedState } from '../observe/types.js';
import { describeExit } from '../plan/restart-decision.js';
import { appendMarker } from '../session-log/files.js';
import type { LoadResult } from '../spec/load.js';
import type { DesiredState } from '../spec/types.js';
import type { TmuxClient } from '../tmux/client.js';
import { commandLine } from '../tmux/quote.js';
import { OPT } from '../tmux/options.js';
import { wakeOnSessionClosed } from '../tmux/commands.js';
import { coalesce } from './coalesce.js';
import { HealthMonitor } from './health.js';
import { watchSpecs } from './spec-watcher.js';
import { followPanes } from './pane-liveness.js';
import { listenForTmuxEvents } from './tmux-events.js';

export interface WatchOptions {
  tmux: TmuxClient;
  initial: DesiredState;
  load: () => Promise<LoadResult>;
  events: EventLog;
  lockFile: string;
  lockTimeoutSeconds: number;
  logDir: string;
  resyncSeconds: number;
  /** Environment health-check commands run with (plus each session's own env). */
  env: NodeJS.ProcessEnv;
  /** Spec edits coalesce over this window; editors save in bursts. */
  debounceMs?: number;
}

export interface Watcher {
  /** Resolves when no pass is running or due (tests use it). */
  idle(): Promise<void>;
  /** Stops watching; sessions are left running. */
  stop(): Promise<void>;
}

/**
 * Keeps sessions converged: a pass (reload if specs changed, then observe/plan/execute under the
 * server lock) runs at start, on spec and env-file changes, on tmux hooks, when a backoff is due,
 * on failed health checks, and on the periodic resync. Every trigger only means "look again".
 */
export async function startWatch(opts: WatchOptions): Promise<Watcher> {
  const { events, tmux } = opts;
  let desired = opts.initial;
  let specsDirty = false;
  let requeue: ReturnType<typeof setTimeout> | undefined;
  /** Deaths still on screen, with when this watch first saw each. */
  let seenDeaths = new Map<string, number>();
  let hookedServer: number | undefined;

  const health = new HealthMonitor({
    logDir: opts.logDir,
    events,
    env: opts.env,
    onUnhealthy: () => loop.trigger(0),
    onChange: (sessionId, text) => {
      void tmux.runScript([commandLine(['set-option', '-t', sessionId, OPT.health, text])]).catch(() => {});
    },
  });

  const reload = async () => {
    specsDirty = false;
    const result = await opts.load();
    if (!result.ok) {
      for (const p of result.problems) events.record({ event: 'invalid-spec', reason: formatProblem(p) }, 'error');
      events.record({ event: 'invalid-spec', reason: 'keeping the last valid specs; nothing changed' }, 'warn');
      return;
    }
    desired = result.desired;
    specWatcher?.setEnvFiles(envFilesOf(desired));
    events.record({ event: 'specs-loaded', reason: `${desired.sessions.length} sessions` });
  };

  const pass = async () => {
    let acted = false;
    try {
      acted = await reconcileOnce();
    } catch (e) {
      // A failed pass (lock not obtained, tmux failing) is reported; the next trigger tries again.
      events.record({ event: 'error', reason: e instanceof Error ? e.message : String(e) }, 'error');
    }
    // Look once more after acting: health checks follow the new runs, and a start that died at
    // once is seen even if its hook was missed.
    if (acted) loop.trigger(0);
  };

  const reconcileOnce = async (): Promise<boolean> => {
    if (specsDirty) await reload();
    const lock = await acquireLock(opts.lockFile, opts.lockTimeoutSeconds);
    try {
      const r = await reconcile(tmux, desired, {
        dryRun: false,
        honourBackoff: true,
        verify: false,
        logDir: opts.logDir,
        events,
        unhealthy: health.verdicts(),
        extraLines: [wakeOnSessionClosed()],
        onObserved: noteDeaths,
      });
      health.sync(desired, r.observed);
      liveness.follow(r.observed);
      if (r.observed.serverPid !== undefined && r.observed.serverPid !== hookedServer) {
        // A pass that acts installs the hook with its batch; one in sync (watch started on a
        // converged server, or a server restarted since) must install it too.
        await tmux.runScript([wakeOnSessionClosed()]);
        hookedServer = r.observed.serverPid;
      }
      if (requeue) clearTimeout(requeue);
      requeue = r.plan.requeueAfterMs === undefined ? undefined : setTimeout(() => loop.trigger(0), r.plan.requeueAfterMs + 5);
      requeue?.unref(); // a due restart is no reason to outlive a stop
      return r.plan.actions.length > 0;
    } finally {
      await lock.release();
    }
  };

  /** Exit events and log markers, once per death this watch sees; death times made exact for backoff. */
  const noteDeaths = (observed: ObservedState): ObservedState => {
    const deadNow = new Map<string, number>();
    const sessions = new Map(observed.sessions);
    for (const s of observed.sessions.values()) {
      if (!s.owned || !s.pane?.dead) continue;
      const key = `${s.id}:${s.pane.pid}`;
      const firstSeen = seenDeaths.get(key) ?? observed.at;
      deadNow.set(key, firstSeen);
      sessions.set(s.name, { ...s, pane: { ...s.pane, deadAt: deathTime(s.pane.deadAt, firstSeen) } });
      if (seenDeaths.has(key)) continue;
      events.record({ event: 'exit', session: s.name, reason: describeExit(s), ...exitFields(s.pane) }, 'warn');
      appendMarker(opts.logDir, s.name, describeExit(s));
    }
    // Remember only deaths still on screen, so a long crash loop does not grow this set.
    seenDeaths = deadNow;
    return { ...observed, sessions };
  };

  const loop = coalesce(pass, opts.debounceMs ?? 150);
  const specWatcher = await watchSpecs(desired.roots, (path) => {
    specsDirty = true;
    events.record({ event: 'spec-changed', reason: path }, 'debug');
    loop.trigger();
  });
  specWatcher.setEnvFiles(envFilesOf(desired));
  const tmuxEvents = listenForTmuxEvents(tmux, () => loop.trigger(0), opts.resyncSeconds * 1000);
  const liveness = followPanes(() => loop.trigger(0), NUDGE_MS, LIVENESS_CHECK_MS);
  // The specs were read before the file watcher was ready: the first pass reads them again, so an
  // edit made in between is not lost until the next one.
  specsDirty = true;
  loop.trigger(0);

  return {
    idle: () => loop.idle(),
    async stop() {
      tmuxEvents.stop();
      liveness.stop();
      health.stop();
      await specWatcher.close();
      await loop.stop();
      // After the last pass: one that ended during the stop may have set it.
      if (requeue) clearTimeout(requeue);
    },
  };
}

/** Between passes: how often tmux is nudged to reap, and how often /proc is checked (pane-liveness.ts). */
const NUDGE_MS = 250;
const LIVENESS_CHECK_MS = 1000;

/**
 * tmux keeps a pane's death time in whole seconds, which would make a 1 s backoff anything from 0
 * to 1 s. Watch usually sees a death within milliseconds (hook, /proc poll), so its first sight is
 * the better time when it falls within tmux's second; seen later (watch started after the death),
 * the end of that second, so that a backoff is never cut short. A death tmux has not timed at all
 * (its SIGCHLD was lost) is timed by the first sight alone.
 */
export function deathTime(tmuxDeadAt: number | undefined, firstSeen: number): number {
  if (tmuxDeadAt === undefined) return firstSeen;
  return Math.max(tmuxDeadAt, Math.min(firstSeen, tmuxDeadAt + 999));
}

function envFilesOf(d: DesiredState): string[] {
  return [...new Set(d.sessions.flatMap((s) => s.envFiles))];
}
