import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { MAX_ARG_BYTES, MAX_START_BYTES } from '../../src/spec/argument-limits.js';
import { parseEnvFile } from '../../src/spec/env-file.js';
import { loadDesiredState } from '../../src/spec/load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-args-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function problems(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
  writeFileSync(path.join(dir, 'app.yaml'), yaml);
  const result = await loadDesiredState(['app.yaml'], { cwd: dir, env, home: '/nonexistent-home', loginShell: '/bin/sh' });
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('what a process cannot receive whole is a validation error', () => {
  it('MAX_ARG_BYTES is the kernel limit: 128 KiB per string, its terminating NUL included', () => {
    expect(MAX_ARG_BYTES).toBe(131071);
  });

  it('a command and environment that are each short enough but together over what one start can carry', async () => {
    // 20 values of 100 000 bytes: each far under 128 KiB, 2 MB together (the kernel's limit is 2 MiB for all).
    const env = Array.from({ length: 20 }, (_, i) => `      V${i}: "${'y'.repeat(100_000)}"\n`).join('');
    expect(await problems(`version: 1\nsessions:\n  big:\n    command: sleep 1\n    env:\n${env}`)).toEqual([
      `app.yaml:3:3: sessions.big: its command and environment add up to 2000304 bytes; one start can carry at most ${MAX_START_BYTES} (the kernel's 2 MiB for arguments and environment together, less room for tmux's own environment)`,
    ]);
    const fits = Array.from({ length: 15 }, (_, i) => `      V${i}: "${'y'.repeat(100_000)}"\n`).join('');
    expect(await problems(`version: 1\nsessions:\n  big:\n    command: sleep 1\n    env:\n${fits}`)).toEqual([]);
  });

  it('a start size every pane inherits is one problem at the level it comes from, not one per pane', async () => {
    const big = (indent: string) => Array.from({ length: 20 }, (_, i) => `${indent}V${i}: "${'y'.repeat(100_000)}"\n`).join('');
    const rule = `one start can carry at most ${MAX_START_BYTES} (the kernel's 2 MiB for arguments and environment together, less room for tmux's own environment)`;
    const windows = '      - name: a\n        command: sleep 1\n      - name: b\n        panes:\n          - command: sleep 1\n          - keys: top\n';
    // On the session: every pane is over, so the session is the place.
    expect(await problems(`version: 1\nsessions:\n  big:\n    env:\n${big('      ')}    windows:\n${windows}`)).toEqual([
      `app.yaml:3:3: sessions.big: each of its 3 panes has a command and environment over the limit (the largest: 2000304 bytes); ${rule}`,
    ]);
    // On a window of two panes: that window, once.
    const onWindow = `version: 1\nsessions:\n  big:\n    windows:\n      - name: a\n        command: sleep 1\n      - name: b\n        env:\n${big('          ')}        panes:\n          - command: sleep 1\n          - keys: top\n`;
    expect(await problems(onWindow)).toEqual([
      `app.yaml:7:9: sessions.big.windows[1]: each of its 2 panes has a command and environment over the limit (the largest: 2000304 bytes); ${rule}`,
    ]);
    // On one pane: that pane, with its own size (argv [shell] for a keys pane).
    const onPane = `version: 1\nsessions:\n  big:\n    windows:\n${windows}            env:\n${big('              ')}`;
    expect(await problems(onPane)).toEqual([`app.yaml:10:13: sessions.big.windows[1].panes[1]: its command and environment add up to 2000282 bytes; ${rule}`]);
  });

  it('a command string longer than the kernel accepts', async () => {
    const ok = 'x'.repeat(MAX_ARG_BYTES);
    expect(await problems(`version: 1\nsessions:\n  long:\n    command: "${ok}"\n`)).toEqual([]);
    expect(await problems(`version: 1\nsessions:\n  long:\n    command: "${ok}y"\n`)).toEqual([
      'app.yaml:4:14: sessions.long.command is 131072 bytes long; the kernel accepts at most 131071 bytes (128 KiB) per argument',
    ]);
  });

  it('counts bytes, not characters', async () => {
    const euros = '€'.repeat(Math.ceil(MAX_ARG_BYTES / 3));
    expect(await problems(`version: 1\nsessions:\n  long:\n    command: [echo, "${euros}"]\n`)).toEqual([
      `app.yaml:4:21: sessions.long.command[1] is ${euros.length * 3} bytes long; the kernel accepts at most 131071 bytes (128 KiB) per argument`,
    ]);
  });

  it('an env value whose NAME=value is too long, from the spec, an env file or the caller', async () => {
    const big = 'v'.repeat(MAX_ARG_BYTES);
    writeFileSync(path.join(dir, 'big.env'), `FROM_FILE=${big}\n`);
    const yaml = `version: 1\nsessions:\n  long:\n    command: env\n    env: {IN_SPEC: "${big}"}\n    envFile: big.env\n    requiredEnv: [FROM_CALLER]\n`;
    expect(await problems(yaml, { FROM_CALLER: big })).toEqual([
      'app.yaml:5:20: sessions.long.env.IN_SPEC is 131079 bytes long; the kernel accepts at most 131071 bytes (128 KiB) per environment variable (NAME=value)',
      'app.yaml:7:19: sessions.long.requiredEnv[0]: FROM_CALLER in the environment tmuxctl runs in is 131083 bytes long; the kernel accepts at most 131071 bytes (128 KiB) per environment variable (NAME=value)',
      'big.env:1:1: FROM_FILE=value is 131081 bytes long; the kernel accepts at most 131071 bytes (128 KiB) per environment variable',
    ]);
  });
});

describe('parseEnvFile and NUL bytes', () => {
  it('reports a NUL byte in a value at the NUL itself, and drops the variable', () => {
    const parsed = parseEnvFile('A=before\0after\nB="quoted\0"\nC=fine\n');
    expect(parsed.problems).toEqual([
      { line: 1, col: 9, message: 'the value of A contains a NUL byte, which would silently cut it short; remove it' },
      { line: 2, col: 10, message: 'the value of B contains a NUL byte, which would silently cut it short; remove it' },
    ]);
    expect(parsed.vars).toEqual(new Map([['C', 'fine']]));
  });
});
