import { isNoServer, type TmuxClient } from '../tmux/client.js';
import { WAKE_CHANNEL } from '../tmux/options.js';

export interface TmuxEvents {
  stop(): void;
}

export interface TmuxEventsOptions {
  /** Longest wait: the periodic resync, the backstop for anything a hook did not report. */
  resyncMs: number;
  /**
   * A failure of the wait-for client other than "no server" (tmux cannot be run, tmux exits at
   * once, the server does not answer): reported once per distinct failure, and again only after
   * the wait worked in between.
   */
  onError?: (err: Error) => void;
  /** First pause after a failure; it doubles on each failure in a row, up to resyncMs. */
  firstBackoffMs?: number;
}

/** With no server, look for one at least this often (a server started by hand is noticed quickly). */
const NO_SERVER_MAX_MS = 1000;
/** A wait that returns sooner than this did not wait: fine now and then, a fault when it repeats. */
const AT_ONCE_MS = 50;
/** Returns at once in a row that are still taken as events (tmux remembers one signal sent while nobody waited). */
const AT_ONCE_ALLOWED = 3;

/**
 * Wakes watch when tmux says something changed: the pane-died, session-closed and client-detached hooks signal
 * WAKE_CHANNEL, and one blocked `tmux wait-for` client per watch returns at once. The wait's own
 * timeout is the periodic resync.
 *
 * Never spins: after a failure (tmux cannot be spawned, no server, the client exits at once, the
 * server does not answer) the next wait starts only after a pause that doubles from ~250 ms up to
 * the resync interval, and comes back down once a wait works. Every client's abort listener is
 * removed when it ends (client.ts), so nothing accumulates however long this runs.
 */
export function listenForTmuxEvents(tmux: TmuxClient, onWake: (why: string) => void, opts: TmuxEventsOptions): TmuxEvents {
  const abort = new AbortController();
  const { resyncMs } = opts;
  const firstBackoff = Math.min(opts.firstBackoffMs ?? 250, resyncMs);
  let backoff = 0;
  let atOnce = 0;
  let lastReported: string | undefined;

  /** `err` undefined: no server, the normal state before the first session; retried at least once a second. */
  const failed = async (err: Error | undefined) => {
    if (err && err.message !== lastReported) {
      lastReported = err.message;
      opts.onError?.(err);
    }
    backoff = backoff === 0 ? firstBackoff : Math.min(backoff * 2, resyncMs);
    await pause(err ? backoff : Math.min(backoff, NO_SERVER_MAX_MS), abort.signal);
  };
  const worked = () => {
    backoff = 0;
    lastReported = undefined;
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      const startedAt = Date.now();
      let r: Awaited<ReturnType<TmuxClient['exec']>>;
      try {
        r = await tmux.exec(['wait-for', WAKE_CHANNEL], { timeoutMs: resyncMs, signal: abort.signal, timeoutIsExpected: true });
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
        onWake('resync');
        continue;
      }
      if (r.code !== 0) {
        // No server (yet, or any more) is normal between sessions: look again, retry later, say nothing.
        onWake('tmux server gone');
        await failed(isNoServer(r.stderr) ? undefined : new Error(`tmux wait-for failed: ${r.stderr.trim() || `exit status ${r.code}`}`));
        continue;
      }
      onWake('tmux event');
      if (Date.now() - startedAt >= AT_ONCE_MS) {
        worked();
        atOnce = 0;
      } else if (++atOnce > AT_ONCE_ALLOWED) {
        // A wait that keeps returning at once is not a stream of events but a tmux that does not wait.
        await failed(new Error('tmux wait-for keeps returning at once'));
      }
    }
  };
  void loop();
  return { stop: () => abort.abort() };
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
