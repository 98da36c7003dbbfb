/**
 * The SIGCHLD nudge of pane-liveness.ts, against a stand-in "server" (a shell of ours that counts the
 * SIGCHLDs it gets): tmux reaps a pane exit it lost only when some SIGCHLD arrives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, it } from 'vitest';
import type { ObservedState } from '../../src/observe/types.js';
import { followPanes, type PaneLiveness } from '../../src/supervise/pane-liveness.js';
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
