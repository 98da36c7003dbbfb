import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readableLines } from '../../src/session-log/readable.js';
import { firstMarkerSince, markerTime, parseSince } from '../../src/session-log/since.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-since-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logs --since', () => {
  it('parses a whole number and a unit, and nothing else', () => {
    expect(parseSince('90s')).toBe(90_000);
    expect(parseSince('10m')).toBe(600_000);
    expect(parseSince('2h')).toBe(7_200_000);
    expect(parseSince('1d')).toBe(86_400_000);
    for (const bad of ['', '10', 'm', '1.5h', '-1m', '10w', '10 m x']) expect(parseSince(bad), bad).toBeUndefined();
  });

  it('reads the time of a start marker only', () => {
    expect(markerTime('[tmuxctl 2026-11-25T16:00:00.000Z] started (not found)')).toBe(Date.parse('2026-11-25T16:00:00.000Z'));
    expect(markerTime('hello [tmuxctl 2026-11-25T16:00:00.000Z]')).toBeUndefined();
    expect(markerTime('[tmuxctl soon] x')).toBeUndefined();
  });

  it('finds the byte offset of the first marker at or after the time', () => {
    const file = path.join(dir, 'app.log');
    const m1 = '[tmuxctl 2026-11-25T10:00:00.000Z] started (not found)\n';
    const run1 = 'first run\r\n'.repeat(10_000); // more than one read chunk
    const m2 = '[tmuxctl 2026-11-25T12:00:00.000Z] restarted (exit status 1)\n';
    writeFileSync(file, `${m1}${run1}${m2}second run\n`);
    expect(firstMarkerSince(file, Date.parse('2026-11-25T09:00:00Z'))).toBe(0);
    expect(firstMarkerSince(file, Date.parse('2026-11-25T11:00:00Z'))).toBe(Buffer.byteLength(m1 + run1));
    expect(firstMarkerSince(file, Date.parse('2026-11-25T12:00:00Z'))).toBe(Buffer.byteLength(m1 + run1));
    expect(firstMarkerSince(file, Date.parse('2026-11-25T13:00:00Z'))).toBeUndefined();
    expect(firstMarkerSince(path.join(dir, 'none.log'), 0)).toBeUndefined();
  });
});

describe('readable log lines', () => {
  it('drop colours, titles, the alternate screen and cursor moves, keeping words apart', () => {
    expect(readableLines('\x1b[?1049h\x1b[H\x1b[2J\x1b[1;31mHELLO\x1b[0m\x1b[5;3Hsecond\x1b]0;title\x07 x\x1b[3Cy\x1b[?1049l')).toEqual([
      'HELLO',
      'second x y',
    ]);
    expect(readableLines('plain text')).toEqual(['plain text']);
    expect(readableLines('\x1b[?25l\x1b[H')).toEqual([]);
  });
});
