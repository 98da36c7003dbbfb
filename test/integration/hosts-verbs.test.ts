/**
 * restart, stop, start and logs on sessions that live on hosts, over real OpenSSH: each host is a
 * throw-away account with its own sshd on 127.0.0.1 (test/helpers/sshd.ts), tmux server and processes.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostsDocFor, hostsHarness } from '../helpers/hosts.js';
import { useSshHosts } from '../helpers/sshd.js';
import { cliPath, LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const ssh = useSshHosts(['gpu1', 'gpu2']);

const hostsDoc = hostsDocFor(['gpu1', 'gpu2']);
const { env, tmuxctl, panesOn } = hostsHarness(t, ssh);

/** A tmuxctl that runs until stopped (`logs --follow`): its stdout and stderr so far, and its exit code. */
function spawnCli(args: readonly string[]) {
  const child = spawn(process.execPath, [cliPath, '-L', t.socket, ...args], { env: { ...t.env, ...env() }, cwd: t.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Whether a `tail` runs as the host's user (a follower left behind there). */
function tailsOn(host: string): number[] {
  return ssh
    .host(host)
    .cmdlinesOfUser()
    .filter((p) => p.argv[0] === 'tail' || p.argv[0]?.endsWith('/tail'))
    .map((p) => p.pid);
}

const stopped = (code: Promise<number | null>) => Promise.race([code, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);

describe('restart, stop and start on hosts', () => {
  it('restart gpu1/x restarts that host only; a target without host/ acts on every host it is on; stop holds across apply; start starts', async () => {
    const file = t.writeSpec(
      'verbs/app.yaml',
      hostsDoc({
        'vb-a': quickSession(LONG_RUNNING, { host: 'gpu1' }),
        'vb-mon': quickSession(LONG_RUNNING, { hosts: ['gpu1', 'gpu2'] }),
        'vb-here': quickSession(LONG_RUNNING),
      }),
    );
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2'), here: await t.panes() };

    const one = await tmuxctl(['restart', '-f', file, 'gpu1/vb-mon']);
    expect(one.stderr).toBe('');
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toBe('~ restart gpu1/vb-mon (restart requested)\n');
    const after = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2') };
    expect(after.gpu1.get('vb-mon')).toBeDefined();
    expect(after.gpu1.get('vb-mon')).not.toBe(before.gpu1.get('vb-mon'));
    expect(after.gpu1.get('vb-a')).toBe(before.gpu1.get('vb-a'));
    expect(after.gpu2.get('vb-mon')).toBe(before.gpu2.get('vb-mon'));
    expect((await t.panes()).map((p) => p.pid)).toEqual(before.here.map((p) => p.pid));

    // No host: every host in play where it runs, in JSON with each item's host.
    const both = await tmuxctl(['restart', '-f', file, 'vb-mon', '-o', 'json']);
    expect(both.exitCode, both.stderr).toBe(0);
    const items = JSON.parse(both.stdout).actions as { action: string; session: string; host: string }[];
    expect(items.map((a) => [a.host, a.session, a.action]).sort()).toEqual([
      ['gpu1', 'vb-mon', 'restart'],
      ['gpu2', 'vb-mon', 'restart'],
    ]);
    const third = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2') };
    expect(third.gpu1.get('vb-mon')).not.toBe(after.gpu1.get('vb-mon'));
    expect(third.gpu2.get('vb-mon')).not.toBe(after.gpu2.get('vb-mon'));

    // stop: stopped on gpu2, and an apply leaves it so.
    const stop = await tmuxctl(['stop', '-f', file, 'gpu2/vb-mon']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toBe('- stop gpu2/vb-mon (stop requested)\n');
    await waitFor(async () => !(await panesOn('gpu2')).has('vb-mon'), 10_000, 'vb-mon stopped on gpu2');
    const apply = await tmuxctl(['apply', '-f', file]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect((await panesOn('gpu2')).has('vb-mon')).toBe(false);
    expect((await panesOn('gpu1')).get('vb-mon')).toBe(third.gpu1.get('vb-mon'));

    // start: running again there.
    const start = await tmuxctl(['start', '-f', file, 'gpu2/vb-mon']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toBe('+ start gpu2/vb-mon (start requested, was stopped)\n');
    expect((await panesOn('gpu2')).has('vb-mon')).toBe(true);

    // Found on no host: the usage error it always was, naming what is owned where.
    const none = await tmuxctl(['restart', '-f', file, 'vb-nothing']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^tmuxctl: nothing tmuxctl owns matches "vb-nothing"; sessions tmuxctl owns: .*gpu1\/vb-a/);
    const elsewhere = await tmuxctl(['restart', '-f', file, 'gpu2/vb-a']);
    expect(elsewhere.exitCode).toBe(2);
    expect((await panesOn('gpu1')).get('vb-a')).toBe(before.gpu1.get('vb-a'));
  }, 120_000);

  it('a host whose sshd is down: reported in one line, exit 3; the other hosts are done', async () => {
    const file = t.writeSpec('verbs-down/app.yaml', hostsDoc({ 'vd-mon': quickSession(LONG_RUNNING, { hosts: ['gpu1', 'gpu2'] }) }));
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2') };
    await ssh.host('gpu2').stopSshd();
    try {
      const r = await tmuxctl(['restart', '-f', file, 'vd-mon']);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/^tmuxctl: gpu2: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\n$/);
      expect(r.stdout).toBe('~ restart gpu1/vd-mon (restart requested)\n');
      expect((await panesOn('gpu1')).get('vd-mon')).not.toBe(before.gpu1.get('vd-mon'));
      expect((await panesOn('gpu2')).get('vd-mon')).toBe(before.gpu2.get('vd-mon'));

      const logs = await tmuxctl(['logs', '--file', file]);
      expect(logs.exitCode).toBe(3);
      expect(logs.stderr).toMatch(/^tmuxctl: gpu2: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\n$/);
      expect(logs.stdout).toMatch(/^gpu1\/vd-mon +\| \[tmuxctl /m);
    } finally {
      await ssh.host('gpu2').startSshd();
    }
  }, 120_000);
});

describe('logs of sessions on hosts', () => {
  it('logs gpu1/x prints what the pane printed there; several logs are prefixed host/target; -n and --since apply', async () => {
    const file = t.writeSpec(
      'logs/app.yaml',
      hostsDoc({
        'lg-a': quickSession(['sh', '-c', 'echo "\x1b[31mred-on-gpu1\x1b[0m"; echo second-on-gpu1; exec sleep 100000'], { host: 'gpu1' }),
        'lg-b': quickSession(['sh', '-c', 'echo said-on-gpu2; exec sleep 100000'], { host: 'gpu2' }),
      }),
    );
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const one = await waitFor(
      async () => {
        const r = await tmuxctl(['logs', '--file', file, 'gpu1/lg-a']);
        return r.stdout.includes('second-on-gpu1') ? r : undefined;
      },
      15_000,
      'the remote log',
    );
    expect(one.exitCode, one.stderr).toBe(0);
    // One log, no prefix; escapes stripped as for a local log.
    expect(one.stdout).toMatch(/^\[tmuxctl [^\]]+\] started[^\n]*\nred-on-gpu1\nsecond-on-gpu1\n$/);
    const raw = await tmuxctl(['logs', '--file', file, 'gpu1/lg-a', '--raw', '-n', '2']);
    expect(raw.stdout).toContain('\x1b[31mred-on-gpu1');
    expect(raw.stdout.trimEnd().split('\n')).toHaveLength(2);
    const last = await tmuxctl(['logs', '--file', file, 'gpu1/lg-a', '-n', '1']);
    expect(last.stdout).toBe('second-on-gpu1\n');
    const since = await tmuxctl(['logs', '--file', file, 'gpu1/lg-a', '--since', '1h']);
    expect(since.stdout).toBe(one.stdout);

    // A name without host/: looked for on every host; no name: every log of every host.
    const all = await waitFor(
      async () => {
        const r = await tmuxctl(['logs', '--file', file]);
        return r.stdout.includes('said-on-gpu2') ? r : undefined;
      },
      15_000,
      'every log',
    );
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^gpu1\/lg-a +\| second-on-gpu1$/m);
    expect(all.stdout).toMatch(/^gpu2\/lg-b +\| said-on-gpu2$/m);
    expect((await tmuxctl(['logs', '--file', file, 'lg-b'])).stdout).toContain('said-on-gpu2\n');
    const missing = await tmuxctl(['logs', '--file', file, 'gpu2/lg-a']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^tmuxctl: no logs for "gpu2\/lg-a" \(looked in gpu2:\/.*\/lg-a\.log\)\n$/);
  }, 120_000);

  it('logs -f shows a line written on the host after following began, interleaved with this machine, and a log that appears there later; SIGTERM ends every ssh and leaves no tail there', async () => {
    const go = `${ssh.host('gpu1').home}/go-follow`;
    const sessions = {
      'fl-a': quickSession(['sh', '-c', `while [ ! -e ${go} ]; do sleep 0.1; done; echo remote-later; exec sleep 100000`], { host: 'gpu1' }),
      'fl-here': quickSession(['sh', '-c', 'echo local-line; exec sleep 100000']),
    };
    const doc = hostsDoc(sessions);
    const file = t.writeSpec('follow/app.yaml', doc);
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const { child, out, err, exited } = spawnCli(['logs', '--file', file, '--follow', '-n', '1']);
    try {
      await waitFor(() => /^gpu1\/fl-a +\| \[tmuxctl/m.test(out()) && /^fl-here +\| /m.test(out()), 20_000, 'the tails');
      expect(tailsOn('gpu1').length).toBeGreaterThan(0);
      await ssh.host('gpu1').run(`touch ${go}`);
      await waitFor(() => out().includes('remote-later'), 20_000, 'the new remote line');
      expect(out()).toMatch(/^gpu1\/fl-a +\| remote-later$/m);
      // A session started on the host after following began: its log is followed too, from its first line.
      t.writeSpec('follow/app.yaml', {
        ...(doc as object),
        sessions: { ...sessions, 'fl-new': quickSession(['sh', '-c', 'echo new-remote; exec sleep 100000'], { host: 'gpu1' }) },
      });
      expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      await waitFor(() => /^gpu1\/fl-new +\| new-remote$/m.test(out()), 20_000, 'the new remote log');
      child.kill('SIGTERM');
      expect(await stopped(exited)).toBe(0);
      expect(err()).toBe('');
      await waitFor(() => tailsOn('gpu1').length === 0, 10_000, 'no tail left on gpu1');
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('a host lost while following is reported once on stderr, and the other hosts are still followed', async () => {
    const go = (h: string) => `${ssh.host(h).home}/go-lost`;
    const wait = (h: string) => `while [ ! -e ${go(h)} ]; do sleep 0.1; done; echo ${h}-later; exec sleep 100000`;
    const file = t.writeSpec(
      'lost/app.yaml',
      hostsDoc({ 'ls-a': quickSession(['sh', '-c', wait('gpu1')], { host: 'gpu1' }), 'ls-b': quickSession(['sh', '-c', wait('gpu2')], { host: 'gpu2' }) }),
    );
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const { child, out, err, exited } = spawnCli(['logs', '--file', file, '--follow', '-n', '1', 'ls-a', 'ls-b']);
    try {
      await waitFor(() => /^gpu1\/ls-a \| \[tmuxctl/m.test(out()) && /^gpu2\/ls-b \| \[tmuxctl/m.test(out()), 20_000, 'the tails');
      await ssh.host('gpu2').stopSshd();
      await waitFor(() => err().includes('gpu2'), 30_000, 'gpu2 reported');
      await ssh.host('gpu1').run(`touch ${go('gpu1')}`);
      await waitFor(() => out().includes('gpu1-later'), 20_000, 'gpu1 still followed');
      expect(err().trimEnd().split('\n')).toHaveLength(1);
      expect(err()).toMatch(/^tmuxctl: gpu2: /);
      child.kill('SIGTERM');
      expect(await stopped(exited)).toBe(3);
    } finally {
      child.kill('SIGKILL');
      await ssh.host('gpu2').startSshd();
    }
  }, 120_000);
});
