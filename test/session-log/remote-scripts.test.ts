import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linesSince } from '../../src/session-log/log-lines.js';
import { tailLines } from '../../src/session-log/read.js';
import { followScript, listLogsScript, sinceScript, splitLogText, TailSplitter, tailHeader, tailScript } from '../../src/session-log/remote-scripts.js';
import { logTargetsOf } from '../../src/session-log/log-names.js';
import { waitFor } from '../helpers/tmux.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-remote-scripts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 });

describe('TailSplitter', () => {
  it("splits tail's output by its headers, drops only the blank line tail puts before a header, and waits for whole lines", () => {
    const got: [string, string][] = [];
    const s = new TailSplitter(
      new Map([
        ['/l/a.log', 'a'],
        ['/l/b.log', 'b'],
      ]),
      (t, l) => got.push([t, l]),
    );
    s.push(`${tailHeader('/l/a.log')}\none\n\ntwo\r\n\n${tailHeader('/l/b.log')}\nthr`);
    s.push(`ee\n==> /elsewhere.log <==\n\n\n${tailHeader('/l/a.log')}\nfour`);
    s.flush();
    expect(got).toEqual([
      ['a', 'one'],
      ['a', ''],
      ['a', 'two'],
      ['b', 'three'],
      ['b', '==> /elsewhere.log <=='],
      ['b', ''],
      ['a', 'four'],
    ]);
  });
});

describe('the scripts read a log on a host as it is read here', () => {
  const file = () => path.join(dir, 'web.log');

  it('tailScript: the last n lines, topped up from FILE.1, as tailLines', () => {
    const cases: [string | undefined, string | undefined, number][] = [
      ['1\n2\n3\n4\n5\n', undefined, 3],
      ['a\r\nb\r\n', 'x\ny\nz', 5], // .1 without its last newline; \r\n line ends
      [undefined, 'only\nold\n', 1],
      ['', 'old\n', 2],
      ['a\n\n', undefined, 2],
      [undefined, undefined, 4],
    ];
    for (const [current, older, n] of cases) {
      rmSync(file(), { force: true });
      rmSync(`${file()}.1`, { force: true });
      if (current !== undefined) writeFileSync(file(), current);
      if (older !== undefined) writeFileSync(`${file()}.1`, older);
      expect(splitLogText(sh(tailScript(file(), n))), JSON.stringify([current, older, n])).toEqual(tailLines(file(), n));
    }
  });

  it('sinceScript: from the first marker since, in FILE.1 then all of FILE, or in FILE, as linesSince', () => {
    const m = (iso: string, text: string) => `[tmuxctl ${iso}] ${text}\n`;
    writeFileSync(`${file()}.1`, `${m('2026-01-01T00:00:00.000Z', 'started')}old\n${m('2026-01-02T00:00:00.000Z', 'restarted')}mid\n`);
    writeFileSync(file(), `cur\r\n${m('2026-01-03T00:00:00.000Z', 'restarted')}new\n`);
    for (const since of ['2025-12-31T00:00:00.000Z', '2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z', '2026-02-01T00:00:00.000Z']) {
      for (const n of [Number.POSITIVE_INFINITY, 2]) {
        const at = Date.parse(since);
        expect(splitLogText(sh(sinceScript(file(), at, n))), `${since} ${n}`).toEqual(linesSince(file(), at, n));
      }
    }
  });

  it('listLogsScript lists the logs and rotated copies; none without the folder', () => {
    writeFileSync(path.join(dir, 'a.log'), '');
    writeFileSync(path.join(dir, 'b:w.0.log.1'), '');
    writeFileSync(path.join(dir, 'notes.txt'), '');
    expect(logTargetsOf(sh(listLogsScript(dir)).split('\n'))).toEqual(['a', 'b:w.0']);
    expect(sh(listLogsScript(path.join(dir, 'missing')))).toBe('');
  });

  it('followScript follows every file in one tail and ends it when its stdin ends (the ssh that ran it is gone)', async () => {
    const [a, b] = [path.join(dir, 'a.log'), path.join(dir, 'b.log')];
    writeFileSync(a, 'a-old\n');
    const child = spawn('/bin/sh', ['-c', followScript([a, b], { lines: 1 })], { stdio: ['pipe', 'pipe', 'ignore'] });
    const got: [string, string][] = [];
    const s = new TailSplitter(
      new Map([
        [a, 'a'],
        [b, 'b'],
      ]),
      (t, l) => got.push([t, l]),
    );
    child.stdout.on('data', (d: Buffer) => s.push(d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => got.some(([t, l]) => t === 'a' && l === 'a-old'), 10_000, 'the first line');
      writeFileSync(b, 'b-new\n'); // a log that appears after following began
      appendFileSync(a, 'a-new\n');
      await waitFor(() => got.some(([t, l]) => t === 'b' && l === 'b-new') && got.some(([t, l]) => t === 'a' && l === 'a-new'), 10_000, 'the new lines');
      // Our end of stdout stays open: only the stdin watcher can end tail now.
      child.stdin.end();
      expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 5000))])).not.toBe('still running');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
