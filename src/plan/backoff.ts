import type { Backoff } from '../spec/types.js';

/**
 * Delay before restarting after the n-th consecutive crash (n counted from 0): the first restart
 * is immediate, then initialSeconds, doubling up to maxSeconds.
 */
export function backoffDelayMs(crashesBefore: number, b: Backoff): number {
  if (crashesBefore <= 0) return 0;
  const seconds = Math.min(b.initialSeconds * 2 ** (crashesBefore - 1), b.maxSeconds);
  return Math.round(seconds * 1000);
}

/** A run that lasted resetAfterSeconds wipes the crash count, so an old crash does not slow a new one. */
export function crashesAfterRun(crashesBefore: number, ranMs: number | undefined, b: Backoff): number {
  if (ranMs !== undefined && ranMs >= b.resetAfterSeconds * 1000) return 0;
  return crashesBefore;
}
