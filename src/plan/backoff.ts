import type { Backoff } from '../spec/types.js';

/**
 * The closest two starts of one session ever come, whatever the spec says (`backoff:
 * {initialSeconds: 0, maxSeconds: 0}` restarted ~53 times a second, and `resetAfterSeconds: 0`
 * made every crash a "first" one, restarted at once, ~18 a second): a crash loop costs at most one
 * restart a second. A restart after a run of a second or more stays immediate.
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
 * When a dead run may be restarted: its death plus the backoff for the crashes before it, and never
 * sooner than MIN_RESTART_SPACING_MS after its own start. The floor is on the start, not on the
 * delay alone, so no combination of backoff fields (a count reset by `resetAfterSeconds: 0`
 * included) can make two starts closer.
 */
export function restartDueAt(diedAt: number, startedAt: number | undefined, crashesBefore: number, b: Backoff): number {
  const byBackoff = diedAt + backoffDelayMs(crashesBefore, b);
  return startedAt === undefined ? byBackoff : Math.max(byBackoff, startedAt + MIN_RESTART_SPACING_MS);
}

/** A run that lasted resetAfterSeconds wipes the crash count, so an old crash does not slow a new one. */
export function crashesAfterRun(crashesBefore: number, ranMs: number | undefined, b: Backoff): number {
  if (ranMs !== undefined && ranMs >= b.resetAfterSeconds * 1000) return 0;
  return crashesBefore;
}
