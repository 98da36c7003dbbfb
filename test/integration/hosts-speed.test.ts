/**
 * What a command over hosts costs in ssh processes, and what keeps the shortcuts safe: a no-op
 * apply with the master up is one ssh call per host (the connect's script also takes the first
 * look; the control socket's path is remembered between commands), a master killed between
 * commands is found and started again, and a remembered path that went stale is dropped.
 * Real sshd "hosts" (test/helpers/sshd.ts); ssh calls counted with a logging `ssh` first on PATH.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlDir } from '../../src/host/ssh/control-path.js';
import { loggingSsh } from '../helpers/hosts.js';
import { useSshHosts } from '../helpers/sshd.js';
import { isProcessAlive, LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const ssh = useSshHosts(['gpu1', 'gpu2']);

/** `HOST COMMAND` of each logged ssh call that runs a remote command (`... -T HOST -- COMMAND`). */
function remoteCommands(calls: readonly string[]): string[] {
  return calls.flatMap((c) => / -T (\S+) -- (.*)$/.exec(c)?.slice(1, 3).join(' ') ?? []);
}

function run(args: string[], configFile: string, shimDir: string) {
  return t.tmuxctl(args, { env: { TMUXCTL_SSH_CONFIG: configFile, PATH: `${shimDir}:${process.env.PATH}` }, timeoutMs: 60_000 });
}

/** The pid of the master of `dest` under this test's state dir (`ssh -O check`), or undefined. */
function masterPid(configFile: string, dest: string): number | undefined {
  const r = spawnSync('/usr/bin/ssh', ['-F', configFile, '-o', `ControlPath=${controlDir(t.stateDir, 0)}/%C`, '-O', 'check', dest], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return Number(/pid=(\d+)/.exec(r.stderr)?.[1]) || undefined;
}

async function sessionsOn(host: string): Promise<string[]> {
  const r = await ssh.host(host).run(`tmux -L ${t.socket} list-sessions -F '#{session_name}'`);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean).sort() : [];
}

describe('ssh calls of a command over hosts', () => {
  it('a no-op apply with the masters up: one ssh per host, no ssh -G, no -O check; the connect takes the look', async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    const file = t.writeSpec('noop/app.yaml', {
      version: 1,
      hosts: { gpu1: { ssh: 'gpu1' }, gpu2: { ssh: 'gpu2' } },
      sessions: { 'sp-a': quickSession(LONG_RUNNING, { hosts: ['gpu1', 'gpu2'] }), 'sp-b': quickSession(LONG_RUNNING, { host: 'gpu1', cwd: '~' }) },
    });
    const first = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    shim.calls();
    const again = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('in sync: 3 sessions, nothing to do\n');
    const calls = shim.calls();
    expect(calls.filter((c) => / -G /.test(c) || / -O /.test(c) || /ControlMaster=yes/.test(c))).toEqual([]);
    // The host's kept shell (`sh`, requests on its stdin) took the connect's script.
    expect(remoteCommands(calls).sort()).toEqual(['gpu1 sh', 'gpu2 sh']);

    // A host's log is cut by its writer as it is written: a large one there is no reason to lock
    // and run a pass (this machine's logs are rotated by the pass). It was once looked for here, at
    // the host's path (which, on this one machine, is that very file).
    const grown = await ssh.host('gpu1').run(`f=$(find ~/.local/state/tmuxctl/logs -name sp-b.log | head -1) && truncate -s 20M "$f" && echo "$f"`);
    expect(grown.code, grown.stderr).toBe(0);
    const large = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(large.stdout).toBe('in sync: 3 sessions, nothing to do\n');
    expect(remoteCommands(shim.calls()).sort()).toEqual(['gpu1 sh', 'gpu2 sh']);
  });

  it('an apply with something to do: the tmux version check rides the connect script (no `tmux -V` call of its own)', async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    const file = t.writeSpec('version/app.yaml', {
      version: 1,
      hosts: { gpu2: { ssh: 'gpu2' } },
      sessions: { 'sp-v': quickSession(LONG_RUNNING, { host: 'gpu2' }) },
    });
    const r = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('+ create gpu2/sp-v');
    expect(await sessionsOn('gpu2')).toContain('sp-v');
    const calls = shim.calls();
    // The batch rode the host's kept shell (on its stdin): no remote command of its own.
    expect(remoteCommands(calls)).toContain('gpu2 sh');
    expect(calls.filter((c) => /\bstart-server\b|\bsource-file\b/.test(c))).toEqual([]);
    expect(calls.filter((c) => / -V$/.test(c))).toEqual([]);
  });

  it('a master killed between commands: the next apply still works, and the one after rides a new master', async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    const file = t.writeSpec('killed/app.yaml', {
      version: 1,
      hosts: { gpu1: { ssh: 'gpu1' } },
      sessions: { 'sp-k': quickSession(LONG_RUNNING, { host: 'gpu1' }) },
    });
    expect((await run(['apply', '-f', file], ssh.configFile, shim.dir)).exitCode).toBe(0);
    const pid = masterPid(ssh.configFile, 'gpu1');
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL'); // the master this test's apply started
    await waitFor(() => !isProcessAlive(pid!), 5000, 'the master to die');
    const next = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(next.stderr).toBe('');
    expect(next.stdout).toBe('in sync: 1 session, nothing to do\n');
    const after = await run(['apply', '-f', file], ssh.configFile, shim.dir);
    expect(after.stdout).toBe('in sync: 1 session, nothing to do\n');
    const again = masterPid(ssh.configFile, 'gpu1');
    expect(again).toBeDefined();
    expect(again).not.toBe(pid);
  });

  it('the ssh config changed where a destination goes: the remembered socket path is dropped, nothing lands on the old host', async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    const base = readFileSync(ssh.configFile, 'utf8');
    const moving = path.join(t.stateDir, '..', 'moving_ssh_config');
    const alias = (h: string) => {
      const x = ssh.host(h);
      return `Host moving\n  HostName 127.0.0.1\n  Port ${x.port}\n  User ${x.user}\n  IdentityFile ${x.keyFile}\n`;
    };
    writeFileSync(moving, `${alias('gpu1')}\n${base}`, { mode: 0o600 });
    const spec = (name: string) =>
      t.writeSpec(`moving/${name}.yaml`, {
        version: 1,
        hosts: { moving: { ssh: 'moving' } },
        sessions: { [name]: quickSession(LONG_RUNNING, { host: 'moving' }) },
      });
    expect((await run(['apply', '-f', spec('sp-old')], moving, shim.dir)).exitCode).toBe(0);
    expect(await sessionsOn('gpu1')).toContain('sp-old');
    const oldMaster = masterPid(moving, 'moving');
    expect(oldMaster).toBeDefined();
    // `moving` is gpu2 now (a comment too, as an edit would leave); gpu1's master is still up.
    writeFileSync(moving, `# moved to gpu2\n${alias('gpu2')}\n${base}`, { mode: 0o600 });
    shim.calls();
    const r = await run(['apply', '-f', spec('sp-new')], moving, shim.dir);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await sessionsOn('gpu2')).toContain('sp-new');
    expect(await sessionsOn('gpu1')).not.toContain('sp-new');
    // The path was resolved again, so the call rode gpu2's master (the first test's, same state
    // dir) instead of connecting directly on every command; gpu1's master is left alone.
    expect(shim.calls().some((c) => / -G /.test(c))).toBe(true);
    const newMaster = masterPid(moving, 'moving');
    expect(newMaster).toBeDefined();
    expect(newMaster).not.toBe(oldMaster);
    expect(newMaster).toBe(masterPid(ssh.configFile, 'gpu2'));
    expect(isProcessAlive(oldMaster!)).toBe(true);
  });
});
