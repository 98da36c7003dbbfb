import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appendMarker, rotateIfLarge, sessionLogFile } from '../../src/session-log/files.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';

const root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('session-log markers', () => {
  it('are appended to NAME.log, created 0600 in a 0700 folder', () => {
    const logDir = path.join(root, 'private', 'logs');
    expect(appendMarker(logDir, 'web', 'started (not found)', Date.UTC(2026, 10, 25, 16))).toBe(true);
    expect(readFileSync(sessionLogFile(logDir, 'web'), 'utf8')).toBe('[tmuxctl 2026-11-25T16:00:00.000Z] started (not found)\n');
    expect(statSync(logDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(root, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(sessionLogFile(logDir, 'web')).mode & 0o777).toBe(0o600);
  });

  it('never throw into the caller: a file where the folder should be is a false, not an exception', () => {
    const blocker = path.join(root, 'blocker');
    writeFileSync(blocker, '');
    expect(appendMarker(path.join(blocker, 'logs'), 'web', 'started')).toBe(false);
  });

  describe('on a full disk (a real 256 KiB tmpfs, filled)', () => {
    let fs: SmallFs | undefined;
    afterEach(() => {
      fs?.unmount();
      fs = undefined;
    });

    it('are skipped while it is full, leave no torn line, and are written again once there is room', () => {
      fs = mountSmallFs();
      const logDir = path.join(fs.dir, 'logs');
      expect(appendMarker(logDir, 'web', 'started')).toBe(true);
      fs.fill();
      expect(appendMarker(logDir, 'web', `exited ${'x'.repeat(5000)}`)).toBe(false);
      fs.free();
      expect(appendMarker(logDir, 'web', 'restarted')).toBe(true);
      const lines = readFileSync(sessionLogFile(logDir, 'web'), 'utf8').split('\n');
      expect(lines.map((l) => l.replace(/^\[tmuxctl [^\]]+\] /, ''))).toEqual(['started', 'restarted', '']);
    });
  });
});

describe('rotateIfLarge (the pass-time backstop for a writer that does not cap)', () => {
  it('keeps only the last cap bytes in NAME.log.1 (a 50x file costs no more than a capped one), and empties NAME.log', () => {
    const logDir = path.join(root, 'rotate');
    appendMarker(logDir, 'big', 'started');
    const file = sessionLogFile(logDir, 'big');
    const cap = 1000;
    writeFileSync(file, `${'a'.repeat(50 * cap)}THE END\n`);
    expect(rotateIfLarge(logDir, 'big', cap)).toBe(true);
    const kept = readFileSync(`${file}.1`, 'utf8');
    expect(kept).toHaveLength(cap);
    expect(kept.endsWith('THE END\n')).toBe(true);
    expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBe(0);
    expect(rotateIfLarge(logDir, 'big', cap)).toBe(false);
  });
});
