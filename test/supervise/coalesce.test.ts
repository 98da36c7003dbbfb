import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, retryDelayMs } from '../../src/supervise/coalesce.js';

/**
 * A run the test finishes by hand, counting how many are active at once: the watch loop's pass,
 * stripped to what coalescing can see (it started, it has not finished yet).
 */
function controlledRuns() {
  const finishers: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const startedAt: number[] = [];
  const run = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        startedAt.push(Date.now());
        finishers.push(() => {
          active -= 1;
          resolve();
        });
      }),
  );
  return {
    run,
    startedAt,
    get maxActive() {
      return maxActive;
    },
    get active() {
      return active;
    },
    /** Finishes the oldest unfinished run. */
    finish() {
      const f = finishers.shift();
      if (!f) throw new Error('no run is active');
      f();
    },
  };
}

/** Lets promise callbacks (run().finally, the queued start) settle without moving the clock. */
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('coalesce: the watch loop', () => {
  it('makes one run of a burst, debounce after the last trigger', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      loop.trigger();
      await vi.advanceTimersByTimeAsync(100); // each event within the window of the one before
    }
    expect(r.run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(49);
    expect(r.run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(r.run).toHaveBeenCalledTimes(1);
    expect(r.startedAt[0]! - t0).toBe(900 + 150); // last trigger at 900 ms, then the 150 ms debounce
    r.finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.run).toHaveBeenCalledTimes(1);
  });

  it('runs an urgent trigger (0) at once, and a later debounced trigger does not push it back', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger(0);
    loop.trigger(); // a spec edit right after a tmux hook
    loop.trigger();
    await flush();
    expect(r.run).toHaveBeenCalledTimes(1);
    r.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.run).toHaveBeenCalledTimes(1);
  });

  it('an urgent trigger cuts a pending debounce short', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(50);
    loop.trigger(0);
    await flush();
    expect(r.run).toHaveBeenCalledTimes(1);
    r.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.run).toHaveBeenCalledTimes(1);
  });

  it('never overlaps runs, and triggers during a run queue exactly one more', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger(0);
    await flush();
    expect(r.active).toBe(1);

    // Many events of every kind while the pass runs.
    for (let i = 0; i < 20; i++) {
      loop.trigger(i % 2 === 0 ? 0 : undefined);
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(r.run).toHaveBeenCalledTimes(1);
    expect(r.maxActive).toBe(1);

    r.finish();
    await flush();
    expect(r.run).toHaveBeenCalledTimes(2); // the one queued run, straight after
    expect(r.maxActive).toBe(1);

    r.finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.run).toHaveBeenCalledTimes(2); // and not one per event
    expect(r.active).toBe(0);
  });

  it('a trigger during the queued run queues one more again (level-triggered: nothing is lost)', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger(0);
    await flush();
    loop.trigger();
    r.finish();
    await flush();
    expect(r.run).toHaveBeenCalledTimes(2);
    loop.trigger();
    loop.trigger();
    r.finish();
    await flush();
    expect(r.run).toHaveBeenCalledTimes(3);
    r.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.run).toHaveBeenCalledTimes(3);
    expect(r.maxActive).toBe(1);
  });

  it('a failed run does not stop the loop: it is retried after the back-off', async () => {
    let calls = 0;
    const run = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('tmux went away');
    });
    const loop = coalesce(run, 150, { firstMs: 500, maxMs: 4000 });
    loop.trigger(0);
    await flush();
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(2); // the retry, with no trigger at all
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run).toHaveBeenCalledTimes(2); // it succeeded: nothing more
  });

  it('never runs back to back while runs keep failing: delays double up to the maximum, whatever the triggers', async () => {
    const run = vi.fn(async () => {
      throw new Error('spawn tmux ENOENT');
    });
    const loop = coalesce(run, 150, { firstMs: 500, maxMs: 4000 });
    const t0 = Date.now();
    const startedAt: number[] = [];
    run.mockImplementation(async () => {
      startedAt.push(Date.now() - t0);
      throw new Error('spawn tmux ENOENT');
    });
    loop.trigger(0);
    // A storm of urgent triggers (a wait-for client failing at once, the liveness timer...).
    for (let i = 0; i < 2000; i++) {
      loop.trigger(i % 3 === 0 ? undefined : 0);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(startedAt.slice(0, 6)).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    for (let i = 1; i < startedAt.length; i++) expect(startedAt[i]! - startedAt[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(run.mock.calls.length).toBeLessThan(10); // 20 s of triggers every 10 ms
    await loop.stop();
  });

  it('the first run that succeeds ends the back-off', async () => {
    let fail = true;
    const run = vi.fn(async () => {
      if (fail) throw new Error('lock not obtained');
    });
    const loop = coalesce(run, 150, { firstMs: 500, maxMs: 4000 });
    loop.trigger(0);
    await flush();
    await vi.advanceTimersByTimeAsync(500 + 1000 + 2000); // three failures: next retry in 4 s
    expect(run).toHaveBeenCalledTimes(4);
    fail = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(run).toHaveBeenCalledTimes(5);
    loop.trigger(0);
    await flush();
    expect(run).toHaveBeenCalledTimes(6); // at once again
    await loop.stop();
  });

  it('tells each failure with its error and when the next try is due, and the recovery with the count', async () => {
    let fail = 2;
    const run = vi.fn(async () => {
      if (fail-- > 0) throw new Error('tmux busy');
    });
    const told: string[] = [];
    const loop = coalesce(run, 150, {
      firstMs: 500,
      maxMs: 4000,
      onFailure: (e, retryInMs, failures) => told.push(`${(e as Error).message} ${retryInMs} ${failures}`),
      onRecovered: (failures) => told.push(`recovered after ${failures}`),
    });
    loop.trigger(0);
    await flush();
    await vi.advanceTimersByTimeAsync(500 + 1000);
    expect(told).toEqual(['tmux busy 500 1', 'tmux busy 1000 2', 'recovered after 2']);
    await loop.stop();
  });

  it('retryDelayMs doubles from firstMs and stops at maxMs, without overflowing', () => {
    const p = { firstMs: 500, maxMs: 30_000 };
    expect([0, 1, 2, 3, 7, 8, 1e6].map((n) => retryDelayMs(n, p))).toEqual([0, 500, 1000, 2000, 30_000, 30_000, 30_000]);
  });

  it('idle() resolves only when no run is active, queued or due', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    let idle = false;
    loop.trigger();
    void loop.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(150);
    expect(r.active).toBe(1);
    loop.trigger(); // queued
    r.finish();
    await flush();
    expect(idle).toBe(false);
    r.finish();
    await flush();
    expect(idle).toBe(true);
  });

  it('stop() waits for the active run, drops the queued one, and ignores later triggers', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger(0);
    await flush();
    loop.trigger(0); // queued behind the active run

    let stopped = false;
    void loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false); // the active run is still going

    r.finish();
    await flush();
    expect(stopped).toBe(true);
    loop.trigger(0);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.run).toHaveBeenCalledTimes(1);
    await expect(loop.idle()).resolves.toBeUndefined();
  });

  it('stop() with a debounced run pending cancels it and resolves at once', async () => {
    const r = controlledRuns();
    const loop = coalesce(r.run, 150);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(100);
    await loop.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.run).not.toHaveBeenCalled();
  });
});
