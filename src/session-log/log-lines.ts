import { eachLineFrom, tailLines } from './read.js';
import { firstMarkerSince } from './since.js';

/** Where `--since` starts: in FILE.1 (then all of FILE follows), or in FILE; neither when no run started since. */
export function startSince(file: string, since: number): { older?: number; current?: number } {
  const older = firstMarkerSince(`${file}.1`, since);
  if (older !== undefined) return { older, current: 0 };
  const current = firstMarkerSince(file, since);
  return current === undefined ? {} : { current };
}

/** The last `n` lines of the runs that started at or after `since`. */
export function linesSince(file: string, since: number, n: number): string[] {
  const from = startSince(file, since);
  const out: string[] = [];
  const keep = (l: string) => {
    out.push(l);
    if (out.length > n) out.shift();
  };
  if (from.older !== undefined) eachLineFrom(`${file}.1`, from.older, keep);
  if (from.current !== undefined) eachLineFrom(file, from.current, keep);
  return out;
}

/** The last `n` lines of a log (topped up from FILE.1), or of its runs since `since` (epoch ms). */
export function logLines(file: string, n: number, since?: number): string[] {
  return since === undefined ? tailLines(file, n) : linesSince(file, since, n);
}
