/**
 * The tmux server a service runs must outlive the service: systemd kills a unit's whole cgroup when
 * it stops (so the unit starts the server first, in a scope of its own, with `tmuxctl service
 * start-server`), and only the main process with KillMode=process. There is no systemd user manager
 * here (nor in CI), so what is proved against a real tmux is what systemd relies on:
 * - `service start-server` leaves a server running with no session (on tmux 3.3a a bare
 *   `start-server` exits at once, which broke the old recipe) and leaves a running server alone;
 * - the server tmuxctl starts (start-server, or watch itself) is not a descendant of the process that
 *   started it, nor in its session or process group: a signal to watch, its group or its tree
 *   (what a KillMode=process stop sends) cannot reach it;
 * - stopping watch with SIGTERM and starting it again (a service restart) keeps every session and
 *   its process.
 */
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { livePid, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

interface Stat {
  ppid: number;
  pgid: number;
  sid: number;
}

function stat(pid: number): Stat {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [, ppid, pgid, sid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid) };
}

/** The pids from `pid`'s parent up to the root of the process tree. */
function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = stat(pid).ppid; p > 0 && out.length < 1000; p = stat(p).ppid) out.push(p);
  return out;
}

async function serverPid(): Promise<number | undefined> {
  const r = await t.tmuxResult(['display-message', '-p', '#{pid}']);
  return r.exitCode === 0 ? Number(r.stdout.trim()) : undefined;
}

/** Each test starts with no server; kill-server returns before the server has gone, so wait for its pid. */
beforeEach(async () => {
  const pid = await serverPid();
  if (pid === undefined) return;
  await t.tmuxResult(['kill-server']);
  await waitFor(() => !isProcessAlive(pid), 5000, `tmux server ${pid} gone`);
});

describe('service start-server', () => {
  it('starts a server that stays running with no session (exit-empty off), outside the tree of whoever started it', async () => {
    const r = await t.tmuxctl(['service', 'start-server']);
    expect(r.exitCode, r.stderr).toBe(0);
    const pid = Number(/started the tmux server \(pid (\d+)\)/.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(1);
    // The client that started it has exited: on tmux 3.3a a server with no session and exit-empty
    // on is gone by now. This one still answers, with no session, and the same pid.
    expect(await serverPid()).toBe(pid);
    expect((await t.tmux('list-sessions', '-F', '#{session_name}')).trim()).toBe('');
    expect((await t.tmux('show-options', '-s', 'exit-empty')).trim()).toBe('exit-empty off');
    // Daemonised: not a descendant of this test process (which ran tmuxctl, which ran the tmux
    // client), and in a session of its own.
    expect(ancestors(pid)).not.toContain(process.pid);
    expect(stat(pid).sid).toBe(pid);
    expect(stat(pid).sid).not.toBe(stat(process.pid).sid);
  });

  it('leaves a server that already runs as it is (the user may want exit-empty on)', async () => {
    await t.tmux('new-session', '-d', '-s', 'mine', 'sleep 1000');
    const pid = await serverPid();
    const r = await t.tmuxctl(['service', 'start-server']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^the tmux server \\(pid ${pid}\\) on .* already runs: left as it is\\n$`));
    expect((await t.tmux('show-options', '-s', 'exit-empty')).trim()).toBe('exit-empty on');
  });
});

describe('a server held with no session is an empty server, not a failure', () => {
  // tmux 3.3a answers `list-panes -a` on such a server with "no current target" (exit 1).
  it('diff, apply, status and freeze read it as no sessions', async () => {
    const file = t.writeSpec('empty.yaml', specDoc({ first: quickSession(['sleep', '100000']) }));
    expect((await t.tmuxctl(['service', 'start-server'])).exitCode).toBe(0);
    const diff = await t.tmuxctl(['diff', '-f', file]);
    expect(diff.exitCode, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/\+ create first \(not found\)/);
    const status = await t.tmuxctl(['status', '-f', file, '--all']);
    expect(status.exitCode, status.stderr).toBe(0);
    const freeze = await t.tmuxctl(['freeze']);
    expect(freeze.stderr).toBe('tmuxctl: nothing to freeze: no session is running on this tmux server\n');
    const apply = await t.tmuxctl(['apply', '-f', file]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    await waitFor(() => livePid(t, 'first'), 10_000, 'first running');
  });
});

describe('stopping and restarting the service keeps the tmux server and its sessions', () => {
  const spec = () => t.writeSpec('svc.yaml', specDoc({ mon: quickSession(['sleep', '100000']) }));

  it('the unit order (start-server, then watch): watch uses that server; SIGTERM to watch alone and a new watch keep the session', async () => {
    const file = spec();
    expect((await t.tmuxctl(['service', 'start-server'])).exitCode).toBe(0);
    const server = await serverPid();
    const first = await startWatch(t, { args: ['-f', file] });
    const pane = await waitFor(() => livePid(t, 'mon'), 10_000, 'mon running');
    expect(await serverPid()).toBe(server);

    // systemctl stop with KillMode=process: SIGTERM to the main process only.
    expect((await first.stop('SIGTERM')).code).toBe(0);
    expect(await serverPid()).toBe(server);
    expect(await livePid(t, 'mon')).toBe(pane);

    // systemctl start again (Restart= or a reboot of the service): the same session, not restarted.
    await t.tmuxctl(['service', 'start-server']);
    const second = await startWatch(t, { args: ['-f', file] });
    await waitFor(() => /pass|watch-started/.test(second.stderr()), 10_000, 'a pass of the second watch');
    expect(await t.tmuxctl(['diff', '-f', file])).toMatchObject({ exitCode: 0 });
    expect(await livePid(t, 'mon')).toBe(pane);
    expect((await t.pane('mon'))?.restarts).toBe('0');
    await second.stop('SIGTERM');
    expect(await livePid(t, 'mon')).toBe(pane);
  });

  it('a server watch had to start itself is not its descendant, nor in its session or process group', async () => {
    const file = spec();
    const watch = await startWatch(t, { args: ['-f', file] });
    const pane = await waitFor(() => livePid(t, 'mon'), 10_000, 'mon running');
    const server = (await serverPid())!;
    expect(ancestors(server)).not.toContain(watch.pid);
    expect(ancestors(server)).not.toContain(process.pid);
    expect(stat(server).sid).not.toBe(stat(watch.pid).sid);
    expect(stat(server).pgid).not.toBe(stat(watch.pid).pgid);
    // The session's process is the server's child, so it is outside watch's tree as well.
    expect(ancestors(pane)).toContain(server);
    expect(ancestors(pane)).not.toContain(watch.pid);

    expect((await watch.stop('SIGTERM')).code).toBe(0);
    expect(await serverPid()).toBe(server);
    expect(await livePid(t, 'mon')).toBe(pane);
  });
});
