import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import type { ObservedState } from '../../src/observe/types.js';
import { DeathLedger } from '../../src/supervise/deaths.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function deadSession(at: number): ObservedState {
  return {
    sessions: new Map([
      [
        'dd',
        {
          id: '$4',
          name: 'dd',
          createdAt: at - 5000,
          owned: true,
          pane: { id: '%4', pid: 4242, dead: true, exit: { status: 3 }, deadAt: Math.floor(at / 1000) * 1000 },
          startedAt: at - 5000,
          restarts: 0,
          envKeys: [],
          crashes: 0,
        },
      ],
    ]),
    serverRunning: true,
    at,
  };
}

describe('DeathLedger', () => {
  it('a log marker that cannot be written (a full disk) never fails the pass: the death is still timed and reported', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-deaths-'));
    mkdirSync(path.join(dir, 'dd.log')); // appending to it fails (EISDIR), as a full disk would (ENOSPC)
    const events: TmuxctlEvent[] = [];
    const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
    const ledger = new DeathLedger(dir, log);
    const at = Date.now();
    const refined = ledger.note(deadSession(at));
    expect(refined.sessions.get('dd')!.pane!.deadAt).toBe(at);
    expect(events.map((e) => e.event)).toEqual(['exit', 'log-error']);
    // Seen again: nothing new to report.
    ledger.note(deadSession(at + 100));
    expect(events).toHaveLength(2);
  });
});
