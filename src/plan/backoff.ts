import type { Backoff } from '../spec/types.js';

/**
 * The closest two consecutive crash restarts of one session ever come, whatever the spec says
 * (`backoff: {initialSeconds: 0, maxSeconds: 0}` restarted ~53 times a second): a crash loop costs
 * at most one restart a second. The first restart after a healthy run stays immediate; and since a
 * run shorter than this never counts as healthy (`resetAfterSeconds: 0` made every crash a "first"
 * one, restarted at once, ~18 a second), no combination of backoff fields gets round it.
 */
export const MIN_RESTART_SPACING_MS = 1000;

/**
 * Delay before restarting after the n-th consecutive crash (n counted from 0): the first restart
 * is immediate, then initialSeconds, doubling up to maxSeconds, never under MIN_RESTART_SPACING_MS.
 */
export function backoffDelayMs(crashesBefore: number, b: Backoff): number {
  if (crashesBefore <= 0) return 0;
  const seconds = Math.min(b.initialSeconds * 2 ** (crashesBefore - 1), b.maxSeconds);
  const ms = Math.round(seconds * 1000);
  // NaN (an absurd spec) is no reason to restart at once either.
  return Number.isFinite(ms) ? Math.max(ms, MIN_RESTART_SPACING_MS) : MIN_RESTART_SPACING_MS;
}

/**
 * A run that lasted resetAfterSeconds wipes the crash count, so an old crash does not slow a new one.
 * A run shorter than MIN_RESTART_SPACING_MS never does, whatever resetAfterSeconds says.
 */
export function crashesAfterRun(crashesBefore: number, ranMs: number | undefined, b: Backoff): number {
  if (ranMs !== undefined && ranMs >= Math.max(b.resetAfterSeconds * 1000, MIN_RESTART_SPACING_MS)) return 0;
  return crashesBefore;
}
