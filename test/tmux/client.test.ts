/**
 * The tmux client's edge cases, against small fixture programs standing in for tmux: what happens
 * when it cannot be run, answers nothing, holds its pipes, or is too old. No tmux server here.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SocketPathError, TmuxMissingError, TmuxNotRespondingError, TmuxVersionError, UsageError } from '../../src/errors.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { clientEnv } from '../../src/tmux/client-env.js';
import { BATCH_MS_PER_LINE, batchSize, batchTimeoutMs, DEFAULT_TIMEOUT_MS, timeoutFromEnv } from '../../src/tmux/timeouts.js';
import { newSession } from '../../src/tmux/commands.js';
import { lookupOnPath, missingToolsLine } from '../../src/tmux/tools.js';
import { controlModeIsSafe, parseTmuxVersion, versionProblem } from '../../src/tmux/version.js';
import { useTempDir } from '../cli/helpers.js';
import { isProcessAlive, killOwned, waitFor } from '../helpers/tmux.js';

const tmp = useTempDir();

/** A shell script standing in for tmux; `mode` 0o755 unless told. */
function fakeTmux(body: string, mode = 0o755): string {
  const file = path.join(tmp.dir, 'tmux');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe('batch timeout', () => {
  it('counts a line that starts several panes once per pane: 250 sessions of 4 panes are 1000, not 250', () => {
    const pane = (i: number) => ({ cwd: '/tmp', argv: ['sleep', String(i)], env: {}, logFile: '/tmp/x.log', stamp: 's' });
    const line = newSession('s', '/specs/a.yaml', [{ stamp: 'w', panes: [0, 1, 2, 3].map(pane) }]).join(' ; ');
    expect(batchSize(Array.from({ length: 250 }, () => line))).toBe(1000);
    // Lines that start nothing (stamps, kills) count one each.
    expect(batchSize(["'kill-session' '-t' '$1'", "'set-option' '-p' '-t' '%1' '@x' 'a ; b'"])).toBe(2);
  });

  it('grows with the number of lines, so a big batch is never cut off by the base timeout', () => {
    expect(batchTimeoutMs(0, 15_000)).toBe(15_000);
    expect(batchTimeoutMs(1, 15_000)).toBe(15_000 + BATCH_MS_PER_LINE);
    // The field trial: 2000 sessions in one batch took longer than a fixed 15 s.
    expect(batchTimeoutMs(2000, 15_000)).toBeGreaterThanOrEqual(15_000 + 2000 * 20);
  });

  it('grows with the square of the server size: 2000 new sessions took over 115 s, more than a linear allowance', () => {
    // Measured: 400 new sessions 6 s, 1000 52 s; each new session touches every other one's status.
    expect(batchTimeoutMs(1000, 15_000)).toBeGreaterThanOrEqual(2 * 52_000);
    expect(batchTimeoutMs(2000, 15_000)).toBeGreaterThanOrEqual(4 * 52_000);
    // Sessions already on the server count too: 100 more onto 1900 cost like the tail of 2000.
    expect(batchTimeoutMs(100, 15_000, 1900)).toBeGreaterThan(batchTimeoutMs(100, 15_000, 0) + 100 * 150);
  });

  it('takes its base from TMUXCTL_TMUX_TIMEOUT_MS, refusing anything but a whole number of at least 100', () => {
    expect(timeoutFromEnv({})).toBe(DEFAULT_TIMEOUT_MS);
    expect(timeoutFromEnv({ TMUXCTL_TMUX_TIMEOUT_MS: '500' })).toBe(500);
    for (const bad of ['abc', '50', '1.5', '-1']) expect(() => timeoutFromEnv({ TMUXCTL_TMUX_TIMEOUT_MS: bad })).toThrow(UsageError);
  });
});

describe('tmux version', () => {
  it('reads what tmux -V prints', () => {
    expect(parseTmuxVersion('tmux 3.3a\n')).toMatchObject({ major: 3, minor: 3, text: '3.3a' });
    expect(parseTmuxVersion('tmux next-3.6')).toMatchObject({ major: 3, minor: 6 });
    expect(parseTmuxVersion('tmux 3.4-rc')).toMatchObject({ major: 3, minor: 4 });
    expect(parseTmuxVersion('tmux master')).toBeUndefined();
  });

  it('refuses tmux older than 3.3, naming the version found and the one needed', () => {
    expect(versionProblem('tmux 3.2a')).toMatch(/^tmux 3\.2a is too old: tmuxctl needs tmux 3\.3 or later/);
    expect(versionProblem('tmux 2.9')).toBeDefined();
    for (const ok of ['tmux 3.3', 'tmux 3.3a', 'tmux 3.5a', 'tmux 4.0', 'tmux master', 'tmux openbsd-7.5']) expect(versionProblem(ok)).toBeUndefined();
  });

  it('takes control mode as safe from 3.7 on (3.3a to 3.6b crash with control clients attaching)', () => {
    for (const old of ['tmux 3.3a', 'tmux 3.4', 'tmux 3.5a', 'tmux 3.6b', 'tmux next-3.6']) expect(controlModeIsSafe(old), old).toBe(false);
    for (const ok of ['tmux 3.7', 'tmux 3.7c', 'tmux next-3.8', 'tmux 4.0', 'tmux master']) expect(controlModeIsSafe(ok), ok).toBe(true);
  });

  it('is checked before the first batch, which then never runs on a tmux too old', async () => {
    const calls = path.join(tmp.dir, 'calls');
    const tmux = fakeTmux(`echo "$*" >> ${calls}\ncase "$*" in *-V*) echo "tmux 3.2a";; esac`);
    const client = new TmuxClient({ socketName: 'x' }, { PATH: '/usr/bin:/bin' }, tmux);
    await expect(client.runScript(['new-session -d -s a'])).rejects.toThrow(TmuxVersionError);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['-L x -V']);
  });
});

describe('a tmux that cannot be run', () => {
  it('not on PATH: TmuxMissingError, with a Linux install hint', async () => {
    const client = new TmuxClient({}, { PATH: tmp.dir }, path.join(tmp.dir, 'no-such-tmux'));
    const err = await client.exec(['list-sessions']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TmuxMissingError);
    expect((err as Error).message).toMatch(/apt-get install -y tmux/);
    expect((err as Error).message).not.toMatch(/brew/);
    expect((err as TmuxMissingError).exitCode).toBe(3);
  });

  it('on PATH but not executable (EACCES): the same error as a missing tmux, naming the file', async () => {
    const tmux = fakeTmux('exit 0', 0o644);
    const client = new TmuxClient({}, { PATH: tmp.dir }, tmux);
    const err = await client.exec(['list-sessions']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TmuxMissingError);
    expect((err as Error).message).toContain(`${tmux} is not executable`);
  });

  it('with flock missing too, one line names both', () => {
    expect(missingToolsLine(tmp.dir)).toMatch(/^tmux and flock not found on PATH: install them \(Debian\/Ubuntu: apt-get install -y tmux util-linux/);
    expect(lookupOnPath('sh', '/usr/bin:/bin')).toMatchObject({ kind: 'found' });
  });
});

describe('a tmux that answers nothing', () => {
  it('is killed at the timeout, and a pipe something else still holds is not waited for', async () => {
    // Like a stopped tmux server holding the client's stdout: a background child keeps the pipe open.
    const pidFile = path.join(tmp.dir, 'holder.pid');
    const tmux = fakeTmux(`sleep 300 & echo $! > ${pidFile}\nexec sleep 300`);
    const client = new TmuxClient({ socketName: 'x' }, { PATH: '/usr/bin:/bin', TMUXCTL_TMUX_TIMEOUT_MS: '300' }, tmux);
    try {
      const started = Date.now();
      const err = await client.exec(['list-panes']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TmuxNotRespondingError);
      expect((err as Error).message).toMatch(/^tmux server not responding: no answer to tmux list-panes within 300 ms/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await waitFor(() => existsSync(pidFile), 5000, 'holder pid file');
      killOwned([Number(readFileSync(pidFile, 'utf8'))], 'sleep');
    }
  });

  it('after the client exits, output is read and a pipe still held elsewhere is let go', async () => {
    const pidFile = path.join(tmp.dir, 'holder.pid');
    const tmux = fakeTmux(`echo out\nsleep 300 & echo $! > ${pidFile}\nexit 0`);
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, tmux);
    try {
      const r = await client.exec(['list-panes']);
      expect(r).toMatchObject({ code: 0, stdout: 'out\n' });
    } finally {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      killOwned([pid], 'sleep');
      await waitFor(() => !isProcessAlive(pid), 5000, 'holder gone');
    }
  });

  it('a batch that times out says some of it may have been applied', async () => {
    const tmux = fakeTmux('case "$*" in *-V*) echo "tmux 3.3a"; exit 0;; esac\nexec sleep 300');
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin', TMUXCTL_TMUX_TIMEOUT_MS: '200' }, tmux);
    const err = await client.runScript(['new-session -d -s a', 'new-session -d -s b']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TmuxNotRespondingError);
    expect((err as Error).message).toBe(
      `tmux server not responding: no answer to a batch of 2 lines within ${200 + 2 * BATCH_MS_PER_LINE} ms (some of it may have been applied: tmuxctl status shows what is there)`,
    );
  });

  it('an expected timeout (the wait-for resync) resolves with timedOut', async () => {
    const tmux = fakeTmux('exec sleep 300');
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, tmux);
    await expect(client.exec(['wait-for', 'x'], { timeoutMs: 200, timeoutIsExpected: true })).resolves.toMatchObject({ timedOut: true });
  });
});

describe('-S PATH', () => {
  it('that exists and is not a socket is refused before tmux runs (tmux would turn it into a socket)', async () => {
    const calls = path.join(tmp.dir, 'calls');
    const tmux = fakeTmux(`echo "$*" >> ${calls}`);
    const file = path.join(tmp.dir, 'notes.txt');
    writeFileSync(file, 'keep me\n');
    const client = new TmuxClient({ socketPath: file }, { PATH: '/usr/bin:/bin' }, tmux);
    const err = await client.exec(['list-panes']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketPathError);
    expect((err as SocketPathError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`-S ${file}: exists and is a regular file, not a tmux socket; give a socket path, or a path that does not exist yet`);
    expect(existsSync(calls)).toBe(false);
  });

  it('that does not exist yet is fine', async () => {
    const tmux = fakeTmux('exit 0');
    const client = new TmuxClient({ socketPath: path.join(tmp.dir, 'sock') }, { PATH: '/usr/bin:/bin' }, tmux);
    await expect(client.exec(['list-panes'])).resolves.toMatchObject({ code: 0 });
  });
});

describe('client environment', () => {
  it('carries what a login gives, never the caller session (tokens, $TMUX)', () => {
    const env = clientEnv({
      HOME: '/h',
      PATH: '/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TMUX_TMPDIR: '/t',
      XDG_CONFIG_HOME: '/h/.config',
      SECRET_TOKEN: 's3cr3t',
      TMUX: '/tmp/tmux-0/other,1,0',
      TMUX_PANE: '%1',
      SSH_AUTH_SOCK: '/tmp/agent',
    });
    expect(env).toEqual({ HOME: '/h', PATH: '/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TMUX_TMPDIR: '/t', XDG_CONFIG_HOME: '/h/.config' });
  });
});
