import { appendFileSync, copyFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

/** Default cap of one session's log before it is rotated to NAME.log.1. */
export const LOG_CAP_BYTES = 10 * 1024 * 1024;

export function sessionLogFile(logDir: string, session: string): string {
  return join(logDir, `${session}.log`);
}

/**
 * A marker line between runs, so one file reads as a history: `[tmuxctl 2026-11-25T16:00:00Z] started (not found)`.
 * Appended with O_APPEND like the pane's own `cat >>`, so lines never overwrite each other.
 */
export function appendMarker(logDir: string, session: string, text: string, at = Date.now()): void {
  mkdirSync(logDir, { recursive: true });
  appendFileSync(sessionLogFile(logDir, session), `[tmuxctl ${new Date(at).toISOString()}] ${text}\n`);
}

/**
 * copytruncate, as logrotate does it: the pane's `cat` keeps its O_APPEND descriptor and simply
 * continues at the start of the emptied file. Lines written between copy and truncate are lost;
 * that is the price of never signalling the pipe.
 */
export function rotateIfLarge(logDir: string, session: string, capBytes = LOG_CAP_BYTES): boolean {
  if (!logIsLarge(logDir, session, capBytes)) return false;
  const file = sessionLogFile(logDir, session);
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  return true;
}

/** Whether a session's log has reached the cap, so that a pass would rotate it. */
export function logIsLarge(logDir: string, session: string, capBytes = LOG_CAP_BYTES): boolean {
  try {
    return statSync(sessionLogFile(logDir, session)).size >= capBytes;
  } catch {
    return false;
  }
}
