/**
 * A pass's two looks (the tmux observation and the declared working directories) run in that order:
 * a folder looked at before tmux could be removed as a pane dies, and the restart would then start
 * the command elsewhere. A host asks for both in one script (Machine.lookAhead). A fake machine holds
 * the tmux call open and records when the directory look begins.
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
      appendMarkers: async () => [],
      moveLogs: async () => {},
      listLogs: unused,
      readLogs: unused,
      followLogs: () => {
        throw new Error('not used');
      },
      rotateLarge: async () => {},
      carriesScreens: false,
      startMarkersByWriter: false,
    },
    checks: { command: unused, silentFor: unused, treeRss: unused },
  };
  return { machine, calls, answer: (r: TmuxResult) => answer(r) };
}

const desired: DesiredState = { sessions: [], hosts: [], files: [], roots: [] };

describe('reconcile: the looks of a pass', () => {
  it('looks at the working directories only once the tmux observation has answered', async () => {
    const m = fakeMachine();
    const pass = reconcile(m.machine, desired, { dryRun: true, honourBackoff: false, verify: false, logDir: '/nonexistent' });
    await waitFor(() => m.calls.includes('tmux list-panes'), 5000, 'the observation');
    await new Promise((r) => setTimeout(r, 50));
    expect(m.calls).toEqual(['tmux list-panes']); // the folders wait for tmux's answer
    m.answer({ stdout: '', stderr: 'no server running on /tmp/tmux-0/x', code: 1 });
    const r = await pass;
    expect(m.calls).toEqual(['tmux list-panes', 'missingDirs']);
    expect(r.plan.actions).toEqual([]);
    expect(r.observed.serverRunning).toBe(false);
  });

  it("a host's machine is asked for both looks ahead, in one call, before either is made", async () => {
    const m = fakeMachine();
    const ahead: unknown[] = [];
    m.machine.lookAhead = async (args, dirs) => {
      m.calls.push('lookAhead');
      ahead.push([args[0], dirs]);
    };
    const pass = reconcile(m.machine, desired, { dryRun: true, honourBackoff: false, verify: false, logDir: '/nonexistent' });
    await waitFor(() => m.calls.includes('tmux list-panes'), 5000, 'the observation');
    m.answer({ stdout: '', stderr: 'no server running on /tmp/tmux-0/x', code: 1 });
    await pass;
    expect(m.calls).toEqual(['lookAhead', 'tmux list-panes', 'missingDirs']);
    expect(ahead).toEqual([['list-panes', []]]);
  });
});
