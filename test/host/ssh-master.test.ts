/**
 * Finding the host's shared connection before a command: `ssh -G` (where its control socket is) and
 * `ssh -O check` (whether a master answers there) are both local and independent, so they are asked
 * side by side. ssh itself is faked here (spawn mocked): no network, no sshd.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureMaster } from '../../src/host/ssh/ssh-master.js';
import { waitFor } from '../helpers/tmux.js';

/** Every ssh spawned (its mode: -G, -O check, or master), and the answer to -G, held until released. */
const fake = vi.hoisted(() => ({ spawned: [] as string[], releaseG: [] as (() => void)[] }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const { EventEmitter: Emitter } = await import('node:events');
  const { PassThrough: Pipe } = await import('node:stream');
  const spawn = (_file: string, args: string[]) => {
    const mode = args.includes('-G') ? '-G' : args.includes('-O') ? `-O ${args[args.indexOf('-O') + 1]}` : 'master';
    fake.spawned.push(mode);
    const child = Object.assign(new Emitter(), { stdin: null, stdout: new Pipe(), stderr: new Pipe(), pid: 99999, kill: () => true });
    const exit = (code: number) => {
      child.stdout.end();
      child.stderr.end();
      child.emit('exit', code, null);
      child.emit('close', code, null);
    };
    if (mode === '-G')
      fake.releaseG.push(() => {
        child.stdout.write('controlpath /nonexistent/tmuxctl-test/abc\n');
        exit(0);
      });
    else if (mode === '-O check')
      setImmediate(() => exit(0)); // a master answers
    else setImmediate(() => exit(255));
    return child;
  };
  return { ...real, spawn };
});

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'tmx-m-'));
  fake.spawned.length = 0;
  fake.releaseG.length = 0;
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('ensureMaster', () => {
  it('checks for a running master while ssh -G is still working out the socket path, and starts none when one answers', async () => {
    const target = { name: 'gpu1', ssh: 'gpu1', stateDir, connectTimeoutSec: 5 };
    const done = ensureMaster(target, { timeoutMs: 5000 });
    await waitFor(() => fake.releaseG.length > 0, 5000, 'ssh -G spawned');
    // -G has not answered: the check must already be out.
    await waitFor(() => fake.spawned.includes('-O check'), 5000, 'ssh -O check spawned alongside ssh -G');
    for (const r of fake.releaseG) r();
    await done;
    expect(fake.spawned.sort()).toEqual(['-G', '-O check']);
  });
});
