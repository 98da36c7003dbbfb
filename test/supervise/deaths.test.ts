import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import type { ObservedState } from '../../src/observe/types.js';
import { localFiles, type Marker } from '../../src/host/files.js';
import { DeathLedger } from '../../src/supervise/deaths.js';
import { observedWith, paneOf, running, spec } from '../helpers/model.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function deadSession(at: number): ObservedState {
  const live = running(spec('dd'), { createdAt: at - 5000 });
  Object.assign(paneOf(live, 'dd'), { id: '%4', pid: 4242, dead: true, exit: { status: 3 }, deadAt: Math.floor(at / 1000) * 1000 });
  paneOf(live, 'dd').stamp!.startedAt = at - 5000;
  return observedWith([live], { at });
}

describe('DeathLedger', () => {
  it('a log marker that cannot be written (a full disk) never fails the pass: the death is still timed and reported', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-deaths-'));
    mkdirSync(path.join(dir, 'dd.log')); // appending to it fails (EISDIR), as a full disk would (ENOSPC)
    const events: TmuxctlEvent[] = [];
    const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
    const ledger = new DeathLedger(dir, log, localFiles);
    const at = Date.now();
    const refined = ledger.note(deadSession(at));
    expect(paneOf(refined.sessions.get('dd')!, 'dd').deadAt).toBe(at);
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => e.event)).toEqual(['exit', 'log-error']);
    // Seen again: nothing new to report.
    ledger.note(deadSession(at + 100));
    expect(events).toHaveLength(2);
  });

  it('writes the exit marker on the machine the pane ran on: a host’s, never into the same path here', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-deaths-'));
    const events: TmuxctlEvent[] = [];
    const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
    const written: { logDir: string; markers: readonly Marker[] }[] = [];
    const host = {
      appendMarkers: async (logDir: string, markers: readonly Marker[]) => {
        written.push({ logDir, markers });
        return [];
      },
    };
    // The host's log folder: a path there, which may well exist here too (the same user's home).
    new DeathLedger(dir, log, host).note(deadSession(Date.now()));
    expect(written).toEqual([{ logDir: dir, markers: [{ session: 'dd', text: 'exited with status 3' }] }]);
    expect(readdirSync(dir)).toEqual([]);
    expect(events.map((e) => e.event)).toEqual(['exit']);
  });
});
