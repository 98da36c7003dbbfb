import { afterEach, describe, expect, it, vi } from 'vitest';
import { Requeue } from '../../src/supervise/requeue.js';
import { clampDelay, MAX_TIMER_MS, setRepeating, setTimer } from '../../src/supervise/timers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('timers: no delay makes a timer fire early', () => {
  it('clampDelay keeps delays Node honours', () => {
    expect(clampDelay(3_000_000_000)).toBe(MAX_TIMER_MS);
    expect(clampDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(clampDelay(-5)).toBe(0);
    expect(clampDelay(Number.NaN)).toBe(0);
    expect(clampDelay(1500)).toBe(1500);
  });

  it('a timeout, an interval and a requeue of 3e9 ms do not fire within 300 ms (real timers)', async () => {
    const fired = vi.fn();
    const a = setTimer(fired, 3_000_000_000);
    const b = setRepeating(fired, 3_000_000_000);
    const r = new Requeue(fired);
    r.set(3_000_000_000);
    cleanups.push(
      () => clearTimeout(a),
      () => clearInterval(b),
      () => r.clear(),
    );
    await sleep(300);
    expect(fired).not.toHaveBeenCalled();
  });
});
