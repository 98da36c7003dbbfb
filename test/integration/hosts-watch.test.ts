/**
 * `watch` over hosts reached with real OpenSSH (test/helpers/sshd.ts): crash repair on a host, and
 * a host that goes away and comes back.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostsDocFor, hostsHarness, loggingSsh } from '../helpers/hosts.js';
import { descendantsOf, useSshHosts } from '../helpers/sshd.js';
import { allCmdlines, LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { readEvents, startWatch } from '../helpers/watch.js';
import { GLOBAL_HOOK_INDEX } from '../../src/tmux/options.js';

const t = useTmuxServer();
const ssh = useSshHosts(['wgpu1', 'wgpu2']);

const hostsDoc = hostsDocFor(['wgpu1', 'wgpu2']);
const { pidOn, replacedOn } = hostsHarness(t, ssh);

describe('watch across hosts', () => {
  it('repairs a kill -9 on a host, and converges a host that was down once it is back', async () => {
    const file = t.writeSpec(
      'w/app.yaml',
      hostsDoc({ 'hw-a': quickSession(LONG_RUNNING, { host: 'wgpu1' }), 'hw-b': quickSession(LONG_RUNNING, { host: 'wgpu2' }) }),
    );
    // wgpu2 is down when watch starts: wgpu1 is supervised meanwhile, wgpu2 once it answers.
    await ssh.host('wgpu2').stopSshd();
    const w = await startWatch(t, { args: ['-f', file, '--resync', '2'], env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    const first = await waitFor(() => pidOn('wgpu1', 'hw-a'), 20_000, 'hw-a started on wgpu1');
    expect(await pidOn('wgpu2', 'hw-b')).toBeUndefined();
    await waitFor(() => /wgpu2: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused/.test(w.stderr()), 10_000, 'wgpu2 reported');

    process.kill(first, 'SIGKILL'); // a process of the test's own throw-away user
    const second = await waitFor(() => replacedOn('wgpu1', 'hw-a', first), 20_000, 'hw-a repaired on wgpu1');
    expect(ssh.host('wgpu1').pidsOfUser()).not.toContain(first);

    await ssh.host('wgpu2').startSshd();
    await waitFor(() => pidOn('wgpu2', 'hw-b'), 40_000, 'hw-b started once wgpu2 is back');

    // wgpu1's sshd restarts (every connection dropped) while its pane is killed: repaired once it answers.
    await ssh.host('wgpu1').stopSshd();
    process.kill(second, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    await ssh.host('wgpu1').startSshd();
    await waitFor(() => replacedOn('wgpu1', 'hw-a', second), 40_000, 'hw-a repaired after wgpu1 came back');
    expect(w.stderr()).toContain('wgpu1/hw-a');

    // Each resync gives up on the host's `tmux wait-for` client and starts another: the one given
    // up on must end there too (killing ssh here does not end it), or they pile up all day.
    await new Promise((r) => setTimeout(r, 7000));
    const waiting = ssh
      .host('wgpu1')
      .cmdlinesOfUser()
      .filter((p) => p.argv[0]?.endsWith('tmux') && p.argv.includes('wait-for'));
    expect(waiting.length).toBeLessThanOrEqual(2);
  }, 150_000);
});

describe('watch across hosts, what a repair costs', () => {
  it('a crash repaired on a host starts no ssh here: the wake-up and the next wait ride the waits shell, the pass the kept shell', async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    const file = t.writeSpec('c/app.yaml', hostsDoc({ 'hw-c': quickSession(LONG_RUNNING, { host: 'wgpu1' }) }));
    const w = await startWatch(t, { args: ['-f', file], env: { TMUXCTL_SSH_CONFIG: ssh.configFile, PATH: `${shim.dir}:${process.env.PATH}` } });
    const first = await waitFor(() => pidOn('wgpu1', 'hw-c'), 20_000, 'hw-c started on wgpu1');
    // Settled: the kept shells, the nudge loop and the first wait are up; nothing new for a while.
    await waitFor(
      async () => {
        const before = shim.calls().length;
        await new Promise((r) => setTimeout(r, 1500));
        return before === 0 && shim.calls().length === 0;
      },
      30_000,
      'watch settled on wgpu1',
    );
    process.kill(first, 'SIGKILL'); // a process of the test's own throw-away user
    await waitFor(() => replacedOn('wgpu1', 'hw-c', first), 20_000, 'hw-c repaired on wgpu1');
    // The pass after the repair and the wait armed again have run by now.
    await new Promise((r) => setTimeout(r, 1500));
    expect(shim.calls()).toEqual([]);
    expect(w.stderr()).toContain('wgpu1/hw-c');
  }, 90_000);
});

describe('watch across hosts, over a control client on the ssh connection', () => {
  it("with control mode, the host's tmux is reached over one control client there: it repairs a kill -9, and no client is left there when watch is killed", async () => {
    const shim = loggingSsh(path.join(t.stateDir, '..'));
    // On wgpu1, a `timeout` first on PATH that logs each call: every tmux call of the kept shells
    // runs under it, the control client's never.
    const host = ssh.host('wgpu1');
    const timeoutLog = path.join(host.home, 'timeout-calls.log');
    const setUp = await host.run(
      `mkdir -p shim && printf '#!/bin/sh\\nprintf "%%s\\\\n" "$*" >> ${timeoutLog}\\nexec /usr/bin/timeout "$@"\\n' > shim/timeout && chmod +x shim/timeout && ` +
        `printf 'PATH=%s/shim:/usr/local/bin:/usr/bin:/bin\\n' "$HOME" > .ssh/environment`,
    );
    expect(setUp.code).toBe(0);
    const timeoutCalls = () => (existsSync(timeoutLog) ? readFileSync(timeoutLog, 'utf8').split('\n').filter(Boolean) : []);
    const file = t.writeSpec('k/app.yaml', hostsDoc({ 'hw-k': quickSession(['sh', '-c', 'echo run-$$; exec sleep 100000'], { host: 'wgpu1' }) }));
    const w = await startWatch(t, {
      args: ['-f', file, '--host', 'wgpu1'],
      env: { TMUXCTL_SSH_CONFIG: ssh.configFile, TMUXCTL_CONTROL: '1', PATH: `${shim.dir}:${process.env.PATH}` },
    });
    const first = await waitFor(() => pidOn('wgpu1', 'hw-k'), 20_000, 'hw-k started on wgpu1');
    const controlClients = async () => {
      const r = await ssh.host('wgpu1').run(`tmux -L ${t.socket} list-clients -F '#{client_control_mode} #{client_session}'`);
      return r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('1 '));
    };
    await waitFor(async () => (await controlClients()).length > 0, 15_000, 'a control client attached on wgpu1');
    expect(await controlClients()).toEqual(['1 hw-k']);
    // Started through ssh here, as the host's one control client: `ssh … -- tmux -L S -N -C attach-session …`.
    expect(shim.calls().filter((c) => / -C attach-session /.test(c))).toHaveLength(1);

    // The kept shells run tmux under the shim (so it is on their PATH); settled, then the kill.
    await waitFor(() => timeoutCalls().some((c) => / tmux .*wait-for /.test(c)), 10_000, 'the waits shell under the shim');
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(timeoutLog, '');
    process.kill(first, 'SIGKILL'); // a process of the test's own throw-away user
    const second = await waitFor(() => replacedOn('wgpu1', 'hw-k', first), 20_000, 'hw-k repaired on wgpu1');
    // The repair's batch went on the control client: no tmux client ran a batch there under `timeout`.
    await new Promise((r) => setTimeout(r, 500));
    expect(timeoutCalls().filter((c) => /source-file/.test(c))).toEqual([]);
    expect(await controlClients()).toEqual(['1 hw-k']);
    expect(shim.calls().filter((c) => / -C attach-session /.test(c))).toEqual([]);
    // The log there reads in order whichever channel carried what: the run, its exit, the restart, the next run.
    const logLines = async () => {
      const r = await ssh.host('wgpu1').run('cat "$(find ~/.local/state/tmuxctl/logs -name hw-k.log | head -1)"');
      return r.stdout.replace(/\r/g, '').split('\n').filter(Boolean);
    };
    await waitFor(async () => (await logLines()).includes(`run-${second}`), 10_000, 'the second run in the log on wgpu1');
    expect((await logLines()).map((l) => l.replace(/^\[tmuxctl [^\]]+\] /, '[marker] '))).toEqual([
      expect.stringMatching(/^\[marker\] started \(/),
      `run-${first}`,
      '[marker] killed by signal 9',
      '[marker] restarted (killed by signal 9)',
      `run-${second}`,
    ]);

    // Killed with no chance to say goodbye: ssh's input closes with it, and the client there ends.
    await w.stop('SIGKILL');
    await host.run('rm -f .ssh/environment');
    await waitFor(async () => (await controlClients()).length === 0, 10_000, 'the control client on wgpu1 gone');
    // Its script there (host/remote-control-client.ts) ends too, within its 2 s grace.
    const left = () =>
      ssh
        .host('wgpu1')
        .cmdlinesOfUser()
        .filter((p) => p.argv.includes('-C') && p.argv.includes('attach-session'));
    await waitFor(() => left().length === 0, 10_000, 'nothing of the control client left on wgpu1');
  }, 90_000);
});

/** The pid of the host's tmux server on the test's socket, or undefined when none runs. */
async function serverOn(host: string): Promise<number | undefined> {
  const r = await ssh.host(host).run(`tmux -L ${t.socket} display-message -p '#{pid}'`);
  return r.code === 0 && /^\d+$/.test(r.stdout.trim()) ? Number(r.stdout.trim()) : undefined;
}

/**
 * The nudge loop's processes on the host for this server pid: the host user's processes (its uid,
 * which only this test uses) running the loop's script for that pid (host/remote-nudge.ts).
 */
function nudgersOn(host: string, serverPid: number): number[] {
  return ssh
    .host(host)
    .cmdlinesOfUser()
    .filter((p) => p.argv.some((a) => a.includes(`p=${serverPid}; me=`)) || (p.argv.includes('tmuxctl-nudge') && p.argv.includes(String(serverPid))))
    .map((p) => p.pid);
}

/** Whether the process runs (a zombie, which the reaper of this machine may leave for a while, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The children of a process now (from /proc: the hosts are users of this machine). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** How many times the process has given up the CPU of its own accord: each SIGCHLD wakes an idle tmux server once. */
function wakeUps(pid: number): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

describe('watch: the SIGCHLD nudge of a host runs on the host', () => {
  it('runs a loop on the host that signals its tmux server, follows a restarted server, and leaves nothing behind when its ssh or watch ends', async () => {
    const file = t.writeSpec('n/app.yaml', hostsDoc({ 'hn-a': quickSession(LONG_RUNNING, { host: 'wgpu1' }) }));
    // A long resync: nothing but the hook and the nudge looks between passes.
    const w = await startWatch(t, { args: ['-f', file, '--resync', '60', '--host', 'wgpu1'], env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    await waitFor(() => pidOn('wgpu1', 'hn-a'), 20_000, 'hn-a started on wgpu1');
    const server = await waitFor(() => serverOn('wgpu1'), 5000, 'the server on wgpu1');
    const loop = await waitFor(() => (nudgersOn('wgpu1', server).length > 0 ? nudgersOn('wgpu1', server) : undefined), 10_000, 'the nudge loop on wgpu1');

    // It signals: an idle server (one session, a wait-for client) is woken by it many times a second.
    const before = wakeUps(server);
    await new Promise((r) => setTimeout(r, 2000));
    expect(wakeUps(server) - before).toBeGreaterThan(20);
    // With bash on the host (as here) a tick is a timed read: no `sleep` (or any process) per tick.
    const children = new Set<number>();
    for (let i = 0; i < 20; i++) {
      // (the login shell sshd runs the script with is one of `loop`, the loop its child)
      for (const pid of loop) for (const c of childrenOf(pid)) if (!loop.includes(c)) children.add(c);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect([...children]).toEqual([]);

    // Its ssh here killed (the link lost): the loop on the host ends with it, and watch starts another.
    const sshHere = descendantsOf(w.pid).filter((pid) => allCmdlines().some((c) => c.pid === pid && c.argv.some((a) => a.includes(`p=${server}; me=`))));
    expect(sshHere.length).toBeGreaterThan(0);
    for (const pid of sshHere) process.kill(pid, 'SIGKILL'); // watch's own child, found by its pid chain
    await waitFor(() => !loop.some(running), 10_000, 'the first loop gone from wgpu1');
    const again = await waitFor(() => (nudgersOn('wgpu1', server).length > 0 ? nudgersOn('wgpu1', server) : undefined), 10_000, 'a new nudge loop');
    await waitFor(() => /nudging tmux there/.test(w.stderr()), 5000, 'the lost nudge reported');

    // The server restarted: the new one is nudged, the old one's loop is gone.
    await ssh.host('wgpu1').run(`tmux -L ${t.socket} kill-server`);
    const next = await waitFor(
      async () => {
        const now = await serverOn('wgpu1');
        return now !== undefined && now !== server && (await pidOn('wgpu1', 'hn-a')) ? now : undefined;
      },
      20_000,
      'hn-a started again on a new server',
    );
    await waitFor(() => nudgersOn('wgpu1', next).length > 0, 10_000, 'the new server nudged');
    await waitFor(() => nudgersOn('wgpu1', server).length === 0, 10_000, 'no loop left for the old server');
    await waitFor(() => !again.some(running), 10_000, "the old server's loop ended");

    // watch stops: nothing is left signalling on the host.
    expect((await w.stop()).code).toBe(0);
    await waitFor(() => nudgersOn('wgpu1', next).length === 0, 10_000, 'no loop left on wgpu1 after watch stopped');
  }, 120_000);

  it('repairs kill -9 after kill -9 on a host, each long before a 60 s resync', async () => {
    const file = t.writeSpec('n2/app.yaml', hostsDoc({ 'hn-b': quickSession(LONG_RUNNING, { host: 'wgpu2', backoff: { initialSeconds: 1, maxSeconds: 1 } }) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '60', '--host', 'wgpu2'], env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    let pid = await waitFor(() => pidOn('wgpu2', 'hn-b'), 20_000, 'hn-b started on wgpu2');
    // The contract, not one mechanism: no repair waits for the resync. (tmux 3.3a can lose a pane's
    // exit to libutempter's helper, which the nudge loop above undoes; this run need not provoke it.)
    for (let i = 0; i < 6; i++) {
      process.kill(pid, 'SIGKILL');
      const old = pid;
      pid = await waitFor(() => replacedOn('wgpu2', 'hn-b', old), 20_000, `hn-b repaired after kill ${i + 1}`).catch((e: Error) => {
        // What watch saw and did, for whoever reads a failure: a repair that waits is a lost wake-up.
        const seen = readEvents(t)
          .slice(-30)
          .map((ev) => JSON.stringify(ev));
        throw new Error(`${e.message}\nlast events:\n${seen.join('\n')}\nwatch's stderr:\n${w.stderr().slice(-3000)}`);
      });
    }
    expect((await w.stop()).code).toBe(0);
  }, 200_000);

  it('a death whose wake-up never comes is repaired within seconds: the /proc backstop runs on the host', async () => {
    // The wake-up can be lost on a host (another client waiting on the channel while ours is not
    // armed takes the signal). Here it is taken away for sure: no pane-died hook on wgpu2's server.
    const file = t.writeSpec('n3/app.yaml', hostsDoc({ 'hn-c': quickSession(LONG_RUNNING, { host: 'wgpu2' }) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '60', '--host', 'wgpu2'], env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    const pid = await waitFor(() => pidOn('wgpu2', 'hn-c'), 20_000, 'hn-c started on wgpu2');
    const unhook = await ssh.host('wgpu2').run(`tmux -L ${t.socket} set-hook -gu 'pane-died[${GLOBAL_HOOK_INDEX}]'`);
    expect(unhook.code, unhook.stderr).toBe(0);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => replacedOn('wgpu2', 'hn-c', pid), 10_000, 'hn-c repaired long before the 60 s resync');
    expect((await w.stop()).code).toBe(0);
  }, 60_000);
});

/** The host's processes that hold or keep its reconcile lock for watch (host/kept-remote-lock.ts): flock and its script. */
function keepersOn(host: string): number[] {
  return ssh
    .host(host)
    .cmdlinesOfUser()
    .filter((p) => p.argv.some((a) => a.includes('tmuxctl-lock-asked')))
    .map((p) => p.pid);
}

describe('watch: the lock of a host is kept between passes', () => {
  it('keeps it over one ssh while idle, hands it over to a restart there at once, takes it back, and lets go when watch stops', async () => {
    const file = t.writeSpec('k/app.yaml', hostsDoc({ 'hk-a': quickSession(LONG_RUNNING, { host: 'wgpu1' }) }));
    const env = { TMUXCTL_SSH_CONFIG: ssh.configFile };
    const w = await startWatch(t, { args: ['-f', file, '--resync', '60', '--host', 'wgpu1'], env });
    await waitFor(() => pidOn('wgpu1', 'hk-a'), 20_000, 'hk-a started on wgpu1');
    // Between passes the lock stays held on the host: no round trip for it at the next pass.
    const keeper = await waitFor(() => (keepersOn('wgpu1').length > 0 ? keepersOn('wgpu1') : undefined), 10_000, 'the lock kept on wgpu1');
    await new Promise((r) => setTimeout(r, 1000));
    expect(keeper.every(running)).toBe(true);

    // Someone else waits for it there (a restart takes the lock): handed over well within their 10 s.
    const before = await waitFor(() => pidOn('wgpu1', 'hk-a'), 5000, 'hk-a running');
    const r = await t.tmuxctl(['restart', 'hk-a', '-f', file, '--host', 'wgpu1', '--lock-timeout', '10'], { env });
    expect(r.stderr).not.toMatch(/not obtained/);
    expect(r.exitCode).toBe(0);
    expect(await pidOn('wgpu1', 'hk-a')).not.toBe(before);
    await waitFor(() => !keeper.some(running), 10_000, 'the first keeper gone');
    // Taken back by a later pass (a kill: the hook wakes watch), kept again.
    const pid = await waitFor(() => pidOn('wgpu1', 'hk-a'), 5000, 'hk-a running');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => replacedOn('wgpu1', 'hk-a', pid), 20_000, 'hk-a repaired after the hand-over');
    const again = await waitFor(() => (keepersOn('wgpu1').length > 0 ? keepersOn('wgpu1') : undefined), 10_000, 'the lock kept again');

    expect((await w.stop()).code).toBe(0);
    await waitFor(() => !again.some(running), 10_000, 'no keeper left on wgpu1 after watch stopped');
  }, 120_000);
});
