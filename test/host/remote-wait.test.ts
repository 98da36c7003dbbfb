import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readIfExists } from '../helpers/tmux.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeptShell } from '../../src/host/remote-shell.js';
import { waitThere } from '../../src/host/remote-wait.js';

/**
 * A waits shell on a local `sh` whose PATH starts with a fake `tmux`: `wait-for now` returns at
 * once, `wait-for never` never does (as a wait-for nobody signals).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-wait-'));
writeFileSync(path.join(dir, 'tmux'), `#!/bin/sh\n[ "$2" = now ] && { echo woken; exit 0; }\necho $$ >> '${dir}/pids'\nexec sleep 30\n`);
chmodSync(path.join(dir, 'tmux'), 0o755);
const opened: ChildProcess[] = [];
const waits = new KeptShell({
  async open() {
    const child = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    opened.push(child);
    return child;
  },
  lost: (why) => new Error(`lost: ${why}`),
});
afterAll(() => {
  waits.close();
  // The waits an abort left behind (`timeout` would end them at their time): ours, by pid.
  for (const pid of readIfExists(path.join(dir, 'pids'))?.split('\n').filter(Boolean).map(Number) ?? []) {
    // Still that sleep (its pid not reused since): the fake tmux exec'd it.
    if (readIfExists(`/proc/${pid}/cmdline`)?.startsWith('sleep\0')) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a wait in the waits shell', () => {
  it('answers a wait that ends, and one that runs out ends there at its time (timedOut), the shell kept for the next', async () => {
    expect(await waitThere(waits, ['wait-for', 'now'], 30_000, undefined)).toEqual({ stdout: 'woken\n', stderr: '', code: 0 });
    const since = Date.now();
    const out = await waitThere(waits, ['wait-for', 'never'], 1000, undefined);
    expect(out).toMatchObject({ timedOut: true });
    // Ended by `timeout` there at its second, not by our grace after it (which would kill the shell).
    expect(Date.now() - since).toBeLessThan(4000);
    expect(await waitThere(waits, ['wait-for', 'now'], 30_000, undefined)).toMatchObject({ code: 0 });
    expect(opened).toHaveLength(1);
  });

  it('an abort ends the wait at once (code 130) and the shell with it; the next wait gets a new shell', async () => {
    const abort = new AbortController();
    const since = Date.now();
    const waiting = waitThere(waits, ['wait-for', 'never'], 30_000, abort.signal);
    setTimeout(() => abort.abort(), 200);
    expect(await waiting).toEqual({ stdout: '', stderr: '', code: 130 });
    expect(Date.now() - since).toBeLessThan(3000);
    const before = opened.length;
    expect(await waitThere(waits, ['wait-for', 'now'], 30_000, undefined)).toMatchObject({ code: 0 });
    expect(opened.length).toBe(before + 1);
    // Aborted before it began: nothing runs.
    const done = new AbortController();
    done.abort();
    expect(await waitThere(waits, ['wait-for', 'never'], 30_000, done.signal)).toMatchObject({ code: 130 });
  });

  it('with a look: a wait that returns is followed by the look in the same request; one that runs out takes none', async () => {
    const looked: string[] = [];
    const look = { script: 'echo "looked $((1 + 1))"\nexit 0\n', onLook: (out: string) => looked.push(out) };
    expect(await waitThere(waits, ['wait-for', 'now'], 30_000, undefined, look)).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(looked).toEqual(['looked 2\n']); // the wait's own output is not the look's
    expect(await waitThere(waits, ['wait-for', 'never'], 1000, undefined, look)).toMatchObject({ timedOut: true });
    expect(looked).toHaveLength(1);
  });
});
