import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 64 * 1024;

/**
 * The last `n` lines of a log and of its rotated predecessor, oldest first, read from the end in
 * chunks: memory follows what is printed, not the file's size (reading a whole 9 MB log to print two
 * lines took 320 MB, and spreading a huge file's lines overflowed the stack).
 */
export function tailLines(file: string, n: number): string[] {
  return tailOf(file, n, true);
}

/** `withOlder`: top up from FILE.1 (one level only: FILE.1.1 is nobody's log). */
function tailOf(file: string, n: number, withOlder: boolean): string[] {
  if (n <= 0) return [];
  const fd = openOrUndefined(file);
  if (fd === undefined) return withOlder ? tailOf(`${file}.1`, n, false) : [];
  try {
    return tailOfOpen(fd, fstatSync(fd).size, n, withOlder ? file : undefined);
  } finally {
    closeSync(fd);
  }
}

/** The last `n` lines of the first `size` bytes of an open log, topped up from `file`.1 when it has fewer. */
function tailOfOpen(fd: number, size: number, n: number, file: string | undefined): string[] {
  const { lines, whole } = lastLines(fd, size, n);
  if (lines.length >= n || !whole || file === undefined) return lines;
  return tailOf(`${file}.1`, n - lines.length, false).concat(lines);
}

/** Reads backwards until `n` whole lines are in hand or the file's start is reached. */
function lastLines(fd: number, size: number, n: number): { lines: string[]; whole: boolean } {
  if (size === 0) return { lines: [], whole: true };
  const chunks: Buffer[] = [];
  let pos = size;
  let newlines = 0; // not counting a final newline: it ends the last line, it does not start another
  while (pos > 0 && newlines < n) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = Buffer.alloc(len);
    readSync(fd, chunk, 0, len, pos);
    chunks.unshift(chunk);
    for (let i = 0; i < len; i++) if (chunk[i] === 0x0a && pos + i !== size - 1) newlines++;
  }
  // Pane output arrives as a terminal writes it: \r\n line ends.
  let text = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const lines = text.split('\n');
  if (pos > 0) lines.shift(); // starts mid-line (or at the newline before the first whole one)
  return { lines: lines.slice(-n), whole: pos === 0 };
}

export interface Followed {
  /** The last `n` lines at the moment following began. */
  lines: string[];
  /** Resolves when the signal aborts. */
  done: Promise<void>;
}

/**
 * The last `n` lines, then everything written after them, like `tail -n N -F`. Both come from one
 * open descriptor, so nothing written between printing the tail and starting to follow is lost (that
 * gap, and polling the size by name, dropped lines before). When the writer rotates the log (renames
 * it to NAME.log.1) the old file is read to its end before the new one is opened; when a pass
 * truncates it (copytruncate) reading restarts at its beginning. Polls every `intervalMs`.
 */
export function followLines(file: string, n: number, write: (text: string) => void, signal: AbortSignal, intervalMs = 200, startAt?: number): Followed {
  let fd = openOrUndefined(file);
  let offset = fd === undefined ? 0 : fstatSync(fd).size;
  let lines = fd === undefined ? tailLines(file, n) : tailOfOpen(fd, offset, n, file);
  // `logs --since`: from this byte on (its first poll prints it), instead of the last n lines.
  if (startAt !== undefined) {
    lines = [];
    if (fd !== undefined) offset = Math.min(startAt, offset);
  }
  let decoder = new StringDecoder('utf8');
  let carriage = false; // a \r that ended the last read: \r\n may straddle two reads

  const emit = (buf: Buffer): void => {
    let text = (carriage ? '\r' : '') + decoder.write(buf);
    carriage = text.endsWith('\r');
    if (carriage) text = text.slice(0, -1);
    text = text.replace(/\r\n/g, '\n');
    if (text !== '') write(text);
  };
  /** Prints what `from` holds past `at`; returns the new offset. */
  const readFrom = (from: number, at: number): number => {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const got = readSync(from, buf, 0, buf.length, at);
      if (got <= 0) return at;
      at += got;
      emit(buf.subarray(0, got));
    }
  };
  const drain = (): void => {
    if (fd !== undefined) offset = readFrom(fd, offset);
  };
  const poll = (): void => {
    try {
      if (fd !== undefined && fstatSync(fd).size < offset) offset = 0; // truncated in place
      drain();
      const current = statOrUndefined(file);
      if (fd !== undefined && current?.ino === fstatSync(fd).ino) return;
      // Rotated away (or not there yet): finish the old file, then switch to the new one.
      drain();
      const next = openOrUndefined(file);
      if (next === undefined) return;
      if (fd !== undefined) {
        const oldIno = fstatSync(fd).ino;
        closeSync(fd);
        fd = undefined;
        printBetween(oldIno, fstatSync(next).ino);
      }
      fd = next;
      offset = 0;
      decoder = new StringDecoder('utf8');
      drain();
    } catch {
      // A read that fails now (the file vanished) is tried again at the next poll.
    }
  };
  /** Two rotations between polls: the file in between is NAME.log.1 now, whole; print it first. */
  const printBetween = (oldIno: number, newIno: number): void => {
    const between = openOrUndefined(`${file}.1`);
    if (between === undefined) return;
    try {
      const ino = fstatSync(between).ino;
      if (ino === oldIno || ino === newIno) return;
      decoder = new StringDecoder('utf8');
      readFrom(between, 0);
    } finally {
      closeSync(between);
    }
  };

  const done = new Promise<void>((resolve) => {
    const timer = setInterval(poll, intervalMs);
    const stop = () => {
      clearInterval(timer);
      poll();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      resolve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return { lines, done };
}

function openOrUndefined(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch {
    return undefined;
  }
}

function statOrUndefined(file: string): { ino: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Every line of a log from byte `offset` on, in chunks (memory does not follow the file's size);
 * a last line without its newline is given too. Nothing when it cannot be read.
 */
export function eachLineFrom(file: string, offset: number, onLine: (line: string) => void): void {
  const fd = openOrUndefined(file);
  if (fd === undefined) return;
  try {
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.alloc(CHUNK);
    let rest = '';
    for (let at = offset; ; ) {
      const got = readSync(fd, buf, 0, buf.length, at);
      if (got <= 0) break;
      at += got;
      const parts = (rest + decoder.write(buf.subarray(0, got))).split('\n');
      rest = parts.pop()!;
      for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
    }
    rest += decoder.end();
    if (rest !== '') onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  } finally {
    closeSync(fd);
  }
}
