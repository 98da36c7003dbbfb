/**
 * Node fires a timer whose delay exceeds 2^31-1 ms (about 24.8 days) after 1 ms, with a warning:
 * `healthCheck.intervalSeconds: 3000000` ran the check ~175 times a second. Every timer of watch
 * takes its delay through here, so no value in a spec or on the command line can make one fire early.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay Node honours as given: NaN and negatives become 0, anything over the limit the limit. */
export function clampDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

export function setTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  return setTimeout(fn, clampDelay(ms));
}

export function setRepeating(fn: () => void, ms: number): ReturnType<typeof setInterval> {
  // An interval of 0 would run back to back: 1 ms is Node's own floor, kept explicit here.
  return setInterval(fn, Math.max(1, clampDelay(ms)));
}
