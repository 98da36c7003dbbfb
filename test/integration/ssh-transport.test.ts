/**
 * The SSH transport against real sshd "hosts" (test/helpers/sshd.ts): each is a throw-away account
 * with its own sshd on a 127.0.0.1 port, its own tmux server and processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../src/errors.js';
import { controlDir } from '../../src/host/ssh/control-path.js';
import { remotePath } from '../../src/host/ssh/remote-words.js';
import { SshConnection } from '../../src/host/ssh/ssh-connection.js';
import { closeMaster, controlSocketPath, ensureMaster, masterRunning } from '../../src/host/ssh/ssh-master.js';
import { controlCommand } from '../../src/host/ssh/ssh-args.js';
import { runOverSsh, runSshCommand } from '../../src/host/ssh/ssh-run.js';
import type { SshTarget } from '../../src/host/ssh/target.js';
import { destroySshHosts, pidsOfUid, startSshHosts, useSshHosts } from '../helpers/sshd.js';
import { allCmdlines, isProcessAlive, waitFor } from '../helpers/tmux.js';

const hosts = useSshHosts(['alpha', 'beta']);
const root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-ssh-'));
let dirs = 0;
const used: SshTarget[] = [];

/** A target with a state dir of its own (so its own master), unless one is given. */
function target(name: string, over: Partial<SshTarget> = {}): SshTarget {
  const t: SshTarget = { name, ssh: name, stateDir: path.join(root, `state${++dirs}`), configFile: hosts.configFile, connectTimeoutSec: 10, ...over };
  used.push(t);
  return t;
}

const CALL = { timeoutMs: 20_000 };

afterAll(async () => {
  // Before the hosts go (this hook is registered after useSshHosts', so it runs first).
  await Promise.all(used.map((t) => closeMaster(t)));
  rmSync(root, { recursive: true, force: true });
});

/** The master's pid, from `ssh -O check` ("Master running (pid=N)"). */
async function masterPid(t: SshTarget): Promise<number | undefined> {
  try {
    const r = await runSshCommand(t, controlCommand(t, 'check'), { timeoutMs: 5000 });
    return Number(/pid=(\d+)/.exec(r.stderr)?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

/** The remote command's sshd session process: the nearest ancestor named sshd (one per connection). */
const SSHD_SESSION = [
  'sh',
  '-c',
  'p=$$; while [ "$p" -gt 1 ]; do [ "$(cat /proc/$p/comm)" = sshd ] && { echo "$p"; exit 0; }; p=$(cut -d" " -f4 /proc/$p/stat); done; exit 1',
];

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('runOverSsh', () => {
  it('runs on each host as that host user, by alias and by ssh:// destination', async () => {
    for (const h of hosts.hosts) {
      expect((await runOverSsh(target(h.name), ['id', '-un'], CALL)).stdout.trim()).toBe(h.user);
      expect((await runOverSsh(target(h.name, { ssh: h.url }), ['id', '-un'], CALL)).stdout.trim()).toBe(h.user);
    }
  });

  it("tmux over ssh: each host's user has its own server; exit codes of the remote command pass through", async () => {
    const alpha = target('alpha');
    const beta = target('beta');
    const sock = ['tmux', '-L', 'tmuxctl-ssh-test'];
    expect((await runOverSsh(alpha, [...sock, 'new-session', '-d', '-s', 'web', 'sleep 100000'], CALL)).code).toBe(0);
    expect((await runOverSsh(beta, [...sock, 'new-session', '-d', '-s', 'api', 'sleep 100000'], CALL)).code).toBe(0);
    expect((await runOverSsh(alpha, [...sock, 'list-sessions', '-F', '#{session_name}'], CALL)).stdout).toBe('web\n');
    expect((await runOverSsh(beta, [...sock, 'list-sessions', '-F', '#{session_name}'], CALL)).stdout).toBe('api\n');
    // The same server the user would reach on that machine.
    expect((await hosts.host('alpha').run('tmux -L tmuxctl-ssh-test list-sessions -F "#{session_name}"')).stdout).toBe('web\n');
    const missing = await runOverSsh(alpha, [...sock, 'has-session', '-t', '=nope'], CALL);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/can't find session/);
    expect((await runOverSsh(alpha, ['sh', '-c', 'exit 7'], CALL)).code).toBe(7);
    await runOverSsh(alpha, [...sock, 'kill-server'], CALL);
    await runOverSsh(beta, [...sock, 'kill-server'], CALL);
  });

  it('a remote path ~/... is the remote home; hostile words arrive whole', async () => {
    const h = hosts.host('beta');
    await h.run('mkdir -p "my dir"');
    const r = await runOverSsh(
      target('beta'),
      ['sh', '-c', 'cd "$1" && pwd && printf "%s|" "$2" "$3"', 'sh', remotePath('~/my dir'), "it's $HOME; `id`", ''],
      CALL,
    );
    expect(r.stdout).toBe(`${h.home}/my dir\nit's $HOME; \`id\`||`);
  });

  it('a secret on stdin reaches the remote command and shows in no argv on either side', async () => {
    const h = hosts.host('alpha');
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    await h.run('rm -f go got started');
    // The remote command waits (the secret still in flight) until the test has looked at every argv.
    const call = runOverSsh(target('alpha'), ['sh', '-c', 'touch started; while [ ! -e go ]; do sleep 0.05; done; cat > got'], {
      ...CALL,
      input: `${secret}\n`,
    });
    await waitFor(() => existsSync(path.join(h.home, 'started')), 15_000, 'the remote command to start');
    const remote = h.cmdlinesOfUser();
    expect(remote.some((c) => c.argv.some((a) => a.includes('while [ ! -e go ]')))).toBe(true); // we do see its argv
    const local = allCmdlines();
    expect(local.some((c) => c.argv[0] === 'ssh')).toBe(true);
    for (const c of [...remote, ...local]) expect(c.argv.join(' ')).not.toContain(secret);
    await h.run('touch go');
    expect((await call).code).toBe(0);
    expect(readFileSync(path.join(h.home, 'got'), 'utf8')).toBe(`${secret}\n`);
  });

  it('an abort ends the call at once and says so', async () => {
    const ac = new AbortController();
    const call = runOverSsh(target('alpha'), ['sleep', '1000'], { ...CALL, signal: ac.signal });
    const remote = await waitFor(
      () =>
        hosts
          .host('alpha')
          .cmdlinesOfUser()
          .find((c) => c.argv.join(' ') === 'sleep 1000'),
      15_000,
      'the remote sleep',
    );
    ac.abort();
    const r = await call;
    expect(r.aborted).toBe(true);
    // Without a terminal the remote command is not hung up on: ending it is the caller's job.
    process.kill(remote.pid, 'SIGKILL');
  });

  it('a stopped sshd: HostUnreachableError, one line, the host name then ssh own words; exit 3', async () => {
    const h = hosts.host('beta');
    await h.stopSshd();
    try {
      const direct = await rejection(runOverSsh(target('beta'), ['true'], CALL));
      expect(direct).toBeInstanceOf(HostUnreachableError);
      expect(direct.message).toBe(`beta: ssh: connect to host 127.0.0.1 port ${h.port}: Connection refused`);
      expect((direct as HostUnreachableError).exitCode).toBe(3);
      // The same through a connection (its master cannot start either).
      const viaMaster = await rejection(new SshConnection(target('beta')).run(['true'], CALL));
      expect(viaMaster.message).toBe(`beta: ssh: connect to host 127.0.0.1 port ${h.port}: Connection refused`);
    } finally {
      await h.startSshd();
    }
    expect((await runOverSsh(target('beta'), ['id', '-un'], CALL)).stdout.trim()).toBe(h.user);
  });

  it('no prompt ever (BatchMode): a refused key and an unknown host key are one-line HostUnreachableErrors', async () => {
    const h = hosts.host('alpha');
    const denied = await rejection(runOverSsh(target('alpha', { ssh: `ssh://root@127.0.0.1:${h.port}` }), ['true'], CALL));
    expect(denied).toBeInstanceOf(HostUnreachableError);
    expect(denied.message).toBe('alpha: root@127.0.0.1: Permission denied (publickey).');
    // `localhost` is not in the known_hosts file: with StrictHostKeyChecking, no question, a refusal.
    const unknown = await rejection(runOverSsh(target('alpha', { ssh: `ssh://${h.user}@localhost:${h.port}` }), ['true'], CALL));
    expect(unknown.message).toBe('alpha: Host key verification failed.');
  });

  it('a user ssh config that sets RemoteCommand or forwards a port does not break a call', async () => {
    const h = hosts.host('beta');
    const config = path.join(root, 'user-ssh-config');
    writeFileSync(
      config,
      `Host beta\n  RemoteCommand echo hijacked\n  LocalForward 127.0.0.1:1 127.0.0.1:1\n  RequestTTY yes\n\n${readFileSync(hosts.configFile, 'utf8')}`,
    );
    const r = await runOverSsh(target('beta', { configFile: config }), ['id', '-un'], CALL);
    expect(r.stdout.trim()).toBe(h.user);
  });

  it('a host that hangs (sshd stopped with SIGSTOP): the timeout error within the deadline, with or without a master', async () => {
    const h = hosts.host('alpha');
    const warm = new SshConnection(target('alpha', { connectTimeoutSec: 60 }));
    await warm.run(['true'], CALL);
    h.pause();
    try {
      const started = Date.now();
      const direct = await rejection(runOverSsh(target('alpha', { connectTimeoutSec: 60 }), ['true'], { timeoutMs: 1500 }));
      expect(direct).toBeInstanceOf(HostUnreachableError);
      expect(direct.message).toBe('alpha: no answer over ssh within 1.5 s');
      const overMaster = await rejection(warm.run(['true'], { timeoutMs: 1500 }));
      expect(overMaster.message).toBe('alpha: no answer over ssh within 1.5 s');
      const cold = await rejection(new SshConnection(target('alpha', { connectTimeoutSec: 60 })).run(['true'], { timeoutMs: 1500 }));
      expect(cold.message).toBe('alpha: no answer over ssh within 1.5 s');
      // A hang detector, not a speed figure: three 1.5 s deadlines, far below ConnectTimeout=60.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      h.resume();
    }
    expect((await warm.run(['id', '-un'], CALL)).stdout.trim()).toBe(h.user);
  });
});

describe('the master connection', () => {
  it('after the first call a control socket exists, and later calls ride it (one remote sshd session)', async () => {
    const t = target('alpha');
    const conn = new SshConnection(t);
    const first = await conn.run(SSHD_SESSION, CALL);
    const socket = await controlSocketPath(t, 5000);
    expect(path.dirname(socket)).toBe(controlDir(t.stateDir, 0));
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect((lstatSync(path.dirname(socket)).mode & 0o777).toString(8)).toBe('700');
    expect(await masterRunning(t, 5000)).toBe(true);
    const second = await conn.run(SSHD_SESSION, CALL);
    const third = await runOverSsh(t, SSHD_SESSION, CALL); // a plain call finds it too
    // Every command of the host runs under the one sshd session process of the shared connection.
    expect(second.stdout).toBe(first.stdout);
    expect(third.stdout).toBe(first.stdout);
    // Without it, each call is a connection of its own.
    expect(await conn.close()).toBe(true);
    await waitFor(() => !existsSync(socket), 5000, 'the master to remove its socket');
    const a = await runOverSsh(t, SSHD_SESSION, CALL);
    const b = await runOverSsh(t, SSHD_SESSION, CALL);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('parallel calls to a cold host start one master, not one each', async () => {
    const t = target('beta');
    const conn = new SshConnection(t);
    const outs = await Promise.all([1, 2, 3, 4].map(() => conn.run(SSHD_SESSION, CALL)));
    expect(new Set(outs.map((o) => o.stdout)).size).toBe(1);
  });

  it('more calls at once than sshd allows sessions on one connection: all ride the master, none gets ssh notices', async () => {
    // The harness's sshd keeps the default MaxSessions (10).
    const conn = new SshConnection(target('alpha'));
    await conn.run(['true'], CALL);
    const script = SSHD_SESSION[2]!.replace('exit 0;', 'sleep 0.5; exit 0;');
    const outs = await Promise.all(Array.from({ length: 16 }, () => conn.run(['sh', '-c', script], CALL)));
    expect(new Set(outs.map((o) => o.stdout)).size).toBe(1);
    expect(outs.map((o) => o.stderr).filter(Boolean)).toEqual([]);
  });

  it('two tmuxctl processes starting the same master at once: both use the one that won', async () => {
    // The alias and the ssh:// form are different targets to this process (no shared start) and the
    // same connection to ssh (one control socket): as when a watch and an apply start together.
    const stateDir = path.join(root, 'race-state');
    const byAlias = target('alpha', { stateDir });
    const byUrl = target('alpha', { stateDir, ssh: hosts.host('alpha').url });
    expect(await controlSocketPath(byUrl, 5000)).toBe(await controlSocketPath(byAlias, 5000));
    await Promise.all([ensureMaster(byAlias, { timeoutMs: 15_000 }), ensureMaster(byUrl, { timeoutMs: 15_000 })]);
    const a = await runOverSsh(byAlias, SSHD_SESSION, CALL);
    const b = await runOverSsh(byUrl, SSHD_SESSION, CALL);
    expect(a.stdout).toBe(b.stdout);
  });

  it('is started again when it is gone, also when it was killed and left its socket behind', async () => {
    const t = target('alpha');
    const conn = new SshConnection(t);
    await conn.run(['true'], CALL);
    const socket = await controlSocketPath(t, 5000);
    const pid = await masterPid(t);
    expect(pid).toBeDefined();
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('ControlMaster=yes');
    process.kill(pid!, 'SIGKILL'); // the master this test started
    await waitFor(() => !isProcessAlive(pid!), 5000, 'the master to die');
    expect(lstatSync(socket).isSocket()).toBe(true); // a stale socket: ssh would not replace it
    await ensureMaster(t, { timeoutMs: 15_000 });
    const again = await masterPid(t);
    expect(again).toBeDefined();
    expect(again).not.toBe(pid);
  });

  it('a connection whose master was killed: the call still works, stderr stays clean, the next call has a master again', async () => {
    const t = target('beta');
    const conn = new SshConnection(t);
    await conn.run(['true'], CALL);
    const pid = (await masterPid(t))!;
    process.kill(pid, 'SIGKILL'); // the master this test started
    await waitFor(() => !isProcessAlive(pid), 5000, 'the master to die');
    const r = await conn.run(['sh', '-c', 'id -un; echo remote-err >&2'], CALL);
    expect(r.stdout.trim()).toBe(hosts.host('beta').user);
    expect(r.stderr).toBe('remote-err\n');
    await conn.run(['true'], CALL);
    const again = await masterPid(t);
    expect(again).toBeDefined();
    expect(again).not.toBe(pid);
  });

  it('a call made right after the master starts returns at once: the master holds no pipe of ours', async () => {
    // OpenSSH 9 sends a forked master's stderr to /dev/null, unless -v (older releases never did):
    // an `ssh` that always adds -v makes the master keep whatever stderr it was given.
    const bin = path.join(root, 'verbose-ssh');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'ssh'), '#!/bin/sh\nexec /usr/bin/ssh -v "$@"\n');
    chmodSync(path.join(bin, 'ssh'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const t = target('beta');
      // Hang detectors: the master stays 10 minutes; reading its pipes to the end would wait that long.
      await ensureMaster(t, { timeoutMs: 15_000, persistSec: 600 });
      const r = await runOverSsh(t, ['id', '-un'], { timeoutMs: 15_000 });
      expect(r.stdout.trim()).toBe(hosts.host('beta').user);
      expect(await masterRunning(t, 5000)).toBe(true);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('a state dir too long for a socket path: the sockets go to a private folder under /tmp', async () => {
    const long = path.join(root, 'a-state-dir-whose-path-is-too-long-for-a-unix-socket', 'tmuxctl');
    const t = target('alpha', { stateDir: long });
    const conn = new SshConnection(t);
    expect((await conn.run(['id', '-un'], CALL)).stdout.trim()).toBe(hosts.host('alpha').user);
    const socket = await controlSocketPath(t, 5000);
    expect(socket.startsWith('/tmp/tmuxctl-ssh-0/')).toBe(true);
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect((lstatSync('/tmp/tmuxctl-ssh-0').mode & 0o777).toString(8)).toBe('700');
    await conn.close();
    rmSync(path.dirname(socket), { recursive: true, force: true });
  });
});

describe('the sshd harness', () => {
  it('a run killed outright (no teardown): the next start removes its account, processes and files', async () => {
    const gone = spawnSync('true').pid!; // a pid that no longer runs: the "killed" run
    const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-sshd-'));
    const user = `tmxh-${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
    spawnSync('useradd', ['-m', '-p', '*', '-s', '/bin/sh', '-c', `tmuxctl test host pid=${gone} root=${dir}`, user]);
    const uid = Number(
      /^[^:]*:[^:]*:(\d+):/m.exec(
        readFileSync('/etc/passwd', 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`${user}:`)) ?? '',
      )?.[1],
    );
    expect(uid).toBeGreaterThan(0);
    const left = spawn('setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', 'sleep', '100000'], { stdio: 'ignore' });
    await waitFor(() => pidsOfUid(uid).length > 0, 5000, 'the left-over process');
    await destroySshHosts(await startSshHosts([]));
    expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(new RegExp(`^${user}:`, 'm'));
    await waitFor(() => !isProcessAlive(left.pid!), 5000, 'the left-over process to be killed');
    expect(existsSync(dir)).toBe(false);
  });

  it('teardown leaves no process, account, home or sshd of its users', async () => {
    const made = await startSshHosts(['gamma']);
    const h = made.host('gamma');
    const t: SshTarget = { name: 'gamma', ssh: 'gamma', stateDir: path.join(root, 'harness-state'), configFile: made.configFile, connectTimeoutSec: 10 };
    await runOverSsh(t, ['tmux', '-L', 'x', 'new-session', '-d', 'sleep 100000'], CALL);
    await h.run('nohup sleep 100000 >/dev/null 2>&1 &');
    await ensureMaster(t, { timeoutMs: 15_000 });
    const sshd = h.sshdPid!;
    const before = h.pidsOfUser();
    expect(before.length).toBeGreaterThan(2);
    await destroySshHosts(made);
    expect(before.filter(isProcessAlive)).toEqual([]);
    expect(isProcessAlive(sshd)).toBe(false);
    const passwd = readFileSync('/etc/passwd', 'utf8');
    expect(passwd).not.toMatch(new RegExp(`^${h.user}:`, 'm'));
    // Unless another test file's new account got the freed uid meanwhile, nothing runs under it.
    if (!new RegExp(`^[^:]*:[^:]*:${h.uid}:`, 'm').test(passwd)) {
      expect(pidsOfUid(h.uid)).toEqual([]);
      expect(readdirSync('/tmp').includes(`tmux-${h.uid}`)).toBe(false);
    }
    expect(existsSync(h.home)).toBe(false);
    expect(existsSync(made.root)).toBe(false);
    // The local master lost its host: it goes too.
    await waitFor(async () => !(await masterRunning(t, 5000)), 15_000, 'the master of a removed host to exit');
  });
});
