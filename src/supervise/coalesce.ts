/**
 * Single-flight with coalescing, the shape of the watch loop: bursts of triggers within `debounceMs`
 * make one run; runs never overlap; a trigger during a run queues exactly one more run after it.
 * Level-triggered: a trigger only means "look again", so nothing is carried but the fact of it.
 */
export interface Coalescer {
  /** Ask for a run after the debounce (0 = as soon as the current run, if any, is done). */
  trigger(debounceMs?: number): void;
  /** Resolves when no run is active or queued. */
  idle(): Promise<void>;
  /** No further runs; resolves when the active one (if any) has finished. */
  stop(): Promise<void>;
}

export function coalesce(run: () => Promise<void>, defaultDebounceMs: number): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let urgent = false;
  let active: Promise<void> | undefined;
  let queued = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (active || queued || timer) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const start = () => {
    timer = undefined;
    urgent = false;
    if (stopped) return settleIdle();
    if (active) {
      queued = true;
      return;
    }
    active = run()
      .catch(() => {}) // run reports its own failures; a failed pass must not stop the loop
      .finally(() => {
        active = undefined;
        if (queued && !stopped) {
          queued = false;
          start();
        } else {
          queued = false;
          settleIdle();
        }
      });
  };

  return {
    trigger(debounceMs = defaultDebounceMs) {
      if (stopped) return;
      if (active) {
        queued = true;
        return;
      }
      if (timer) {
        // Nothing postpones a run already due at once; otherwise a burst pushes the run back.
        if (urgent) return;
        clearTimeout(timer);
      }
      urgent = debounceMs === 0;
      timer = setTimeout(start, debounceMs);
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
