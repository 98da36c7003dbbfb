import { errorText } from '../errors.js';
import { closeSync, fstatSync, ftruncateSync, renameSync, statSync, writeSync } from 'node:fs';
import { openPrivateFile } from '../state/dirs.js';

export interface AppendLineOptions {
  /** When the file has reached this size, it is renamed to FILE.1 (replacing the previous one) first. */
  capBytes?: number;
}

export type AppendResult = { ok: true } | { ok: false; message: string };

/**
 * Appends one whole line to a log file, synchronously (on disk at once, whatever happens next),
 * and never throws: a log that cannot be written must not stop what it logs.
 *
 * - The folder is made private (0700) and the file is created 0600: it holds the sessions' output.
 * - The file is opened for each line rather than held: other processes (another apply, watch, the
 *   pane's log writer) append to and rotate the same file, and a held descriptor would keep writing
 *   into a file already rotated away.
 * - A write cut short (ENOSPC: a full disk writes part of the line, then refuses) would leave a torn
 *   line that the next entry is glued to. The fragment is cut off again when it is still the file's
 *   tail; when something was appended after it, the next line starts with a newline instead, so every
 *   entry after an outage is still a line of its own.
 */
export function createLineAppender(file: string, opts: AppendLineOptions = {}): (line: string) => AppendResult {
  let torn = false;
  return (line) => {
    const text = `${torn ? '\n' : ''}${line.endsWith('\n') ? line : `${line}\n`}`;
    let fd: number | undefined;
    try {
      fd = openPrivateFile(file);
      if (opts.capBytes !== undefined && fstatSync(fd).size >= opts.capBytes && rotate(file, fd)) {
        closeSync(fd);
        fd = openPrivateFile(file);
      }
      const data = Buffer.from(text);
      const before = fstatSync(fd).size;
      const { written, error } = writeAll(fd, data);
      if (error) {
        // Cut back, the file is as before (an earlier torn line still needs its newline); else this one is torn.
        if (!cutTail(fd, before, written)) torn = true;
        return { ok: false, message: errorText(error) };
      }
      torn = false;
      return { ok: true };
    } catch (error) {
      return { ok: false, message: errorText(error) };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
}

/**
 * FILE -> FILE.1, only when FILE is still the file `fd` has open: when two processes reach the cap
 * at once, the second must not rotate the first one's fresh file over the history just kept.
 */
function rotate(file: string, fd: number): boolean {
  try {
    if (statSync(file).ino !== fstatSync(fd).ino) return true; // already rotated by someone else: reopen
    renameSync(file, `${file}.1`);
    return true;
  } catch {
    return false; // keep appending: a log a little over its cap beats a lost line
  }
}

/** Writes until done or refused; says how many bytes made it and, if not all did, why. */
function writeAll(fd: number, data: Buffer): { written: number; error?: unknown } {
  let written = 0;
  while (written < data.length) {
    try {
      const n = writeSync(fd, data, written, data.length - written);
      if (n <= 0) return { written, error: new Error('the write made no progress') };
      written += n;
    } catch (error) {
      return { written, error };
    }
  }
  return { written };
}

/** Removes a fragment of `written` bytes written at `before`, if it is still the end of the file. */
function cutTail(fd: number, before: number, written: number): boolean {
  try {
    if (fstatSync(fd).size !== before + written) return false;
    ftruncateSync(fd, before);
    return true;
  } catch {
    return false;
  }
}
