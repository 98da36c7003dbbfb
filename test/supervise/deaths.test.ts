import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import type { ObservedState } from '../../src/observe/types.js';
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
  it('a log marker that cannot be written (a full disk) never fails the pass: the death is still timed and reported', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-deaths-'));
    mkdirSync(path.join(dir, 'dd.log')); // appending to it fails (EISDIR), as a full disk would (ENOSPC)
    const events: TmuxctlEvent[] = [];
    const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
    const ledger = new DeathLedger(dir, log);
    const at = Date.now();
    const refined = ledger.note(deadSession(at));
    expect(paneOf(refined.sessions.get('dd')!, 'dd').deadAt).toBe(at);
    expect(events.map((e) => e.event)).toEqual(['exit', 'log-error']);
    // Seen again: nothing new to report.
    ledger.note(deadSession(at + 100));
    expect(events).toHaveLength(2);
  });
});
