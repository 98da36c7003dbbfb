import { UsageError } from '../errors.js';

/** How long one tmux client may take before the server is deemed not responding. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Extra time per line of a batch (one line is one action: a new session and its stamps, hooks and
 * pipe). Creating sessions grows with their number (each starts processes and touches every other
 * session's status): 600 new sessions took 6.5 s here on a loaded 2-core machine, about 11 ms a
 * line; 50 ms a line leaves four times that. A fixed 15 s failed a 2000-session apply that had
 * succeeded. The timeout is there to find a dead server, not to bound a big batch.
 */
export const BATCH_MS_PER_LINE = 50;

/**
 * And per line, for every session the server will hold: each new session touches every other
 * session's status, so a batch's cost grows with the square of the server's size. Measured by the
 * hostile test: 400 new sessions 6 s, 1000 52 s, 2000 past 115 s (the linear allowance), though
 * the server was busy, not stuck. 0.1 ms a line per session gives 2000 new sessions 515 s, about
 * twice what they take.
 */
export const BATCH_MS_PER_LINE_PER_SESSION = 0.1;

/**
 * The size of a batch for its timeout: one per line, or per pane the line starts when it starts
 * several (a session of four panes is one line). Counting lines alone gave 250 sessions of 4 panes
 * the allowance of 250 panes, and a cold apply that tmux completed was reported as not responding.
 */
export function batchSize(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += Math.max(1, line.match(PANE_START)?.length ?? 0);
  return n;
}
const PANE_START = /(?:^| ; )'(?:new-session|new-window|split-window|respawn-pane)'/g;

/** A batch of `lines` on a server that holds `serverSessions` sessions before it. */
export function batchTimeoutMs(lines: number, baseMs: number, serverSessions = 0): number {
  const n = Math.max(0, lines);
  return Math.round(baseMs + n * (BATCH_MS_PER_LINE + BATCH_MS_PER_LINE_PER_SESSION * (Math.max(0, serverSessions) + n)));
}

/**
 * TMUXCTL_TMUX_TIMEOUT_MS overrides the base timeout (tests use a short one to find a stopped
 * server quickly; a slow machine may want more). Anything but a whole number of at least 100 is a
 * usage error, never silently ignored.
 */
export function timeoutFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.TMUXCTL_TMUX_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100) throw new UsageError(`TMUXCTL_TMUX_TIMEOUT_MS must be a whole number of milliseconds, at least 100 (got "${raw}")`);
  return n;
}
