import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { helloScript, parseHello } from '../../src/host/host-hello.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script with `sh -s` here, a fake `tmux` first on PATH (what it prints is the test's). */
function runHello(fakeTmux: string, script: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'tmux'), `#!/bin/sh\n${fakeTmux}\n`);
  chmodSync(path.join(bin, 'tmux'), 0o755);
  const r = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir } });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('the connect script', () => {
  it('gives each tmux call its stdout, stderr and code apart, then the missing directories', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-hello-'));
    mkdirSync(path.join(dir, 'here'));
    const nonce = 'tmuxctl-0123456789abcdef';
    const calls = [['-V'], ['list-panes', '-a']];
    const dirs = ['~/here', '~/gone'];
    const fake = `case "$*" in *-V) echo 'tmux 3.3a';; *) printf 'line one\\nfake tmuxctl-0 marker\\n'; echo 'warn: x' >&2; exit 1;; esac`;
    const out = runHello(fake, helloScript('~/.local/state/tmuxctl', { socketName: 'sock' }, calls, dirs, nonce, 5));
    const hello = parseHello(out, calls.length, dirs, nonce)!;
    expect(hello.stateDir).toBe(`${dir}/.local/state/tmuxctl`);
    expect(hello.socket).toMatch(/\/tmux-\d+\/sock$/);
    expect(hello.tmux).toEqual([
      { stdout: 'tmux 3.3a\n', stderr: '', code: 0 },
      { stdout: 'line one\nfake tmuxctl-0 marker\n', stderr: 'warn: x\n', code: 1 },
    ]);
    expect([...hello.dirs!]).toEqual(['~/gone']);
  });

  it('output that is not the frame (a login shell that is not POSIX) reads as nothing', () => {
    expect(parseHello('/home/x\n/tmp/tmux-1/s\nno frame here\n', 1, undefined, 'tmuxctl-aa')).toBeUndefined();
    expect(parseHello('', 0, undefined, 'tmuxctl-aa')).toBeUndefined();
  });
});
