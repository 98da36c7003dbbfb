import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliPath, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** A tmuxctl that runs until stopped (`status --watch`, `logs --follow`): its stdout so far, and its exit code. */
function spawnCli(args: readonly string[]) {
  const child = spawn(process.execPath, [cliPath, '-L', t.socket, ...args], { env: t.env, cwd: t.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

interface Row {
  name: string;
  state: string;
  pid: number | null;
  source: string | null;
  window: string | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  attachedClients: number | null;
}

async function statusJson(args: string[], cwd?: string): Promise<Row[]> {
  const r = await t.tmuxctl(['status', ...args, '-o', 'json'], { cwd, env: { TMUXCTL_SPECS: undefined } });
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { sessions: Row[] }).sessions;
}

function emptyFolder(name: string): string {
  const dir = t.path(name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('status from anywhere', () => {
  it('from an empty folder with TMUXCTL_SPECS unset lists the owned sessions with their source; apply there still fails', async () => {
    const file = t.writeSpec('anywhere/app.yaml', specDoc({ 'any-a': quickSession(LONG_RUNNING), 'any-b': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await t.tmux('new-session', '-d', '-s', 'by-hand');
    const cwd = emptyFolder('nowhere');

    const rows = await statusJson([], cwd);
    const mine = rows.filter((r) => r.name.startsWith('any-'));
    expect(mine.map((r) => [r.name, r.state, r.source])).toEqual([
      ['any-a', 'running', file],
      ['any-b', 'running', file],
    ]);
    expect(rows.some((r) => r.name === 'by-hand')).toBe(false);

    const text = await t.tmuxctl(['status'], { cwd, env: { TMUXCTL_SPECS: undefined } });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^any-a\s+running\s+\d+/m);

    // --all adds the unmanaged session, one row for the session.
    const all = await statusJson(['--all'], cwd);
    expect(all.filter((r) => r.name === 'by-hand').map((r) => [r.state, r.window])).toEqual([['unmanaged', null]]);

    const apply = await t.tmuxctl(['apply'], { cwd, env: { TMUXCTL_SPECS: undefined } });
    expect(apply.exitCode).toBe(2);
    expect(apply.stderr).toMatch(/^specs: no such file or folder/);
  });

  it('reads its specs from $TMUXCTL_SPECS, a list separated by colons', async () => {
    const a = t.writeSpec('env-a/app.yaml', specDoc({ 'env-a': quickSession(LONG_RUNNING) }));
    const b = t.writeSpec('env-b/app.yaml', specDoc({ 'env-b': quickSession(LONG_RUNNING) }));
    const cwd = emptyFolder('elsewhere');
    const r = await t.tmuxctl(['status', 'env-a', 'env-b', '-o', 'json'], { cwd, env: { TMUXCTL_SPECS: `${a}:${b}` } });
    expect(r.exitCode, r.stderr).toBe(0);
    // Declared (and not started): the specs were read.
    expect(JSON.parse(r.stdout).sessions.map((s: Row) => [s.name, s.state])).toEqual([
      ['env-a', 'missing'],
      ['env-b', 'missing'],
    ]);
  });

  it('shows CPU and memory of the whole process tree: a busy loop uses CPU, an idle sleep almost none', async () => {
    // The busy loop runs in a child of the pane's shell: the tree, not the pane process alone, is measured.
    const file = t.writeSpec(
      'usage/app.yaml',
      specDoc({
        'use-busy': quickSession(['sh', '-c', 'sh -c "while :; do :; done" & wait']),
        'use-idle': quickSession(LONG_RUNNING),
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const rows = await statusJson(['-f', file]);
    const busy = rows.find((r) => r.name === 'use-busy')!;
    const idle = rows.find((r) => r.name === 'use-idle')!;
    // Two cores shared by several test runs: a busy loop still gets far more than 1% of one.
    expect(busy.cpuPercent).toBeGreaterThan(1);
    expect(idle.cpuPercent).toBeLessThan(1);
    expect(busy.rssBytes).toBeGreaterThan(0);
    expect(idle.rssBytes).toBeGreaterThan(0);
    expect(idle.attachedClients).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('--watch prints a table again and again, then exits 0 on SIGTERM', async () => {
    const file = t.writeSpec('watching/app.yaml', specDoc({ 'watched-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const { child, out, exited } = spawnCli(['status', '-f', file, '--watch']);
    try {
      await waitFor(() => (out().match(/^NAME\s+STATE/gm) ?? []).length >= 2, 20_000, 'two tables');
      // Not a terminal: no screen clearing, one table after the other.
      expect(out()).not.toContain('\x1b[');
      expect(out()).toMatch(/^watched-a\s+running/m);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5000))]);
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);

  it('--watch exits 0 when its reader goes (`status --watch | head -3`)', async () => {
    const file = t.writeSpec('reader/app.yaml', specDoc({ 'reader-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const { child, exited } = spawnCli(['status', '-f', file, '--watch']);
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.stdout.destroy(); // the next table's write fails with EPIPE
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still watching'), 10_000))]);
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('--all does not list a declared name taken by an unmanaged session twice', async () => {
    await t.tmux('new-session', '-d', '-s', 'taken-name');
    const file = t.writeSpec('taken/app.yaml', specDoc({ 'taken-name': quickSession(LONG_RUNNING) }));
    const rows = (await statusJson(['-f', file, '--all'])).filter((r) => r.name === 'taken-name');
    expect(rows.map((r) => r.state)).toEqual(['conflict']);
  });
});

describe('logs from anywhere', () => {
  it('of a program that switches to the alternate screen prints readable text; --raw keeps the bytes', async () => {
    const draw = String.raw`printf '\033[?1049h\033[H\033[2J\033[1;31mFULL-SCREEN\033[0m\033[5;3Hsecond-place\033]0;title\007\n'; exec sleep 100000`;
    const file = t.writeSpec('full/app.yaml', specDoc({ fullscreen: quickSession(['sh', '-c', draw]) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const text = await waitFor(async () => {
      const r = await t.tmuxctl(['logs', 'fullscreen']);
      return r.stdout.includes('second-place') ? r.stdout : undefined;
    }, 10_000);
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\x07');
    expect(text.split('\n')).toEqual(expect.arrayContaining(['FULL-SCREEN', 'second-place']));
    const raw = await t.tmuxctl(['logs', 'fullscreen', '--raw']);
    expect(raw.stdout).toContain('\x1b[?1049h');
  });

  it('with no target merges every pane log, each line prefixed with its target, without colour when not a terminal', async () => {
    const file = t.writeSpec(
      'merged/app.yaml',
      specDoc({
        'log-one': quickSession(['sh', '-c', 'echo one-says-hi; exec sleep 100000']),
        'log-two': quickSession(['sh', '-c', 'echo two-says-hi; exec sleep 100000']),
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const all = await waitFor(async () => {
      const r = await t.tmuxctl(['logs']);
      return r.stdout.includes('one-says-hi') && r.stdout.includes('two-says-hi') ? r.stdout : undefined;
    }, 10_000);
    expect(all).toMatch(/^log-one\s+\| one-says-hi$/m);
    expect(all).toMatch(/^log-two\s+\| two-says-hi$/m);
    expect(all).not.toContain('\x1b');

    // Several targets: only theirs, prefixed; one target: as written, no prefix.
    const two = await t.tmuxctl(['logs', 'log-one', 'log-two', '-n', '1']);
    expect(two.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^log-one \| one-says-hi$/),
      expect.stringMatching(/^log-two \| two-says-hi$/),
    ]);
    const one = await t.tmuxctl(['logs', 'log-one', '-n', '1']);
    expect(one.stdout).toBe('one-says-hi\n');

    // --since: the runs started since then (both started within the last hour, none in the future).
    const since = await t.tmuxctl(['logs', 'log-one', '--since', '1h']);
    expect(since.stdout).toMatch(/^\[tmuxctl [^\]]+\] started[^\n]*\none-says-hi\n$/);
    const bad = await t.tmuxctl(['logs', '--since', '10x']);
    expect(bad.exitCode).toBe(2);
  });

  it('--follow with no target prints new lines of every pane log with their prefixes, until SIGTERM', async () => {
    const go = t.path('follow-go');
    const wait = (tag: string) => `while [ ! -e ${go} ]; do sleep 0.1; done; echo ${tag}-later; exec sleep 100000`;
    const file = t.writeSpec('following/app.yaml', specDoc({ 'fol-a': quickSession(['sh', '-c', wait('a')]), 'fol-b': quickSession(['sh', '-c', wait('b')]) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const { child, out, exited } = spawnCli(['logs', '--follow', '-n', '1']);
    try {
      // Following has begun once each log's last line (its start marker) is printed.
      await waitFor(() => /^fol-a\s+\| \[tmuxctl/m.test(out()) && /^fol-b\s+\| \[tmuxctl/m.test(out()), 15_000, 'the tails');
      t.writeFile('follow-go', '');
      await waitFor(() => out().includes('a-later') && out().includes('b-later'), 15_000, 'both new lines');
      expect(out()).toMatch(/^fol-a\s+\| a-later$/m);
      expect(out()).toMatch(/^fol-b\s+\| b-later$/m);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still following'), 5000))]);
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});
