import { setTimer } from './timers.js';

/**
 * Single-flight with coalescing, the shape of the watch loop: bursts of triggers within `debounceMs`
 * make one run; runs never overlap; a trigger during a run queues exactly one more run after it.
 * Level-triggered: a trigger only means "look again", so nothing is carried but the fact of it.
 *
 * A run that fails (rejects) is retried after a delay that doubles from `retry.firstMs` up to
 * `retry.maxMs`, and until then no trigger starts a run: whatever keeps failing (tmux missing or
 * failing, the lock not obtained, a full disk), the loop never runs back to back. The first run that
 * succeeds ends the back-off.
 */
export interface Coalescer {
  /** Ask for a run after the debounce (0 = as soon as the current run, if any, is done). */
  trigger(debounceMs?: number): void;
  /** Resolves when no run is active or queued. */
  idle(): Promise<void>;
  /** No further runs; resolves when the active one (if any) has finished. */
  stop(): Promise<void>;
}

export interface RetryPolicy {
  firstMs: number;
  maxMs: number;
  /** A run failed: its error, when the next try is due, and how many runs have failed in a row. */
  onFailure?: (error: unknown, retryInMs: number, failures: number) => void;
  /** A run succeeded after `failures` failed ones. */
  onRecovered?: (failures: number) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 500, maxMs: 30_000 };

/** The delay before the n-th consecutive retry (n from 1): firstMs, doubling, at most maxMs. */
export function retryDelayMs(failures: number, p: RetryPolicy): number {
  if (failures <= 0) return 0;
  return Math.min(p.firstMs * 2 ** Math.min(failures - 1, 40), Math.max(p.maxMs, p.firstMs));
}

export function coalesce(run: () => Promise<void>, defaultDebounceMs: number, retry: RetryPolicy = DEFAULT_RETRY): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The pending run is due as soon as possible (or is the retry): no trigger pushes it back. */
  let urgent = false;
  let active: Promise<void> | undefined;
  let queued = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  let failures = 0;
  /** While backing off after a failed run: no run starts before this time. */
  let notBefore = 0;

  const settleIdle = () => {
    if (active || queued || timer) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const schedule = (delayMs: number, isUrgent: boolean) => {
    if (timer) clearTimeout(timer);
    urgent = isUrgent;
    timer = setTimer(start, Math.max(delayMs, notBefore - Date.now()));
  };

  const start = () => {
    timer = undefined;
    urgent = false;
    if (stopped) return settleIdle();
    if (active) {
      queued = true;
      return;
    }
    let failed = false;
    let error: unknown;
    active = run()
      .catch((e: unknown) => {
        failed = true;
        error = e;
      })
      .finally(() => {
        active = undefined;
        if (failed) {
          failures += 1;
          const delay = retryDelayMs(failures, retry);
          notBefore = Date.now() + delay;
          retry.onFailure?.(error, delay, failures);
        } else {
          if (failures > 0) retry.onRecovered?.(failures);
          failures = 0;
          notBefore = 0;
        }
        const again = queued || failed; // a failed run is looked at again, after the back-off
        queued = false;
        if (again && !stopped) {
          if (failed) schedule(0, true);
          else start();
        } else settleIdle();
      });
  };

  return {
    trigger(debounceMs = defaultDebounceMs) {
      if (stopped) return;
      if (active) {
        queued = true;
        return;
      }
      // Nothing postpones a run already due at once (or a retry); otherwise a burst pushes the run back.
      if (timer && urgent) return;
      schedule(debounceMs, debounceMs === 0);
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      queued = false;
      if (active) await active;
      settleIdle();
    },
  };
}
