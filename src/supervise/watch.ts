import { keepLock, type KeptLock } from '../apply/kept-lock.js';
import { reconcile } from '../apply/reconcile.js';
import { errorText, FlockMissingError, HostUnreachableError, TmuxError, TmuxMissingError, TmuxVersionError, type TmuxctlError } from '../errors.js';
import { StateDirError } from '../state/dirs.js';
import type { EventLog } from '../log/events.js';
import type { ObservedState } from '../observe/types.js';
import type { Action, Plan } from '../plan/types.js';
import type { LoadResult } from '../spec/load.js';
import type { DesiredState } from '../spec/types.js';
import type { TmuxClient } from '../tmux/client.js';
import { ControlConnection } from '../tmux/control/connection.js';
import { ControlTmux } from '../tmux/control/control-tmux.js';
import { hasGnuSplit } from '../tmux/log-writer.js';
import { globalWakeHooks } from '../tmux/commands.js';
import { type Coalescer, coalesce, type RetryPolicy } from './coalesce.js';
import { DeathLedger } from './deaths.js';
import { HealthMonitor } from './health.js';
import { MemoryLimits } from './memory-limit.js';
import { stampHealth } from './health-stamp.js';
import { followPanes, nudgeOnHost, type PaneLiveness } from './pane-liveness.js';
import { quietRepeats } from './repeat-filter.js';
import { Requeue } from './requeue.js';
import { realRoots } from './spec-fingerprint.js';
import { envFilesOf, SpecSource } from './spec-source.js';
import { type SpecWatcher, watchSpecs } from './spec-watcher.js';
import { localMachine } from '../host/local-procs.js';
import type { Machine } from '../host/machine.js';
import type { HeldLock } from '../apply/lock.js';
import { killRunningChecks } from './run-check.js';
import { listenForTmuxEvents, type TmuxEvents } from './tmux-events.js';
import { clampDelay, setTimer } from './timers.js';

export interface WatchOptions {
  /** Spawned clients: the fallback of the control connection watch keeps (and what its waker is made from). */
  tmux: TmuxClient;
  /**
   * A server on another host (host/ssh-machine.ts): its machine, and how its lock is taken there
   * (kept between passes over one ssh when keepLock is given, else once per pass). Supervision there is the
   * passes, the pane-died hook, the SIGCHLD nudge run on the host (one ssh of its own), the resync,
   * health checks and memory limits (run on the host, through its machine's checks); the /proc
   * backstop is this machine's only.
   */
  remote?: {
    machine: Machine;
    lock: (timeoutSeconds: number) => Promise<HeldLock>;
    /** The lock kept between passes on the host and handed over to whoever waits (host/kept-remote-lock.ts); per pass without it. */
    keepLock?: (timeoutSeconds: number, onHandOver: () => void) => KeptLock;
  };
  /**
   * Talk to tmux over control-mode connections (true, the default here); spawned clients for
   * everything otherwise, as when control mode fails. 'auto': only on a tmux that survives control
   * clients (3.7 or later, version.ts), known after the first pass's version check.
   */
  control?: boolean | 'auto';
  initial: DesiredState;
  load: () => Promise<LoadResult>;
  /** Told the specs each time a reload changed them (after a removed file's confirmation): cli/commands/watch.ts follows the declared hosts. */
  onSpecs?: (desired: DesiredState) => void;
  events: EventLog;
  lockFile: string;
  lockTimeoutSeconds: number;
  logDir: string;
  resyncSeconds: number;
  /** Environment health-check commands run with (plus each session's own env). */
  env: NodeJS.ProcessEnv;
  /** Spec edits coalesce over this window; editors save in bursts. */
  debounceMs?: number;
  /**
   * Internal, for tests only (TMUXCTL_INTERNAL_NO_PROC_BACKSTOP=1): without the /proc backstop of
   * pane-liveness.ts (the SIGCHLD nudge stays), a pane death reaches watch only through the
   * pane-died hook or the resync, so a test can tell that the hook works.
   */
  procBackstop?: boolean;
  /** Told each pass's snapshot (after deaths are timed) with the specs of that pass: notify/notifier.ts. */
  notifier?: { observe(observed: ObservedState, desired: DesiredState): void };
}

export interface Watcher {
  /** Resolves when no pass is running or due (tests use it). */
  idle(): Promise<void>;
  /** Stops watching; sessions are left running. */
  stop(): Promise<void>;
  /**
   * Kills every tmux client watch still has (its control clients included), for a stop that does not
   * wait for the pass under way: a stopped server would keep them for ever.
   */
  abandon(): void;
  /**
   * Settles with the error when watch cannot work at all: its first pass found no runnable tmux (or
   * flock). Later failures never end watch: they are reported and retried with a growing delay.
   */
  readonly fatal: Promise<TmuxctlError>;
}

/**
 * Between passes: how often tmux is nudged to reap, and how often /proc is checked (pane-liveness.ts).
 * The nudge is what repairs about half of all crashes on Debian's tmux 3.3a: handling the end of a
 * dead pane's terminal, tmux runs libutempter, whose helper's exit swallows the pane process's
 * SIGCHLD; the process then stays a zombie, and pane-died never fires, until some SIGCHLD arrives.
 * One signal (a syscall) every 20 ms bounds that wait; 250 ms made it the bulk of a crash repair.
 */
const NUDGE_MS = 20;
const LIVENESS_CHECK_MS = 1000;
/** How often the memory of panes with a memoryLimitMB is looked at (two looks over the limit restart it). */
const MEMORY_LOOK_MS = 5000;
/** The first retry of a failed pass; the delay doubles up to the resync interval. */
const FIRST_RETRY_MS = 500;

/**
 * Keeps sessions converged: a pass (reload if specs changed, then observe/plan/execute under the
 * server lock) runs at start, on spec and env-file changes, on tmux hooks, when a backoff is due,
 * on failed health checks, and on the periodic resync. Every trigger only means "look again".
 * This file wires the parts together; each job has its own file: the coalescing loop (coalesce.ts),
 * the desired state kept current (spec-source.ts), deaths (deaths.ts), the backoff wake-up
 * (requeue.ts), health checks (health.ts, health-stamp.ts), and the triggers (spec-watcher.ts,
 * tmux-events.ts, pane-liveness.ts).
 */
export async function startWatch(opts: WatchOptions): Promise<Watcher> {
  const { events } = opts;
  // On a host the control client runs over the host's ssh connection (TmuxLauncher.control).
  const useControl = opts.control !== false;
  /** 'auto' waits for the version: until then (and for good on an older tmux) no control client attaches. */
  let controlAllowed = useControl && opts.control !== 'auto';
  let versionAsked = opts.control !== 'auto';
  /** The last pass's snapshot: memory limits look at it between passes, control clients attach to one of its sessions. */
  let lastObserved: ObservedState | undefined;
  /** A session to attach control clients to: one of its own specs', so no person's session shows a client that is not theirs. */
  const attachTo = () => {
    if (!controlAllowed) return undefined;
    // One its own specs declare: another watch may prune its own, and a person's would show the client.
    const mine = new Set(specs.desired.sessions.map((s) => s.name));
    // By exact name, not id: the snapshot may be of a server since replaced, whose ids start again at
    // $0 and name a person's sessions there.
    const own = [...(lastObserved?.sessions.values() ?? [])].find((s) => s.owned && mine.has(s.name));
    return own && `=${own.name}`;
  };
  const onConnection = (up: boolean, why: string) =>
    events.record({ event: 'tmux-connection', reason: `${up ? 'connected' : 'lost'}: ${why}` }, up ? 'debug' : 'info');
  // Asked once per process, by the first start: here, so that no restart waits on a spawn for it.
  hasGnuSplit();
  const control = useControl ? new ControlTmux(opts.tmux, { attachTo, onConnection }) : undefined;
  const tmux = control ?? opts.tmux;
  // A host's passes go through the control client too: the machine's own tmux is its fallback.
  const machine: Machine = opts.remote ? { ...opts.remote.machine, tmux } : localMachine(tmux);
  const resyncMs = clampDelay(opts.resyncSeconds * 1000);
  let hookedServer: number | undefined;
  let firstPass = true;
  /** The error that ends watch (its first pass cannot run tmux at all): not a failure to retry. */
  let fatalError: unknown;
  const retry: RetryPolicy = {
    firstMs: FIRST_RETRY_MS,
    maxMs: Math.max(FIRST_RETRY_MS, resyncMs),
    onFailure: (e, retryInMs) => {
      if (e !== fatalError) events.record({ event: 'error', reason: `${errorText(e)}; next try in ${formatSeconds(retryInMs)}` }, 'error');
    },
    onRecovered: (failures) => events.record({ event: 'recovered', reason: `after ${failures} failed pass${failures === 1 ? '' : 'es'}` }),
  };
  /** What the last pass changed, to tell progress from a plan that keeps coming back unchanged. */
  let lastChanges = '';
  let failWatch: (e: TmuxctlError) => void = () => {};
  const fatal = new Promise<TmuxctlError>((resolve) => (failWatch = resolve));

  const deaths = new DeathLedger(opts.logDir, events, machine.files);
  const repeats = quietRepeats(events);
  const requeue = new Requeue(() => loop.trigger(0));
  const specs = new SpecSource({ initial: opts.initial, load: opts.load, events, recheck: () => loop.trigger(0) });
  const health = new HealthMonitor({
    checks: machine.checks,
    logDir: opts.logDir,
    events,
    env: opts.env,
    onUnhealthy: () => loop.trigger(0),
    onChange: stampHealth(tmux, events),
    // A dependent waiting for this pane to be healthy starts at the next pass.
    onHealthy: () => loop.trigger(0),
  });

  /** A side effect after planning (health, liveness, the hook) may fail; the pass goes on. */
  const safely = async (what: string, effect: () => unknown): Promise<void> => {
    try {
      await effect();
    } catch (e) {
      events.record({ event: 'error', reason: `${what}: ${errorText(e)}` }, 'error');
    }
  };

  // Kept between passes: a pass in the steady state spawns nothing for the lock, and hands it over
  // when someone else (apply, delete, the verbs) asks for it (kept-lock.ts). A pass then waits for
  // the lock and looks at what they did: a pane they started that died at once may fire no hook
  // (a lost SIGCHLD), and watch follows no pane it has not observed yet.
  const serverLock = opts.remote
    ? (opts.remote.keepLock?.(opts.lockTimeoutSeconds, () => loop.trigger(0)) ?? lockPerPass(opts.remote.lock, opts.lockTimeoutSeconds))
    : keepLock(opts.lockFile, opts.lockTimeoutSeconds, { onHandOver: () => loop.trigger(0) });

  const reconcileOnce = async (): Promise<Plan> => {
    // Whether tmux can work at all is asked on every pass, not left to the batch (where apply asks
    // it): a first pass on a converged server runs no batch, and a tmux too old then went unnoticed,
    // its failures reported as errors pass after pass. Cached once it succeeded (client.ts).
    await tmux.checkVersion();
    if (!versionAsked) {
      controlAllowed = await opts.tmux.controlModeIsSafe(); // cached by the check above: no process
      versionAsked = true;
    }
    if (await specs.refresh()) {
      specWatcher.setEnvFiles(envFilesOf(specs.desired));
      opts.onSpecs?.(specs.desired); // must not wait on this pass: it may stop this very watcher
    }
    await followRoots();
    const desired = specs.desired;
    const lock = await serverLock.hold();
    try {
      repeats.nextPass();
      const r = await reconcile(machine, desired, {
        dryRun: false,
        honourBackoff: true,
        verify: false,
        logDir: opts.logDir,
        events: repeats.events,
        unhealthy: unhealthyVerdicts(),
        healthy: health.passed(),
        extraLines: globalWakeHooks(),
        onObserved: (o) => {
          const seen = deaths.note(o);
          opts.notifier?.observe(seen, desired); // only queues: delivery is off the pass
          return seen;
        },
      });
      // The wake-up first: nothing after this line can cancel a due restart.
      requeue.set(r.plan.requeueAfterMs);
      // A batch that failed as a whole fails the pass: reported, and retried after a delay.
      if (r.batchError) throw r.batchError;
      await safely('health checks', () => health.sync(desired, r.observed));
      // This machine's nudge timer and /proc backstop, or the nudge loop on a host following the server this pass saw.
      await safely('pane liveness', () => liveness.follow(r.observed));
      lastObserved = r.observed;
      // Now that there is a session of watch's own to attach to, the next pass finds the connection up.
      control?.prepare();
      if (r.observed.serverPid !== undefined && r.observed.serverPid !== hookedServer) {
        // A pass that acts installs the hook with its batch; one in sync (watch started on a
        // converged server, or a server restarted since) must install it too.
        await safely('global hooks', async () => {
          await tmux.runScript(globalWakeHooks());
          hookedServer = r.observed.serverPid;
        });
      }
      return r.plan;
    } finally {
      await lock.release();
    }
  };

  const pass = async () => {
    let plan: Plan;
    try {
      plan = await reconcileOnce();
    } catch (e) {
      if (firstPass && cannotRunAtAll(e)) {
        firstPass = false; // no wait-for client either: watch is ending
        fatalError = e;
        failWatch(e); // nothing can work: the command reports it and exits 3
      }
      throw e; // reported by retry.onFailure; the loop holds every trigger until the retry
    } finally {
      if (firstPass) startTmuxEvents();
      firstPass = false;
    }
    // Look once more after changing something: health checks follow the new runs, and a start that
    // died at once is seen even if its hook was missed. A conflict changes nothing, and a plan that
    // comes back unchanged made no progress: neither is looked at again at once (that was a spin).
    const changes = changeSignature(plan.actions);
    if (changes && changes !== lastChanges) loop.trigger(0);
    lastChanges = changes;
  };

  const loop = coalesce(pass, opts.debounceMs ?? 150, retry);

  // The wait-for client starts after the first pass, which tells whether tmux can run at all (a
  // death meanwhile is not lost: tmux keeps a signal nobody waited for).
  let tmuxEvents: TmuxEvents | undefined;
  let stopped = false;
  const startTmuxEvents = () => {
    if (stopped) return;
    tmuxEvents ??= listenForTmuxEvents(opts.tmux, () => loop.trigger(0), {
      resyncMs,
      // A host's wait goes out once the passes are over (or after REARM_AT_MOST_MS, when they keep
      // running or failing): the look its wake-up brings back then follows what they did.
      ...(opts.remote && { rearmAfter: idleOrAfter(loop, REARM_AT_MOST_MS) }),
      // A host's wake-up stays in its waits shell: the look the host takes as its wait returns
      // comes back in the same answer (one round trip less than a control waker's notification),
      // and a control client blocked in wait-for outlives a lost ssh channel there (tmux ends a
      // client whose input closed only once its queue is free), taking the next wake-up with it.
      ...(controlAllowed && !opts.remote && { control: { attachTo, onConnection } }),
      // Reported once per distinct failure; the pass loop reports its own failures and backs off.
      onError: (e) => events.record({ event: 'wake-error', reason: `waiting for tmux events: ${e.message}` }, 'warn'),
    });
  };
  // memoryLimitMB: looks at the last snapshot's panes every few seconds (a pass need not run for it).
  const memory = new MemoryLimits(() => loop.trigger(0), machine.checks);
  /** A look still under way (a slow host) is not stacked on. */
  let looking = false;
  const memoryTimer = setInterval(() => {
    if (looking || !lastObserved || !MemoryLimits.wanted(specs.desired)) return;
    looking = true;
    memory
      .look(specs.desired, lastObserved)
      .catch((e: unknown) => {
        // A host not reached: no look this time (the passes report the host); anything else is told.
        if (!(e instanceof HostUnreachableError)) events.record({ event: 'error', reason: `memory limits: ${errorText(e)}` }, 'error');
      })
      .finally(() => {
        looking = false;
      });
  }, MEMORY_LOOK_MS);
  memoryTimer.unref();
  /** What the planner is told about runs judged bad: failed health checks, then memory over its limit. */
  const unhealthyVerdicts = () => new Map([...health.verdicts(), ...memory.verdicts()]);
  const liveness = opts.remote
    ? remoteLiveness(opts.remote.machine)
    : followPanes(() => loop.trigger(0), NUDGE_MS, opts.procBackstop === false ? undefined : LIVENESS_CHECK_MS);
  /** A host's: the SIGCHLD nudge runs on the host, over one ssh of its own (pane-liveness.ts nudgeOnHost). */
  function remoteLiveness(host: Machine): PaneLiveness {
    const keep = host.procs.keepNudging;
    if (!keep) return { follow: () => {}, stop: () => {} };
    return nudgeOnHost(
      keep,
      NUDGE_MS,
      (why, retryInMs) => events.record({ event: 'wake-error', reason: `nudging tmux there: ${why}; again in ${formatSeconds(retryInMs)}` }, 'warn'),
      () => loop.trigger(0),
    );
  }
  const onSpecEvent = (path: string) => {
    specs.markDirty();
    events.record({ event: 'spec-changed', reason: path }, 'debug');
    loop.trigger();
  };
  let lastWatcherError: string | undefined;
  /** Told once per distinct error in a row: a watcher failing on every event must not flood the log. */
  const onWatcherError = (e: Error) => {
    if (e.message === lastWatcherError) return;
    lastWatcherError = e.message;
    events.record({ event: 'error', reason: `watching spec files: ${e.message}; changes are still found by the next pass` }, 'warn');
  };
  let specWatcher: SpecWatcher = await watchSpecs(opts.initial.roots, onSpecEvent, onWatcherError);
  specWatcher.setEnvFiles(envFilesOf(opts.initial));
  let watchedRoots = await realRoots(opts.initial.roots);
  /** A root swapped under its name (a symlink-swap deploy): the file watcher follows the new folder. */
  const followRoots = async () => {
    const now = await realRoots(specs.desired.roots);
    if (now === watchedRoots) return;
    await specWatcher.close();
    specWatcher = await watchSpecs(specs.desired.roots, onSpecEvent, onWatcherError);
    specWatcher.setEnvFiles(envFilesOf(specs.desired));
    // Only once the new watcher stands: a failed attempt is tried again at the next pass.
    watchedRoots = now;
  };

  // The specs were read before the file watcher was ready: the first pass reads them again, so an
  // edit made in between is not lost until the next one (SpecSource starts dirty).
  loop.trigger(0);

  return {
    idle: () => loop.idle(),
    fatal,
    abandon() {
      tmuxEvents?.stop();
      control?.close();
      ControlConnection.killAll();
      opts.tmux.abandon();
    },
    async stop() {
      stopped = true;
      tmuxEvents?.stop();
      liveness.stop();
      clearInterval(memoryTimer);
      health.stop();
      // Both of these end every check and control client of the process, the hosts' included: only
      // this machine's watcher calls them (a host's watcher is stopped while the others go on, its
      // host removed), and it stops only when watch does.
      if (!opts.remote) killRunningChecks(); // a slow health check must not outlive watch
      specs.stop();
      await specWatcher.close();
      await loop.stop();
      control?.close();
      // A client still attaching (the waker's or the next connection's) is ended too.
      if (!opts.remote) ControlConnection.killAll();
      await serverLock.release();
      // After the last pass: one that ended during the stop may have set it.
      requeue.clear();
    },
  };
}

/**
 * What a pass changed that is worth an immediate second look: its own sessions' starts and stops.
 * A conflict only reports; a stopped orphan needs no look at its session, and something outside
 * that starts the stray copy again (a shell loop, a `Restart=always` unit) made every pass stop a
 * new pid and start the next at once: a spin. The next one is stopped at the next trigger or resync.
 */
function changeSignature(actions: readonly Action[]): string {
  return actions
    .filter((a) => a.kind !== 'conflict' && a.kind !== 'kill-orphan')
    .map((a) => `${a.kind} ${a.target} ${a.reason}`)
    .join('\n');
}

/**
 * A first pass that cannot even run tmux (not installed, not executable) or flock will never work:
 * watch says so in one line and exits 3, as apply does. Anything else may pass (a lock held for
 * long, a server restarting) and is retried.
 */
function cannotRunAtAll(e: unknown): e is TmuxctlError {
  if (e instanceof TmuxMissingError || e instanceof TmuxVersionError) return true;
  if (e instanceof TmuxError) return /^cannot run tmux/.test(e.message);
  if (e instanceof FlockMissingError) return true;
  // The state dir is a file, or read-only: no pass can take the lock, so watch could supervise nothing.
  if (e instanceof StateDirError) return true;
  return false;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** A lock taken at the start of each pass and let go at its end: a host's, where nothing keeps it between passes. */
function lockPerPass(take: (timeoutSeconds: number) => Promise<HeldLock>, timeoutSeconds: number): KeptLock {
  return {
    hold: () => take(timeoutSeconds),
    handOverIfAsked: () => false,
    release: async () => {},
  };
}

/** How long a host's next wait waits for the passes to be over before it goes out anyway. */
const REARM_AT_MOST_MS = 2000;

/**
 * A wait for the loop to be idle, or `ms`, whichever is first (the timer cleared either way). One
 * idle() at a time is asked for: a loop that keeps failing is never idle, and a waiter per re-arm
 * would pile up.
 */
function idleOrAfter(loop: Coalescer, ms: number): () => Promise<void> {
  let idle: Promise<void> | undefined;
  return () =>
    new Promise((resolve) => {
      const timer = setTimer(resolve, ms);
      idle ??= loop.idle().finally(() => {
        idle = undefined;
      });
      void idle.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
}
