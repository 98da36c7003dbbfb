import { isNoServer, type TmuxClient } from '../tmux/client.js';
import { ControlLostError } from '../tmux/control/connection.js';
import { ControlWaker } from '../tmux/control/waker.js';
import { WAKE_CHANNEL } from '../tmux/options.js';

export interface TmuxEvents {
  stop(): void;
}

export interface TmuxEventsOptions {
  /** Longest time without a wake-up: the periodic resync, the backstop for anything a hook did not report. */
  resyncMs: number;
  /**
   * A failure of the wait-for client other than "no server" (tmux cannot be run, tmux exits at
   * once, the server does not answer): reported once per distinct failure, and again only after
   * the wait worked in between.
   */
  onError?: (err: Error) => void;
  /** First pause after a failure; it doubles on each failure in a row, up to resyncMs. */
  firstBackoffMs?: number;
  /**
   * Awaited before each spawned wait after the first: a host's wait is sent once the pass its last
   * wake-up started is over, so the look the host takes when it returns follows everything that pass
   * did (host/look-answers.ts). Nothing is lost meanwhile: tmux keeps a signal nobody waited for.
   */
  rearmAfter?: () => Promise<void>;
  /**
   * Wait over a control client of its own (tmux/control/waker.ts) whenever one can attach, so a
   * wake-up costs no process; the spawned `wait-for` client is the fallback while none can.
   */
  control?: {
    /** The session to attach to (tmux picks one when absent). */
    attachTo: () => string | undefined;
    onConnection?: (up: boolean, why: string) => void;
  };
}

/** With no server, look for one at least this often (a server started by hand is noticed quickly). */
const NO_SERVER_MAX_MS = 1000;
/** A wait that returns sooner than this did not wait: fine now and then, a fault when it repeats. */
const AT_ONCE_MS = 50;
/** Returns at once in a row that are still taken as events (tmux remembers one signal sent while nobody waited). */
const AT_ONCE_ALLOWED = 3;
/**
 * The pause before the next wait once returns at once keep coming. Fixed, not growing: each return
 * may be a real event (a crash loop signals on every death, and tmux keeps the signal sent during
 * the pause), and a pause that doubled up to the resync interval left deaths unseen for many seconds.
 */
const AT_ONCE_PAUSE_MS = 250;
/** Attempts to attach the control waker again are spaced from this, doubling up to the cap. */
const CONTROL_RETRY_FIRST_MS = 250;
const CONTROL_RETRY_MAX_MS = 5000;

/**
 * Wakes watch when tmux says something changed: the pane-died, session-closed and client hooks
 * signal WAKE_CHANNEL, and a `wait-for` on that channel returns. Over a control client when one can
 * attach (a wake-up is then a line read from a pipe already open); otherwise one spawned
 * `tmux wait-for` client at a time, whose own timeout is the periodic resync.
 *
 * Never spins: after a failure (tmux cannot be spawned, no server, the client exits at once, the
 * server does not answer) the next spawned wait starts only after a pause that doubles from ~250 ms
 * up to the resync interval, and comes back down once a wait works; waits that keep returning at
 * once are spaced by a fixed pause; a control client that cannot attach is tried again with a
 * growing delay. Every client's abort listener is removed when it ends (client.ts).
 */
export function listenForTmuxEvents(tmux: TmuxClient, onWake: (why: string) => void, opts: TmuxEventsOptions): TmuxEvents {
  const abort = new AbortController();
  const { resyncMs } = opts;
  const firstBackoff = Math.min(opts.firstBackoffMs ?? 250, resyncMs);
  let backoff = 0;
  let atOnce = 0;
  let lastReported: string | undefined;
  let waker: ControlWaker | undefined;
  let controlRetryMs = CONTROL_RETRY_FIRST_MS;
  let nextControlAttempt = 0;

  const report = (err: Error) => {
    if (err.message === lastReported) return;
    lastReported = err.message;
    opts.onError?.(err);
  };
  /** `err` undefined: no server, the normal state before the first session; retried at least once a second. */
  const failed = async (err: Error | undefined) => {
    if (err) report(err);
    backoff = backoff === 0 ? firstBackoff : Math.min(backoff * 2, resyncMs);
    await pause(err ? backoff : Math.min(backoff, NO_SERVER_MAX_MS), abort.signal);
  };
  const worked = () => {
    backoff = 0;
    lastReported = undefined;
  };
  /** A wake-up that came `ms` after its wait began: spaced by a fixed pause once they keep coming at once. */
  const woke = async (ms: number, fault?: Error) => {
    onWake('tmux event');
    if (ms >= AT_ONCE_MS) {
      worked();
      atOnce = 0;
    } else if (++atOnce > AT_ONCE_ALLOWED) {
      if (fault) report(fault);
      await pause(AT_ONCE_PAUSE_MS, abort.signal);
    }
  };

  /** Waits over the control waker until its connection ends (or watch stops: stop() closes it); a resync is told every resyncMs meanwhile. */
  const overControl = async (w: ControlWaker) => {
    const arm = () =>
      w.next().then(
        () => 'event' as const,
        (e: unknown) => (e instanceof ControlLostError ? ('lost' as const) : Promise.reject(e)),
      );
    let startedAt = Date.now();
    let next = arm();
    while (!abort.signal.aborted) {
      const resync = delay(resyncMs);
      const outcome = await Promise.race([next, resync.then(() => 'resync' as const)]);
      resync.cancel();
      if (abort.signal.aborted || outcome === 'lost') return;
      if (outcome === 'resync') {
        onWake('resync'); // the wait stays armed
        continue;
      }
      await woke(Date.now() - startedAt);
      startedAt = Date.now();
      next = arm();
    }
  };

  const tryControl = async (): Promise<boolean> => {
    if (!opts.control || Date.now() < nextControlAttempt) return false;
    const later = () => {
      nextControlAttempt = Date.now() + controlRetryMs;
      controlRetryMs = Math.min(controlRetryMs * 2, CONTROL_RETRY_MAX_MS);
      return false;
    };
    // No session of watch's own to attach to (yet): the spawned client waits meanwhile.
    const target = opts.control.attachTo();
    if (target === undefined) return later();
    try {
      waker = await ControlWaker.open(tmux, target, (why) => opts.control?.onConnection?.(false, `waker: ${why}`));
    } catch (e) {
      if (!(e instanceof ControlLostError)) throw e;
      return later();
    }
    if (abort.signal.aborted) {
      waker.close();
      return true;
    }
    opts.control.onConnection?.(true, `waker: control client pid ${waker.pid}`);
    const since = Date.now();
    await overControl(waker);
    waker.close();
    waker = undefined;
    // Never tried again at once: a connection that ended at once (a server going away) backs off, a
    // steady one waits the first pause (what ended it, its session killed, is often one command of a
    // burst, and attaching during the rest of it crashes tmux before 3.7: tmux/control/attach-gate.ts).
    if (Date.now() - since >= CONTROL_RETRY_MAX_MS) controlRetryMs = CONTROL_RETRY_FIRST_MS;
    nextControlAttempt = Date.now() + controlRetryMs;
    controlRetryMs = Math.min(controlRetryMs * 2, CONTROL_RETRY_MAX_MS);
    // Whatever happened while it was down is looked at.
    if (!abort.signal.aborted) onWake('tmux connection lost');
    return true;
  };

  const loop = async () => {
    let first = true;
    while (!abort.signal.aborted) {
      if (await tryControl()) continue;
      if (opts.rearmAfter && !first) {
        await unlessAborted(opts.rearmAfter(), abort.signal);
        if (abort.signal.aborted) return;
      }
      first = false;
      // Spawned: until the next attempt at a control client, or the resync, whichever is first.
      const untilControl = opts.control ? Math.max(0, nextControlAttempt - Date.now()) : Number.POSITIVE_INFINITY;
      const waitMs = Math.max(AT_ONCE_MS, Math.min(resyncMs, untilControl));
      const startedAt = Date.now();
      let r: Awaited<ReturnType<TmuxClient['exec']>>;
      try {
        r = await tmux.exec(['wait-for', WAKE_CHANNEL], { timeoutMs: waitMs, signal: abort.signal, timeoutIsExpected: true });
      } catch (e) {
        if (abort.signal.aborted) return;
        // tmux cannot be run (missing, not executable), -S not a socket, ...: look again, then wait longer.
        onWake('tmux unavailable');
        await failed(e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (abort.signal.aborted) return;
      if (r.timedOut) {
        worked();
        atOnce = 0;
        // Cut short only to try the control client again: not a resync.
        if (waitMs === resyncMs) onWake('resync');
        continue;
      }
      if (r.code !== 0) {
        // No server (yet, or any more) is normal between sessions: look again, retry later, say nothing.
        onWake('tmux server gone');
        await failed(isNoServer(r.stderr) ? undefined : new Error(`tmux wait-for failed: ${r.stderr.trim() || `exit status ${r.code}`}`));
        continue;
      }
      // A wait that keeps returning at once is not a stream of events but, likely, a tmux that does not wait.
      await woke(Date.now() - startedAt, new Error('tmux wait-for keeps returning at once'));
    }
  };
  void loop();
  return {
    stop: () => {
      abort.abort();
      waker?.close();
    },
  };
}

/** Resolves when `p` settles or `signal` aborts, whichever is first; leaves no listener behind. */
function unlessAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    p.then(done, done);
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A timer that can be cancelled (a resync raced against every wake-up must not leave one behind each time). */
function delay(ms: number): Promise<void> & { cancel(): void } {
  let t: ReturnType<typeof setTimeout> | undefined;
  const p = new Promise<void>((resolve) => (t = setTimeout(resolve, ms))) as Promise<void> & { cancel(): void };
  p.cancel = () => clearTimeout(t);
  return p;
}
