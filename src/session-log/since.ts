import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;
const MARKER = '[tmuxctl ';
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10m`, `90s`, `2h`, `1d` → milliseconds; undefined when it is not one. Pure. */
export function parseSince(text: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** The time of a marker line (`[tmuxctl 2026-11-25T16:00:00.000Z] started ...`); undefined for any other line. Pure. */
export function markerTime(lineStart: string): number | undefined {
  if (!lineStart.startsWith(MARKER)) return undefined;
  const end = lineStart.indexOf(']');
  if (end < 0) return undefined;
  const t = Date.parse(lineStart.slice(MARKER.length, end));
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Byte offset of the first marker line at or after `since` (epoch ms), read in chunks (memory does
 * not follow the file's size); undefined when the file has none or cannot be read. Pane output
 * carries no timestamps, so a marker (written at every start and restart) is the only time a log
 * knows.
 */
export function firstMarkerSince(file: string, since: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(CHUNK);
    let head = ''; // the start of the current line, enough to read a marker
    let lineStart = 0;
    let atLineStart = true;
    for (let pos = 0; pos < size; ) {
      const got = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      if (got <= 0) break;
      for (let i = 0; i < got; i++) {
        const byte = buf[i]!;
        if (atLineStart) {
          lineStart = pos + i;
          head = '';
          atLineStart = false;
        }
        if (byte === 0x0a) {
          const t = markerTime(head);
          if (t !== undefined && t >= since) return lineStart;
          atLineStart = true;
        } else if (head.length < 64) {
          head += String.fromCharCode(byte);
        }
      }
      pos += got;
    }
    const t = atLineStart ? undefined : markerTime(head);
    return t !== undefined && t >= since ? lineStart : undefined;
  } finally {
    closeSync(fd);
  }
}
