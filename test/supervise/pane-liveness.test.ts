/**
 * The SIGCHLD nudge of pane-liveness.ts, against a stand-in "server" (a shell of ours that counts the
 * SIGCHLDs it gets): tmux reaps a pane exit it lost only when some SIGCHLD arrives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { nudgeLoopScript, parseChildrenLine } from '../../src/host/remote-nudge.js';
import type { ObservedState } from '../../src/observe/types.js';
import { anyMissing, followPanes, type KeepNudging, nudgeOnHost, type PaneLiveness } from '../../src/supervise/pane-liveness.js';
import { managedPane, observedWith, running, spec } from '../helpers/model.js';
import { waitFor } from '../helpers/tmux.js';

let server: ChildProcess | undefined;
let liveness: PaneLiveness | undefined;
afterEach(() => {
  liveness?.stop();
  if (server?.exitCode === null) server.kill('SIGKILL');
});

/** A process with no children of its own that prints a line for every SIGCHLD it receives. */
async function fakeServer(): Promise<{ child: ChildProcess; nudges: () => number }> {
  const child = spawn(process.execPath, ['-e', "process.on('SIGCHLD', () => console.log('chld')); console.log('ready'); setInterval(() => {}, 1000);"], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => out.includes('ready'), 5000, 'the stand-in server');
  return { child, nudges: () => out.split('\n').filter((l) => l === 'chld').length };
}

describe('anyMissing (the rule of both backstops)', () => {
  it('a followed pane process missing from the server’s children has exited; children nobody follows do not count', () => {
    expect(anyMissing([11, 12], new Set([11, 12, 13]))).toBe(false);
    expect(anyMissing([11, 12], new Set([12, 13]))).toBe(true);
    expect(anyMissing([11], new Set())).toBe(true);
    // Nothing followed: nothing to wake for, whatever the server has.
    expect(anyMissing([], new Set())).toBe(false);
  });
});

describe('followPanes', () => {
  it('nudges the server even when no live pane is followed (a pane another command starts is followed by nobody)', async () => {
    const { child, nudges } = await fakeServer();
    server = child;
    const observed: ObservedState = { sessions: new Map(), serverRunning: true, serverPid: child.pid!, at: Date.now() };
    liveness = followPanes(() => {}, 10, undefined);
    liveness.follow(observed);
    await waitFor(() => nudges() >= 3, 3000, 'SIGCHLD nudges with no pane followed');
  });
});

describe('the backstop on a host (the nudge loop tells the server’s children)', () => {
  it('the loop prints the server’s children when they change, and ends with its input', async () => {
    // A stand-in server with two children of its own; one is killed, the loop tells the one left.
    const stand = spawn('bash', ['-c', 'sleep 300 & echo $!; sleep 300 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    server = stand;
    let pids = '';
    stand.stdout!.on('data', (b: Buffer) => (pids += b.toString()));
    await waitFor(() => pids.trim().split('\n').length === 2, 5000, 'the stand-in server’s children');
    const [a, b] = pids.trim().split('\n').map(Number) as [number, number];
    const loop = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    loop.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    loop.stdin!.write(nudgeLoopScript(stand.pid!, 20));
    try {
      const told = () => out.split('\n').flatMap((l) => parseChildrenLine(l) ?? []);
      await waitFor(() => told().some((k) => k.has(a) && k.has(b)), 5000, 'both children told');
      process.kill(a, 'SIGKILL');
      await waitFor(() => told().some((k) => !k.has(a) && k.has(b)), 5000, 'the child left told');
      // Told on change only: about once a second at most, not every tick.
      const lines = out.split('\n').filter((l) => l.startsWith('children')).length;
      expect(lines).toBeLessThanOrEqual(3);
    } finally {
      loop.stdin!.end();
      await waitFor(() => loop.exitCode !== null, 5000, 'the loop ended with its input');
      process.kill(b, 'SIGKILL');
    }
  });

  it('a followed pane process missing from what the loop told wakes watch, once per pass', async () => {
    let tell: ((pids: Set<number>) => void) | undefined;
    const keep: KeepNudging = (_pid, _ms, signal, onChildren) => {
      tell = onChildren;
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined)));
    };
    let exits = 0;
    liveness = nudgeOnHost(
      keep,
      20,
      () => {},
      () => exits++,
    );
    // One session of one pane per pid.
    const snapshot = (alive: number[]): ObservedState =>
      observedWith(
        alive.map((pid) => {
          const s = spec(`hb${pid}`);
          const live = running(s);
          live.windows[0]!.panes = [{ ...managedPane(s.windows[0]!.panes[0]!), id: `%${pid}`, pid }];
          return live;
        }),
        { serverPid: 99, at: Date.now() },
      );
    liveness.follow(snapshot([11, 12]));
    tell!(new Set([11, 12, 13]));
    expect(exits).toBe(0);
    tell!(new Set([12]));
    expect(exits).toBe(1);
    // Nothing followed until the pass it woke follows afresh.
    tell!(new Set([]));
    expect(exits).toBe(1);
    // That pass saw 12 running, but the loop told it gone meanwhile: wakes again.
    liveness.follow(snapshot([12]));
    expect(exits).toBe(2);
    // A pane started since the last report is missing from it without having exited: one report
    // wakes one pass at most, not pass after pass until the next report.
    tell!(new Set([30]));
    liveness.follow(snapshot([30, 31]));
    expect(exits).toBe(3);
    liveness.follow(snapshot([30, 31]));
    liveness.follow(snapshot([30, 31]));
    expect(exits).toBe(3);
    tell!(new Set([30, 31]));
    expect(exits).toBe(3);
    tell!(new Set([30]));
    expect(exits).toBe(4);
  });
});
