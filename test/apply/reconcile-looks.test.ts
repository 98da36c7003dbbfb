/**
 * A pass's two independent looks (the tmux observation and the declared working directories) run
 * side by side: on a host over SSH each is a round trip, and both ride the one master connection.
 * A fake machine holds the tmux call open and records when the directory look begins.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import type { Machine } from '../../src/host/machine.js';
import type { TmuxResult } from '../../src/tmux/client.js';
import type { DesiredState } from '../../src/spec/types.js';
import { waitFor } from '../helpers/tmux.js';

function fakeMachine() {
  const calls: string[] = [];
  let answer: (r: TmuxResult) => void = () => {};
  const unused = () => Promise.reject(new Error('not used by a dry run'));
  const machine: Machine = {
    host: 'h1',
    tmux: {
      server: {},
      timeoutMs: 1000,
      exec: (args) => {
        calls.push(`tmux ${args[0]}`);
        return new Promise<TmuxResult>((resolve) => (answer = resolve));
      },
      run: unused,
      runScript: unused,
      checkVersion: unused,
      abandon: () => {},
    },
    procs: {
      list: unused,
      read: unused,
      alive: unused,
      signal: unused,
      groupsWithMembers: unused,
      nudgeReap: unused,
      view: unused,
    },
    files: {
      missingDirs: async () => {
        calls.push('missingDirs');
        return new Set();
      },
      appendMarkers: async () => {},
      moveLogs: async () => {},
      listLogs: unused,
      readLogs: unused,
      followLogs: () => {
        throw new Error('not used');
      },
      rotateLarge: async () => {},
      carriesScreens: false,
    },
    checks: { command: unused, silentFor: unused, treeRss: unused },
  };
  return { machine, calls, answer: (r: TmuxResult) => answer(r) };
}

const desired: DesiredState = { sessions: [], hosts: [], files: [], roots: [] };

describe('reconcile: the looks of a pass', () => {
  it('looks for missing working directories while the tmux observation is still out (one round trip for both on a host)', async () => {
    const m = fakeMachine();
    const pass = reconcile(m.machine, desired, { dryRun: true, honourBackoff: false, verify: false, logDir: '/nonexistent' });
    // The observation has not answered yet: the directory look must begin all the same.
    await waitFor(() => m.calls.includes('missingDirs'), 5000, 'the directory look, while the observation is out');
    expect(m.calls).toEqual(['tmux list-panes', 'missingDirs']);
    m.answer({ stdout: '', stderr: 'no server running on /tmp/tmux-0/x', code: 1 });
    const r = await pass;
    expect(r.plan.actions).toEqual([]);
    expect(r.observed.serverRunning).toBe(false);
  });
});
