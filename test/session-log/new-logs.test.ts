import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchNewLogs } from '../../src/session-log/new-logs.js';

describe('watchNewLogs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports each new log once, polls at its interval (no busy loop), and stops when aborted', () => {
    let listed = ['a'];
    let polls = 0;
    const seen: string[] = [];
    const stop = new AbortController();
    watchNewLogs(
      () => {
        polls++;
        return listed;
      },
      new Set(['a']),
      (t) => seen.push(t),
      stop.signal,
      1000,
    );
    vi.advanceTimersByTime(3000);
    expect(polls).toBe(3);
    listed = ['a', 'b', 'c'];
    vi.advanceTimersByTime(2000);
    expect(seen).toEqual(['b', 'c']);
    stop.abort();
    listed = ['a', 'b', 'c', 'd'];
    vi.advanceTimersByTime(5000);
    expect(polls).toBe(5);
    expect(seen).toEqual(['b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a list that fails is tried again at the next poll', () => {
    let fail = true;
    const seen: string[] = [];
    const stop = new AbortController();
    watchNewLogs(
      () => {
        if (fail) throw new Error('ENOENT');
        return ['x'];
      },
      new Set(),
      (t) => seen.push(t),
      stop.signal,
      1000,
    );
    vi.advanceTimersByTime(1000);
    fail = false;
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual(['x']);
    stop.abort();
  });
});
