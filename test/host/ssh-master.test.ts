/**
 * Finding the host's shared connection before a command: `ssh -G` (where its control socket is),
 * then `ssh -O check` (whether a master answers there) only when a socket is there to ask. ssh
 * itself is faked here (spawn mocked): no network, no sshd.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { controlDir } from '../../src/host/ssh/control-path.js';
import { ensureMaster } from '../../src/host/ssh/ssh-master.js';

/** Every ssh spawned (its mode: -G, -O check, or master), and the answer to -G, held until released. */
const fake = vi.hoisted(() => ({ spawned: [] as string[], controlPath: '' }));
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
      setImmediate(() => {
        child.stdout.write(`controlpath ${fake.controlPath}\n`);
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
let server: Server | undefined;
beforeEach(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'tmx-m-'));
  fake.spawned.length = 0;
  fake.controlPath = path.join(controlDir(stateDir, process.getuid?.() ?? 0), 'c'.repeat(40));
});
afterEach(() => {
  server?.close();
  server = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

describe('ensureMaster', () => {
  it('no socket at the path: ssh -G, then the master at once; no -O check (nothing to ask)', async () => {
    const target = { name: 'gpu1', ssh: 'gpu1', stateDir, connectTimeoutSec: 5 };
    await expect(ensureMaster(target, { timeoutMs: 5000 })).rejects.toThrow(/gpu1/); // the fake master fails
    expect(fake.spawned).toEqual(['-G', 'master']);
  });

  it('a socket at the path: -O check asks it, and no master is started when one answers', async () => {
    mkdirSync(path.dirname(fake.controlPath), { recursive: true, mode: 0o700 });
    const s = createServer();
    server = s;
    await new Promise<void>((r) => s.listen(fake.controlPath, r));
    const target = { name: 'gpu1', ssh: 'gpu1', stateDir, connectTimeoutSec: 5 };
    await ensureMaster(target, { timeoutMs: 5000 });
    expect(fake.spawned).toEqual(['-G', '-O check']);
  });
});
