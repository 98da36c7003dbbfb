/**
 * The edge where tmuxctl runs tmux and flock, under faults: a stopped server, a -S path that is not
 * a socket, the environment a server tmuxctl starts carries, $TMUX pointing elsewhere, a batch
 * bigger than the base timeout, tmux too old or absent, and a state dir that cannot be written.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  allCmdlines,
  readIfExists,
  cliPath,
  createTmuxServer,
  destroyTmuxServer,
  LONG_RUNNING,
  quickSession,
  specDoc,
  type TmuxServer,
  useTmuxServer,
  waitFor,
} from '../helpers/tmux.js';
import { startWatch } from '../helpers/watch.js';
import { realTmux, tmuxCallLog } from '../helpers/tmux-calls.js';

const t = useTmuxServer();
const uid = process.getuid?.() ?? 0;

/** Runs the built CLI with exactly `env` (no -L added: the caller says which server). */
function cli(args: readonly string[], env: Record<string, string>, timeoutMs = 20_000) {
  return execa(process.execPath, [cliPath, ...args], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore', cwd: t.root });
}

async function serverPid(s: TmuxServer): Promise<number> {
  return Number((await s.tmux('display-message', '-p', '#{pid}')).trim());
}

/** Every line of stderr: an expected failure is one line, never a stack. */
function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter(Boolean);
}

describe('a stopped (SIGSTOP) tmux server', () => {
  it('makes status, diff and apply exit 3 with "tmux server not responding (pid N)", never hang', async () => {
    t.writeSpec('stopped/a.yaml', specDoc({ 'stop-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', t.path('specs/stopped')])).exitCode).toBe(0);
    const pid = await serverPid(t);
    process.kill(pid, 'SIGSTOP');
    try {
      for (const cmd of ['status', 'diff', 'apply']) {
        const r = await t.tmuxctl([cmd, '-f', t.path('specs/stopped')], { env: { TMUXCTL_TMUX_TIMEOUT_MS: '500' }, timeoutMs: 15_000 });
        expect(r.exitCode, `${cmd}: ${r.stderr}`).toBe(3);
        expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^tmuxctl: tmux server not responding \\(pid ${pid}\\): .*stopped`))]);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await t.tmuxctl(['status', '-f', t.path('specs/stopped')])).exitCode).toBe(0);
  });

  it('never blocks watch: SIGTERM still stops it while the server is stopped', async () => {
    t.writeSpec('stopped-watch/a.yaml', specDoc({ 'stopw-a': quickSession(LONG_RUNNING) }));
    t.env.TMUXCTL_TMUX_TIMEOUT_MS = '500';
    let pid: number | undefined;
    try {
      const w = await startWatch(t, { args: ['-f', t.path('specs/stopped-watch'), '--resync', '0.5'] });
      await waitFor(async () => (await t.pane('stopw-a'))?.dead === false, 10_000, 'stopw-a running');
      pid = await serverPid(t);
      process.kill(pid, 'SIGSTOP');
      // Let a few resync passes run into the stopped server, then ask watch to stop.
      await waitFor(() => /not responding/.test(w.stderr()), 10_000, 'watch to report the stopped server');
      const exit = await Promise.race([w.stop('SIGTERM'), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
      expect(exit).not.toBe('hung');
    } finally {
      delete t.env.TMUXCTL_TMUX_TIMEOUT_MS;
      if (pid !== undefined) process.kill(pid, 'SIGCONT');
    }
  });

  it('never outlives watch: a client blocked on the stopped server is killed when watch stops', async () => {
    t.writeSpec('stopped-client/a.yaml', specDoc({ 'stopc-a': quickSession(LONG_RUNNING) }));
    let pid: number | undefined;
    // The default 15 s timeout: the client would wait that long (a hung server: for ever) on its own.
    const clients = () => allCmdlines().filter((p) => p.pid !== pid && /(^|\/)tmux$/.test(p.argv[0]!) && p.argv.includes(t.socket));
    try {
      const w = await startWatch(t, { args: ['-f', t.path('specs/stopped-client'), '--resync', '0.5'] });
      await waitFor(async () => (await t.pane('stopc-a'))?.dead === false, 10_000, 'stopc-a running');
      pid = await serverPid(t);
      process.kill(pid, 'SIGSTOP');
      // Blocked in a pass: its observation or a batch, over the control connection (or a spawned
      // list-panes / source-file, had it fallen back). A pass is due every 0.5 s.
      await waitFor(
        () => clients().some((c) => c.argv.includes('-C') || c.argv.includes('list-panes') || c.argv.includes('source-file')),
        5000,
        'a tmux client of watch',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const exit = await Promise.race([w.stop('SIGTERM'), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
      expect(exit).not.toBe('hung');
      await waitFor(() => clients().length === 0, 3000, 'no tmux client left behind');
    } finally {
      if (pid !== undefined) process.kill(pid, 'SIGCONT');
    }
  });
});

describe('-S PATH', () => {
  it('that is a regular file is refused with exit 2 before any tmux call, and the file is left alone', async () => {
    const file = t.writeFile('not-a-socket.txt', 'precious\n');
    t.writeSpec('sock/a.yaml', specDoc({ 'sock-a': quickSession(LONG_RUNNING) }));
    for (const cmd of ['apply', 'status']) {
      const r = await t.tmuxctl(['-S', file, cmd, '-f', t.path('specs/sock')]);
      expect(r.exitCode).toBe(2);
      expect(stderrLines(r.stderr)).toEqual([
        `tmuxctl: -S ${file}: exists and is a regular file, not a tmux socket; give a socket path, or a path that does not exist yet`,
      ]);
    }
    expect(statSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
  });
});

describe('the environment of a server tmuxctl starts', () => {
  it("carries none of the caller's variables: a token in tmuxctl's environment reaches neither the global environment nor a pane", async () => {
    const s = createTmuxServer();
    try {
      s.writeSpec('env.yaml', specDoc({ 'env-a': quickSession(LONG_RUNNING, { env: { DECLARED: 'yes' } }) }));
      const r = await s.tmuxctl(['apply'], { env: { SECRET_TOKEN: 'hunter2-do-not-leak' } });
      expect(r.exitCode, r.stderr).toBe(0);
      const global = await s.tmux('show-environment', '-g');
      expect(global).not.toContain('hunter2');
      expect(global).toMatch(/^HOME=/m); // what a login gives is there
      const pane = await s.pane('env-a');
      const environ = readFileSync(`/proc/${pane!.pid}/environ`, 'utf8').split('\0');
      expect(environ.filter((e) => e.includes('hunter2'))).toEqual([]);
      expect(environ).toContain('DECLARED=yes');
    } finally {
      await destroyTmuxServer(s);
    }
  });
});

describe('$TMUX', () => {
  it('is ignored: tmuxctl acts on its own server, never on the one $TMUX points at', async () => {
    const other = createTmuxServer();
    const mine = createTmuxServer();
    const myDefault = path.join(mine.tmpDir, `tmux-${uid}`, 'default');
    try {
      await other.tmux('new-session', '-d', '-s', 'theirs', ...LONG_RUNNING);
      const tmuxVar = (await other.tmux('display-message', '-p', '#{socket_path},#{pid},0')).trim();
      mine.writeSpec('a.yaml', specDoc({ 'mine-a': quickSession(LONG_RUNNING) }));
      // No -L or -S: tmux's own rule would follow $TMUX. tmuxctl's rule is the default socket of its TMUX_TMPDIR.
      const r = await cli(['apply', '-f', mine.specsDir], { ...mine.env, TMUX: tmuxVar, TMUX_PANE: '%0' });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await other.sessionNames()).toEqual(['theirs']);
      const mineSessions = await execa(realTmux, ['-S', myDefault, 'list-sessions', '-F', '#{session_name}'], { env: mine.env, extendEnv: false });
      expect(mineSessions.stdout.trim()).toBe('mine-a');
    } finally {
      await execa(realTmux, ['-S', myDefault, 'kill-server'], { env: mine.env, extendEnv: false, reject: false });
      await destroyTmuxServer(other);
      await destroyTmuxServer(mine);
    }
  });
});

describe('a big batch', () => {
  it('is given time in proportion: 300 sessions at once with a 500 ms base timeout all start, every action reported', async () => {
    const s = createTmuxServer();
    try {
      const sessions: Record<string, Record<string, unknown>> = {};
      for (let i = 0; i < 300; i++) sessions[`big-${i}`] = quickSession(LONG_RUNNING);
      s.writeSpec('big.yaml', specDoc(sessions));
      const r = await s.tmuxctl(['apply'], { env: { TMUXCTL_TMUX_TIMEOUT_MS: '500' }, timeoutMs: 90_000 });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('+ create big-'))).toHaveLength(300);
      expect(await s.sessionNames()).toHaveLength(300);
    } finally {
      await destroyTmuxServer(s);
    }
  }, 120_000);
});

describe('tmux on PATH', () => {
  const wrapper = (name: string, version?: string) => tmuxCallLog(t, name, version);

  it('older than 3.3 is refused before anything changes, naming both versions', async () => {
    const w = wrapper('old-tmux', '3.2a');
    t.writeSpec('old/a.yaml', specDoc({ 'old-a': quickSession(LONG_RUNNING) }));
    const r = await t.tmuxctl(['apply', '-f', t.path('specs/old')], { env: w.env });
    expect(r.exitCode).toBe(3);
    expect(stderrLines(r.stderr)).toEqual([
      'tmuxctl: tmux 3.2a is too old: tmuxctl needs tmux 3.3 or later (it reads #{pane_dead_signal} and #{pane_dead_time}, new in 3.3)',
    ]);
    expect(await t.pane('old-a')).toBeUndefined();
    // Nothing was done, so nothing is reported or recorded as done.
    expect(r.stdout).not.toMatch(/create/);
    expect(readIfExists(path.join(t.stateDir, 'events.log')) ?? '').not.toMatch(/"session":"old-a"/);
  });

  it('older than 3.3 ends watch at once (one line, exit 3) even on a converged server, where no batch runs', async () => {
    t.writeSpec('old-watch/a.yaml', specDoc({ 'oldw-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', t.path('specs/old-watch')])).exitCode).toBe(0);
    const w = wrapper('old-tmux-watch', '3.2a');
    // Without the check on the first pass, watch ran on (and the helper's timeout fails the test).
    const r = await t.tmuxctl(['watch', '-f', t.path('specs/old-watch')], { env: w.env, timeoutMs: 10_000 });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(stderrLines(r.stderr).filter((l) => l.startsWith('tmuxctl:'))).toEqual([expect.stringMatching(/^tmuxctl: tmux 3\.2a is too old/)]);
    expect((await t.pane('oldw-a'))?.dead).toBe(false);
  });

  it('is asked its version once when there is something to do, and not at all by a no-op apply (one tmux process)', async () => {
    const w = wrapper('count-tmux');
    t.writeSpec('count/a.yaml', specDoc({ 'count-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', t.path('specs/count')], { env: w.env })).exitCode).toBe(0);
    expect(w.calls().filter((c) => / -V$/.test(c))).toHaveLength(1);
    const before = w.calls().length;
    expect((await t.tmuxctl(['apply', '-f', t.path('specs/count')], { env: w.env })).exitCode).toBe(0);
    expect(w.calls().slice(before)).toEqual([expect.stringMatching(/ list-panes /)]);
  });

  it('that applies a batch and then never answers: apply still prints every action it attempted, then one error line, exit 3', async () => {
    // The batch takes effect, then the client hangs (as a 2000-session batch past its timeout did):
    // the actions must not be lost from the report.
    const dir = t.path('hang-after-batch');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'tmux'), `#!/bin/sh\ncase " $* " in *" source-file "*) '${realTmux}' "$@"; exec sleep 30;; esac\nexec '${realTmux}' "$@"\n`);
    chmodSync(path.join(dir, 'tmux'), 0o755);
    t.writeSpec('hang/a.yaml', specDoc({ 'hang-a': quickSession(LONG_RUNNING), 'hang-b': quickSession(LONG_RUNNING) }));
    const r = await t.tmuxctl(['apply', '-f', t.path('specs/hang')], { env: { PATH: `${dir}:${t.env.PATH}`, TMUXCTL_TMUX_TIMEOUT_MS: '500' } });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('+ create hang-a (not found)');
    expect(r.stdout).toContain('+ create hang-b (not found)');
    expect(stderrLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^tmuxctl: .*some of it may have been applied/);
    await waitFor(async () => (await t.pane('hang-a')) && (await t.pane('hang-b')), 5000, 'both sessions made by the batch');
  });

  it('missing, with flock missing too: one line naming both, exit 3', async () => {
    const empty = t.path('empty-bin');
    mkdirSync(empty, { recursive: true });
    t.writeSpec('notools/a.yaml', specDoc({ 'notools-a': quickSession(LONG_RUNNING) }));
    for (const cmd of ['apply', 'status']) {
      const r = await t.tmuxctl([cmd, '-f', t.path('specs/notools')], { env: { PATH: empty } });
      expect(r.exitCode, r.stderr).toBe(3);
      expect(stderrLines(r.stderr)).toEqual([
        'tmuxctl: tmux and flock not found on PATH: install them (Debian/Ubuntu: apt-get install -y tmux util-linux; Fedora: dnf install -y tmux util-linux)',
      ]);
    }
  });
});

describe('the state dir', () => {
  const spec = () => t.writeSpec('state/a.yaml', specDoc({ 'state-a': quickSession(LONG_RUNNING) }));

  it('that is a file: apply says so in one line (exit 3); status and diff still work', async () => {
    spec();
    const file = t.writeFile('state-is-a-file', '');
    const r = await t.tmuxctl(['--state-dir', file, 'apply', '-f', t.path('specs/state')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toContain(`tmuxctl: cannot use ${file} as a folder: it is a file`);
    expect((await t.tmuxctl(['--state-dir', file, 'status', '-f', t.path('specs/state')])).exitCode).toBe(0);
    expect((await t.tmuxctl(['--state-dir', file, 'diff', '-f', t.path('specs/state')])).exitCode).toBe(1);
    // watch could take no lock, so supervise nothing: it says so and exits 3 rather than retry for ever.
    const w = await t.tmuxctl(['--state-dir', file, 'watch', '-f', t.path('specs/state')], { timeoutMs: 15_000 });
    expect(w.exitCode).toBe(3);
    expect(w.stderr.split('\n').filter((l) => l.startsWith('tmuxctl:') && !l.startsWith('tmuxctl: warning:'))).toEqual([
      expect.stringContaining(`cannot use ${file} as a folder: it is a file`),
    ]);
  });

  it('whose locks folder is a file: apply says so in one line, exit 3', async () => {
    spec();
    const dir = t.path('state-locks-file');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'locks'), '');
    const r = await t.tmuxctl(['--state-dir', dir, 'apply', '-f', t.path('specs/state')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toContain(`tmuxctl: cannot use ${path.join(dir, 'locks')} as a folder: it is a file`);
  });

  it('that cannot be written: apply says so in one line, exit 3; status still works', async () => {
    spec();
    const dir = t.path('state-read-only');
    mkdirSync(dir, { recursive: true });
    const args = (cmd: string) => [cliPath, '-L', t.socket, '--state-dir', dir, cmd, '-f', t.path('specs/state')];
    let run: (cmd: string) => Promise<{ exitCode?: number; stderr: string }>;
    const plain = (cmd: string) => execa(process.execPath, args(cmd), { env: t.env, extendEnv: false, reject: false, timeout: 20_000 });
    let unmount = false;
    if (uid !== 0) {
      chmodSync(dir, 0o555); // not root: permission is enough
      run = plain;
    } else if ((await execa('unshare', ['-rm', 'true'], { reject: false })).exitCode === 0) {
      // root writes anywhere: a read-only bind mount, in a private mount namespace so nothing else sees it.
      run = (cmd) =>
        execa('unshare', ['-rm', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"', dir, process.execPath, ...args(cmd)], {
          env: t.env,
          extendEnv: false,
          reject: false,
          timeout: 20_000,
        });
    } else {
      // No user namespaces here (a container): a plain read-only bind mount of this test's own folder.
      const m = await execa('mount', ['--bind', '-o', 'ro', dir, dir], { reject: false });
      if (m.exitCode !== 0) throw new Error(`cannot make a read-only folder for this test (needs unshare -rm, or mount as root): ${m.stderr}`);
      unmount = true;
      run = plain;
    }
    try {
      const r = await run('apply');
      expect(r.exitCode, r.stderr).toBe(3);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toMatch(/tmuxctl: cannot (create|open) .*(read-only file system|permission denied)/);
      const s = await run('status');
      expect(s.exitCode, s.stderr).toBe(0);
    } finally {
      if (unmount) await execa('umount', [dir], { reject: false });
      chmodSync(dir, 0o755);
    }
  });

  it('keeps the lock file 0600 in a 0700 folder, and narrows a lock file an older version left 0644', async () => {
    spec();
    const dir = t.path('state-modes');
    const r = await t.tmuxctl(['--state-dir', dir, 'apply', '-f', t.path('specs/state')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const locks = path.join(dir, 'locks');
    expect(statSync(locks).mode & 0o777).toBe(0o700);
    const [lock] = execFileSync('ls', [locks], { encoding: 'utf8' }).split('\n');
    expect(statSync(path.join(locks, lock!)).mode & 0o777).toBe(0o600);

    chmodSync(path.join(locks, lock!), 0o644);
    await t.tmux('kill-session', '-t', '=state-a');
    expect((await t.tmuxctl(['--state-dir', dir, 'apply', '-f', t.path('specs/state')])).exitCode).toBe(0);
    expect(statSync(path.join(locks, lock!)).mode & 0o777).toBe(0o600);
  });
});
