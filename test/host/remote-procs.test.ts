import { execFile, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { localProcs } from '../../src/host/local-procs.js';
import { groupsScript, parseStatLines, remoteProcs, signalScript, type RemoteShell } from '../../src/host/remote-procs.js';
import { readProc } from '../../src/process/table.js';
import { localSh } from '../helpers/local-sh.js';
import { isProcessAlive, waitFor } from '../helpers/tmux.js';

/** The scripts run by a local `sh -s`: what a remote host does with them, minus ssh. */
const localShell: RemoteShell = { run: localSh };
const remote = remoteProcs(localShell);

describe('the process table of a host, through shell scripts', () => {
  it('lists what /proc lists, parsed like the local table', async () => {
    const [theirs, ours] = await Promise.all([remote.list(), localProcs.list()]);
    // Identity only: the state and CPU time of a running process change between two reads.
    const identity = (list: typeof ours) => {
      const p = list.find((q) => q.pid === process.pid)!;
      return { pid: p.pid, ppid: p.ppid, pgid: p.pgid, sid: p.sid, startTime: p.startTime };
    };
    expect(identity(theirs)).toEqual(identity(ours));
    expect(theirs.length).toBeGreaterThan(5);
  });

  it('signals only a process that is still the one observed (same start time)', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const seen = readProc(child.pid!)!;
      // A recycled pid looks like this: same pid, another start time. Left alone.
      await remote.signal([{ pid: seen.pid, startTime: seen.startTime + 1 }], 'SIGTERM');
      expect(await remote.alive([seen])).toEqual([seen]);
      await remote.signal([seen], 'SIGTERM');
      await waitFor(() => !isProcessAlive(seen.pid), 5000, 'sleep stopped');
      expect(await remote.alive([seen])).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('says which process groups still have members', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
    try {
      const groups = await remote.groupsWithMembers([child.pid!, 999_999_999]);
      expect([...groups]).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('counts a group it may not signal as one with members (only "No such process" is empty)', async () => {
    // A group of this test's user, asked about by a shell of another user (nobody): `kill -0` says
    // "not permitted" there, and that group is not empty.
    const child = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
    const asNobody: RemoteShell = {
      run: (script) =>
        new Promise((resolve, reject) => {
          execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-s'], (e, out) => (e ? reject(e) : resolve(out))).stdin!.end(script);
        }),
    };
    try {
      const groups = await remoteProcs(asNobody).groupsWithMembers([child.pid!, 999_999_999]);
      expect([...groups]).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('never puts anything but integers and a signal name in a script', () => {
    expect(() => signalScript([{ pid: 1, startTime: 1 }], 'SIGTERM; rm -rf ~' as NodeJS.Signals)).toThrow();
    expect(signalScript([{ pid: Number.NaN, startTime: 1 }], 'SIGTERM')).toBe('exit 0\n');
    expect(groupsScript([Number.NaN, 1, -5, 0])).toBe('exit 0\n');
    expect(parseStatLines('garbage\n12 (a b) S 1 12 12 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 777 0 0\n')).toMatchObject([{ pid: 12, startTime: 777, cpuTicks: 3 }]);
  });
});
