import { closeSync, existsSync, fstatSync, renameSync, openSync, readSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLineAppender } from '../log/append-line.js';
import { PRIVATE_FILE_MODE } from '../state/dirs.js';

/** Cap of one session's log (and of events.log): at this size it becomes NAME.log.1, replacing the previous one. */
export const LOG_CAP_BYTES = 10 * 1024 * 1024;

export function sessionLogFile(logDir: string, session: string): string {
  return join(logDir, `${session}.log`);
}

/**
 * A marker line between runs, so one file reads as a history: `[tmuxctl 2026-11-25T16:00:00Z] started (not found)`.
 * Appended with O_APPEND like the pane's own writer, so lines never overwrite each other, and under the
 * same cap. Never throws: a full disk or an unusable log folder must not stop a start, a restart or
 * watch's next wake-up. Returns whether the marker was written.
 */
export function appendMarker(logDir: string, session: string, text: string, at = Date.now()): boolean {
  const append = createLineAppender(sessionLogFile(logDir, session), { capBytes: LOG_CAP_BYTES });
  return append(markerLine(text, at)).ok;
}

/** The text of a marker line (no newline): `[tmuxctl 2026-11-25T16:00:00.000Z] started (not found)`. */
export function markerLine(text: string, at: number): string {
  return `[tmuxctl ${new Date(at).toISOString()}] ${text}`;
}

/**
 * Renames a pane's log (and its rotated half) to a new name, when its target changed without a
 * restart. A file already under the new name (an earlier pane of that name) is replaced. Never
 * throws: the output is sent to the new name either way; at worst the old lines stay under the old one.
 */
export function moveLog(logDir: string, from: string, to: string): boolean {
  try {
    for (const suffix of ['', '.1']) {
      const source = sessionLogFile(logDir, from) + suffix;
      if (existsSync(source)) renameSync(source, sessionLogFile(logDir, to) + suffix);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * A backstop for a log that grew past the cap without its writer rotating it (a pane started by an
 * older tmuxctl, whose writer was a plain `cat >>`): copytruncate, as logrotate does it, since that
 * `cat` keeps its O_APPEND descriptor and simply continues at the start of the emptied file. Only the
 * last `capBytes` are copied, so a huge file costs no more than a capped one. Never throws.
 */
export function rotateIfLarge(logDir: string, session: string, capBytes = LOG_CAP_BYTES): boolean {
  if (!logIsLarge(logDir, session, capBytes)) return false;
  const file = sessionLogFile(logDir, session);
  try {
    writeFileSync(`${file}.1`, readTail(file, capBytes), { mode: PRIVATE_FILE_MODE });
    truncateSync(file, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a session's log has reached the cap, so that a pass would rotate it. */
export function logIsLarge(logDir: string, session: string, capBytes = LOG_CAP_BYTES): boolean {
  try {
    return statSync(sessionLogFile(logDir, session)).size >= capBytes;
  } catch {
    return false;
  }
}

function readTail(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size; // of the file opened: it may be rotated away meanwhile
    const buf = Buffer.alloc(Math.min(bytes, size));
    const n = readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
