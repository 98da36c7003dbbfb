import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventLog, stableJson } from '../../src/log/events.js';

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
    expect(told[0]).toBe(`cannot write the event log in ${stateDir}: ENOTDIR: not a directory, mkdir '${stateDir}'`);
  });

  it('sorts keys at every level, as winston json lines did', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });
});
