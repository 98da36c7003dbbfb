import type { ProcessAccess } from '../../src/host/machine.js';
import { localProcs } from '../../src/host/local-procs.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { nudgeLostExits } from '../../src/observe/lost-exits.js';
import type { ProcStat } from '../../src/process/table.js';
import type { ObservedPane, ObservedState } from '../../src/observe/types.js';
import { managedPane, observedWith, running, spec } from '../helpers/model.js';
import { isProcessAlive, waitFor } from '../helpers/tmux.js';

/**
 * A stand-in for a tmux server that lost a SIGCHLD: a process (sleep, which never waits) with a
 * zombie child (it exits after sh has exec'd sleep, so nobody reaps it). Both are this test's own.
 */
async function parentWithZombie(): Promise<{ parent: ChildProcess; zombie: number }> {
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const zombie = Number(line.toString().trim());
  await waitFor(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), 5000, 'child to be a zombie');
  return { parent, zombie };
}

/** Sessions of one managed pane each, the pane as given (stamped as tmuxctl's unless `stamp: undefined`). */
function state(serverPid: number | undefined, panes: Partial<ObservedPane>[]): ObservedState {
  const sessions = panes.map((pane, i) => {
    const s = spec(`s${i}`);
    const live = running(s);
    live.windows[0]!.panes = [{ ...managedPane(s.windows[0]!.panes[0]!), ...pane }];
    return live;
  });
  return observedWith(sessions, { serverPid, at: 0 });
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.pid && isProcessAlive(p.pid)) p.kill('SIGKILL');
});

describe('nudgeLostExits', () => {
  it('signals the server only for a dead pane with no exit whose process is that server’s zombie', async () => {
    const { parent, zombie } = await parentWithZombie();
    started.push(parent);
    const server = parent.pid!;
    expect(await nudgeLostExits(localProcs, state(server, [{ id: '%1', pid: zombie, dead: true }]))).toBe(true);
    expect(isProcessAlive(server)).toBe(true); // SIGCHLD harms no one

    // Not these: exit already known, pane alive, zombie of another parent, no server pid, a live process.
    expect(await nudgeLostExits(localProcs, state(server, [{ id: '%1', pid: zombie, dead: true, exit: { status: 0 } }]))).toBe(false);
    expect(await nudgeLostExits(localProcs, state(server, [{ id: '%1', pid: zombie, dead: false }]))).toBe(false);
    expect(await nudgeLostExits(localProcs, state(process.pid, [{ id: '%1', pid: zombie, dead: true }]))).toBe(false);
    expect(await nudgeLostExits(localProcs, state(undefined, [{ id: '%1', pid: zombie, dead: true }]))).toBe(false);
    expect(await nudgeLostExits(localProcs, state(server, [{ id: '%1', pid: server, dead: true }]))).toBe(false);
    // Nor a pane tmuxctl did not start (no stamp), in an owned session.
    expect(await nudgeLostExits(localProcs, state(server, [{ id: '%1', pid: zombie, dead: true, stamp: undefined }]))).toBe(false);
  });

  it('asks again, without a signal, while a dead pane’s process is still on its way out (running or in the kernel)', async () => {
    // The kernel closes an exiting process's terminal before it makes it a zombie, and tmux marks the
    // pane dead on the close: a look in between has no status yet. A fake table gives each state for sure.
    const server = 4000;
    const nudged: number[] = [];
    const table = (pid: number, ppid: number, state: string) => {
      const proc: ProcStat = { pid, ppid, pgid: pid, sid: pid, startTime: 1, state, cpuTicks: 0 };
      const procs: Pick<ProcessAccess, 'read' | 'nudgeReap'> = {
        read: async (pids) => new Map(pids.includes(pid) ? [[pid, proc]] : []),
        nudgeReap: async (p) => {
          nudged.push(p);
          return true;
        },
      };
      return procs as ProcessAccess;
    };
    const dead = state(server, [{ id: '%1', pid: 4001, dead: true }]);
    for (const exiting of ['R', 'D']) {
      expect(await nudgeLostExits(table(4001, server, exiting), dead)).toBe(true);
    }
    expect(nudged).toEqual([]);
    // A zombie is nudged; a process that closed its terminal and sleeps on, or another parent's, is not waited for.
    expect(await nudgeLostExits(table(4001, server, 'Z'), dead)).toBe(true);
    expect(nudged).toEqual([server]);
    expect(await nudgeLostExits(table(4001, server, 'S'), dead)).toBe(false);
    expect(await nudgeLostExits(table(4001, 1, 'R'), dead)).toBe(false);
    // Reaped between the look and the read of /proc: tmux recorded its exit as it reaped, so look again.
    expect(await nudgeLostExits(table(4002, server, 'R'), dead)).toBe(true);
    expect(nudged).toEqual([server]);
    // One gone and one a lost zombie in the same look: the zombie is still nudged.
    const two = state(server, [
      { id: '%1', pid: 4001, dead: true },
      { id: '%2', pid: 4009, dead: true },
    ]);
    expect(await nudgeLostExits(table(4001, server, 'Z'), two)).toBe(true);
    expect(nudged).toEqual([server, server]);
  });
});
