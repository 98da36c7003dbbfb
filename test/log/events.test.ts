import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEventLog, stableJson } from '../../src/log/events.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('event log', () => {
  it('appends one JSON line per event at once, keys sorted, with level, message and an ISO timestamp', async () => {
    const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'tmuxctl-events-')), 'state');
    dirs.push(path.dirname(stateDir));
    const log = openEventLog({ stateDir, consoleLevel: 'info', console: false });
    log.record({ event: 'restart', session: 'web', reason: 'killed by signal 9', exitSignal: 9 }, 'warn');
    // Written synchronously: readable before close, so nothing is lost if the process dies next.
    const lines = readFileSync(path.join(stateDir, 'events.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(entry)).toEqual(['event', 'exitSignal', 'level', 'message', 'reason', 'session', 'timestamp']);
    expect(entry).toMatchObject({ event: 'restart', level: 'warn', message: 'restart', session: 'web', exitSignal: 9 });
    expect(new Date(entry.timestamp as string).toISOString()).toBe(entry.timestamp);
    await log.close();
  });

  it('tells once when the log cannot be written, and carries on', async () => {
    const told: string[] = [];
    const root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-events-'));
    dirs.push(root);
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    const stateDir = path.join(file, 'state'); // under a file: cannot be made
    const log = openEventLog({ stateDir, consoleLevel: 'info', console: false, onError: (m) => told.push(m) });
    log.record({ event: 'create', session: 'a' });
    log.record({ event: 'create', session: 'b' });
    await log.close();
    expect(told).toHaveLength(1);
    expect(told[0]).toBe(
      `cannot write the event log in ${stateDir}: cannot use ${file} as a folder: it is a file (state dir: set --state-dir or TMUXCTL_STATE_DIR)`,
    );
  });

  it('sorts keys at every level, as winston json lines did', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('makes its folder 0700 and the file 0600 (it names sessions and their failures)', async () => {
    const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'tmuxctl-events-')), 'state');
    dirs.push(path.dirname(stateDir));
    const log = openEventLog({ stateDir, consoleLevel: 'info', console: false });
    log.record({ event: 'create', session: 'a' });
    await log.close();
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(stateDir, 'events.log')).mode & 0o777).toBe(0o600);
  });

  it('rotates at the cap to events.log.1, keeping one previous file: a crash loop cannot fill a disk', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-events-'));
    dirs.push(stateDir);
    const capBytes = 4096;
    const log = openEventLog({ stateDir, consoleLevel: 'info', console: false, capBytes });
    for (let i = 0; i < 500; i++) log.record({ event: 'restart', session: 'crashy', reason: `crash number ${i}` }, 'warn');
    await log.close();
    const current = readFileSync(path.join(stateDir, 'events.log'), 'utf8');
    const previous = readFileSync(path.join(stateDir, 'events.log.1'), 'utf8');
    const line = current.split('\n')[0]!.length + 1;
    // Rotation happens before a line that would start at or past the cap: each file stays within cap + one line.
    expect(statSync(path.join(stateDir, 'events.log')).size).toBeLessThan(capBytes + line);
    expect(statSync(path.join(stateDir, 'events.log.1')).size).toBeGreaterThanOrEqual(capBytes);
    expect(statSync(path.join(stateDir, 'events.log.1')).size).toBeLessThan(capBytes + line);
    expect(statSync(path.join(stateDir, 'events.log.1')).mode & 0o777).toBe(0o600);
    // Whole lines on both sides of the cut, the newest last.
    const entries = (previous + current)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { reason: string });
    expect(entries.at(-1)!.reason).toBe('crash number 499');
    const numbers = entries.map((e) => Number(e.reason.replace('crash number ', '')));
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });
});

describe('event log on a full disk (a real 256 KiB tmpfs, filled)', () => {
  let fs: SmallFs | undefined;
  afterEach(() => {
    fs?.unmount();
    fs = undefined;
  });

  it('never leaves a torn line, warns once per outage, and writes again when there is room', async () => {
    fs = mountSmallFs();
    const stateDir = path.join(fs.dir, 'state');
    const told: string[] = [];
    const log = openEventLog({ stateDir, consoleLevel: 'info', console: false, onError: (m) => told.push(m) });
    log.record({ event: 'create', session: 'before' });
    fs.fill();
    // Longer than what is left of the file's last page: part of it fits, the rest does not (a torn write).
    for (let i = 0; i < 5; i++) log.record({ event: 'restart', session: 'during', reason: 'x'.repeat(5000) });
    expect(told).toEqual([`cannot write the event log in ${stateDir}: ENOSPC: no space left on device, write`]);
    fs.free();
    log.record({ event: 'create', session: 'after' });
    await log.close();

    const lines = readFileSync(path.join(stateDir, 'events.log'), 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const entries = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => e.event)).toEqual(['create', 'event-log-resumed', 'create']);
    expect(entries[1]).toMatchObject({ level: 'warn', lost: 5 });
    expect(entries[2]).toMatchObject({ session: 'after' });
    expect(told).toHaveLength(1);

    // A second outage is told again: one warning per outage, not one for the life of the process.
    fs.fill();
    const again = openEventLog({ stateDir, consoleLevel: 'info', console: false, onError: (m) => told.push(m) });
    for (let i = 0; i < 3; i++) again.record({ event: 'restart', session: 'during', reason: 'y'.repeat(5000) });
    expect(told).toHaveLength(2);
  });
});
