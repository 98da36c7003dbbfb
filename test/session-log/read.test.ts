import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followLines, tailLines } from '../../src/session-log/read.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function log(current: string | undefined, older?: string): string {
  const file = path.join(dir, `s${n++}.log`);
  if (current !== undefined) writeFileSync(file, current);
  if (older !== undefined) writeFileSync(`${file}.1`, older);
  return file;
}

describe('tailLines reads the last lines from the end', () => {
  it('takes the last n lines, with or without a final newline, and \\r\\n as \\n', () => {
    expect(tailLines(log('a\nb\nc\n'), 2)).toEqual(['b', 'c']);
    expect(tailLines(log('a\nb\nc'), 2)).toEqual(['b', 'c']);
    expect(tailLines(log('a\r\nb\r\nc\r\n'), 5)).toEqual(['a', 'b', 'c']);
    expect(tailLines(log('a\n\nb\n'), 2)).toEqual(['', 'b']);
    expect(tailLines(log(''), 3)).toEqual([]);
    expect(tailLines(log('a\n'), 0)).toEqual([]);
  });

  it('tops up from NAME.log.1 (one level only), oldest first', () => {
    expect(tailLines(log('c\n', 'a\nb\n'), 2)).toEqual(['b', 'c']);
    expect(tailLines(log('c\n', 'a\nb\n'), 10)).toEqual(['a', 'b', 'c']);
    expect(tailLines(log(undefined, 'a\nb\n'), 1)).toEqual(['b']);
    expect(tailLines(log(undefined), 1)).toEqual([]);
  });

  it('is exact across its 64 KiB read chunks, multi-byte characters included', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i} é€ ${'z'.repeat(i % 13)}`);
    const file = log(`${lines.join('\n')}\n`);
    for (const k of [1, 2, 1000, 7777, 30_000, 40_000]) expect(tailLines(file, k)).toEqual(lines.slice(-k));
    // A line longer than a chunk.
    const long = 'L'.repeat(200_000);
    expect(tailLines(log(`first\n${long}\nlast\n`), 2)).toEqual([long, 'last']);
  });
});

describe('followLines: the tail, then every later byte, across rotations', () => {
  // One poll, when the signal aborts: what happened to the files in between is all it sees.
  async function followedAcross(file: string, change: () => void): Promise<{ lines: string[]; text: string }> {
    let text = '';
    const stop = new AbortController();
    const followed = followLines(file, 2, (t) => (text += t), stop.signal, 3_600_000);
    change();
    stop.abort();
    await followed.done;
    return { lines: followed.lines, text };
  }

  it('prints what was written after the tail it showed, from the same open file', async () => {
    const file = log('1\n2\n3\n');
    const r = await followedAcross(file, () => appendFileSync(file, '4\n5\n'));
    expect(r.lines).toEqual(['2', '3']);
    expect(r.text).toBe('4\n5\n');
  });

  it('a rename rotation: the old file to its end, then the new one from its start', async () => {
    const file = log('1\n');
    const r = await followedAcross(file, () => {
      appendFileSync(file, '2\n');
      renameSync(file, `${file}.1`);
      writeFileSync(file, '3\n4\n5\n6\n'); // already longer than the old file was
    });
    expect(r.text).toBe('2\n3\n4\n5\n6\n');
  });

  it('two rotations between looks: the file in between (now NAME.log.1) is printed whole', async () => {
    const file = log('1\n');
    const r = await followedAcross(file, () => {
      appendFileSync(file, '2\n');
      renameSync(file, `${file}.1`);
      writeFileSync(file, '3\n');
      renameSync(file, `${file}.1`);
      writeFileSync(file, '4\n');
    });
    expect(r.text).toBe('2\n3\n4\n');
  });

  it('a copytruncate: reading starts again at the beginning', async () => {
    const file = log('1\n2\n');
    const r = await followedAcross(file, () => {
      truncateSync(file, 0);
      appendFileSync(file, '3\n');
    });
    expect(r.text).toBe('3\n');
  });
});
