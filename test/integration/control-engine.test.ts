/**
 * watch over one live control-mode connection (src/tmux/control): what it attaches, and what it does
 * when the connection or the server goes away. Speed is the bench's; this file asserts behaviour.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createTmuxServer,
  destroyTmuxServer,
  isProcessAlive,
  LONG_RUNNING,
  quickSession,
  specDoc,
  type TmuxServer,
  useTmuxServer,
  waitFor,
} from '../helpers/tmux.js';
import { tmuxCallLog } from '../helpers/tmux-calls.js';
import { eventsOf, killAndAwaitRestart, livePid, startWatch, statusOf, type WatchProcess } from '../helpers/watch.js';

const t = useTmuxServer();
// On by default only on tmux 3.7 or later (cli/commands/watch.ts): the engine's tests take it on any.
t.env.TMUXCTL_CONTROL = '1';

interface Client {
  pid: number;
  flags: string[];
  sessionName: string;
}

/** Every client of the server, with its pid and flags. */
async function clients(s: TmuxServer): Promise<Client[]> {
  const r = await s.tmuxResult(['list-clients', '-F', '#{client_pid} #{client_flags} #{session_name}']);
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, flags, ...name] = l.split(' ');
      return { pid: Number(pid), flags: flags!.split(','), sessionName: name.join(' ') };
    });
}

/** watch's control clients: control mode, no output (a person's control client reads output). */
async function supervisorClients(s: TmuxServer): Promise<Client[]> {
  return (await clients(s)).filter((c) => c.flags.includes('control-mode') && c.flags.includes('no-output'));
}

async function serverPid(s: TmuxServer): Promise<number> {
  return Number((await s.tmux('display-message', '-p', '#{pid}')).trim());
}

describe('watch over control mode', () => {
  it('keeps two control clients (commands, wake-ups) attached to a session it owns, which count as nobody looking', async () => {
    await t.tmux('new-session', '-d', '-s', 'someone-else', 'sleep 100000');
    const file = t.writeSpec('ctl/app.yaml', specDoc({ 'ctl-a': quickSession(LONG_RUNNING), 'ctl-b': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    await waitFor(() => livePid(t, 'ctl-b'), 5000, 'ctl-b created');
    await waitFor(async () => (await supervisorClients(t)).length === 2, 10_000, 'two control clients');
    const mine = await supervisorClients(t);
    // Never on the person's session: it would show as attached in their `tmux ls`.
    expect(mine.map((c) => c.sessionName).every((n) => n === 'ctl-a' || n === 'ctl-b')).toBe(true);
    // Children of watch itself.
    for (const c of mine) expect(ppidOf(c.pid)).toBe(w.pid);
    // status (another process) leaves them out of ATTACHED.
    for (const name of ['ctl-a', 'ctl-b']) expect((await statusOf(t, ['-f', file], name)).attachedClients).toBe(0);
    await killAndAwaitRestart(t, 'ctl-a', 'ctl-a repaired over the connection');
    // Still the same two clients: a repair opened nothing new.
    expect((await supervisorClients(t)).map((c) => c.pid).sort()).toEqual(mine.map((c) => c.pid).sort());
    await w.stop();
    await waitFor(async () => (await supervisorClients(t)).length === 0, 5000, 'no control client after watch stopped');
  });

  it('a killed control client: the next death is still repaired, and watch connects again', async () => {
    const file = t.writeSpec('ctlkill/app.yaml', specDoc({ 'ck-a': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    await waitFor(() => livePid(t, 'ck-a'), 5000, 'ck-a created');
    await waitFor(async () => (await supervisorClients(t)).filter((c) => c.sessionName === 'ck-a').length === 2, 10_000, 'control clients on ck-a');
    const before = (await supervisorClients(t)).filter((c) => c.sessionName === 'ck-a');
    for (const c of before) process.kill(c.pid, 'SIGKILL');
    // Right away, while the connections are down: nothing may be missed.
    await killAndAwaitRestart(t, 'ck-a', 'ck-a repaired with its control clients killed');
    await waitFor(
      async () => {
        const now = (await supervisorClients(t)).filter((c) => c.sessionName === 'ck-a');
        return now.length === 2 && now.every((c) => !before.some((b) => b.pid === c.pid));
      },
      15_000,
      'two new control clients',
    );
    await killAndAwaitRestart(t, 'ck-a', 'ck-a repaired over the new connection');
  });

  it('watch killed with -9 leaves no control client behind', async () => {
    const file = t.writeSpec('ctl9/app.yaml', specDoc({ 'c9-a': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', file] });
    await waitFor(async () => (await supervisorClients(t)).filter((c) => c.sessionName === 'c9-a').length === 2, 10_000, 'control clients on c9-a');
    const pids = (await supervisorClients(t)).filter((c) => c.sessionName === 'c9-a').map((c) => c.pid);
    process.kill(w.pid, 'SIGKILL');
    // tmux ends a control client whose input closed at its next look (about 2 s here, idle).
    await waitFor(() => pids.every((p) => !isProcessAlive(p)), 15_000, 'the control clients to exit with watch');
  });

  it('100 panes killed at once: every one running again, each restarted once', async () => {
    const sessions: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 25; i++)
      sessions[`hd-${i}`] = { windows: [{ name: 'w', layout: 'tiled', panes: [0, 1, 2, 3].map(() => ({ command: LONG_RUNNING })) }], startSeconds: 0 };
    const file = t.writeSpec('hundred/app.yaml', specDoc(sessions));
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    const live = async () => (await t.panes()).filter((p) => p.session.startsWith('hd-') && !p.dead);
    await waitFor(async () => (await live()).length === 100, 30_000, '100 panes running');
    const victims = (await live()).map((p) => p.pid);
    for (const pid of victims) process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const now = await live();
        return now.length === 100 && now.every((p) => !victims.includes(p.pid));
      },
      30_000,
      'all 100 running again',
    );
    const restarts = eventsOf(t, 'restart').filter((e) => String(e.session).startsWith('hd-'));
    expect(restarts).toHaveLength(100);
    expect(new Set(restarts.map((e) => e.session)).size).toBe(100);
  });
});

describe('the tmux server goes away under watch', () => {
  it('killed and started again (a new pid): watch connects to the new server and converges it', async () => {
    // A server of its own: this one is killed.
    const s = createTmuxServer();
    s.env.TMUXCTL_CONTROL = '1';
    let w: WatchProcess | undefined;
    try {
      const file = s.writeSpec('app.yaml', specDoc({ 'sv-a': quickSession(LONG_RUNNING) }));
      w = await startWatch(s, { args: ['-f', file, '--resync', '600'] });
      await waitFor(async () => (await supervisorClients(s)).length === 2, 10_000, 'control clients');
      const old = await serverPid(s);
      process.kill(old, 'SIGKILL');
      await waitFor(() => !isProcessAlive(old), 5000, 'the old server gone');
      // Watch starts a new server with the session (no server is an empty observation).
      await waitFor(() => livePid(s, 'sv-a'), 15_000, 'sv-a running on a new server');
      expect(await serverPid(s)).not.toBe(old);
      await waitFor(async () => (await supervisorClients(s)).length === 2, 15_000, 'control clients on the new server');
      await killAndAwaitRestart(s, 'sv-a', 'sv-a repaired on the new server');
    } finally {
      // Watch first: left running, it starts a server again after kill-server (its job), in the
      // directory being removed (ENOTEMPTY), and that server would outlive the test.
      if (w) await w.stop();
      await destroyTmuxServer(s);
    }
  });
});

describe('a pass during which tmux answers an error over the connection', () => {
  it('is reported, the connection stays up, and the rest is still supervised', async () => {
    const file = t.writeSpec('err/app.yaml', specDoc({ 'er-a': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    await waitFor(async () => (await supervisorClients(t)).length === 2, 10_000, 'control clients');
    const before = (await supervisorClients(t)).map((c) => c.pid).sort();
    // A window too small for its panes: tmux answers the batch's splits with "no space for new pane".
    await t.tmux('set-option', '-g', 'default-size', '10x4');
    try {
      const panes = [1, 2, 3, 4, 5, 6].map((n) => ({ command: ['sleep', String(310_100 + n)] }));
      t.writeSpec(
        'err/app.yaml',
        specDoc({ 'er-a': quickSession(LONG_RUNNING), 'er-tiny': { startSeconds: 0, stopTimeoutSeconds: 1, windows: [{ name: 'a', panes }] } }),
      );
      await waitFor(() => eventsOf(t, 'tmux-error').some((e) => /no space for new pane/.test(String(e.reason))), 15_000, 'the error reported');
      // The answer was an error, not a broken connection: the same two clients are still attached.
      expect((await supervisorClients(t)).map((c) => c.pid).sort()).toEqual(before);
      await killAndAwaitRestart(t, 'er-a', 'er-a still repaired after the error');
    } finally {
      await t.tmux('set-option', '-gu', 'default-size');
    }
  });
});

describe('without control mode (TMUXCTL_INTERNAL_NO_CONTROL=1: the fallback when it fails)', () => {
  it.each([
    ['TMUXCTL_INTERNAL_NO_CONTROL=1', { TMUXCTL_INTERNAL_NO_CONTROL: '1' }, undefined, 'nc-a'],
    ['TMUXCTL_CONTROL=0 (a way out), on tmux 3.7', { TMUXCTL_CONTROL: '0' }, '3.7', 'nc-b'],
    ['by default on tmux 3.6b (it crashes with control clients attaching)', { TMUXCTL_CONTROL: '' }, '3.6b', 'nc-c'],
  ])('spawned clients only, %s: no control client, and a kill -9 is repaired all the same', async (_, env, version, session) => {
    const w = tmuxCallLog(t, `tmux-${session}`, version);
    const file = t.writeSpec(`noctl-${session}/app.yaml`, specDoc({ [session]: quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file, '--resync', '600'], env: { ...w.env, ...env } });
    await waitFor(() => livePid(t, session), 5000, `${session} created`);
    await killAndAwaitRestart(t, session, `${session} repaired without control mode`);
    expect((await supervisorClients(t)).filter((c) => c.sessionName === session)).toEqual([]);
  });

  it('control mode is on by default on tmux 3.7 or later (the crashes are fixed there)', async () => {
    const w = tmuxCallLog(t, 'tmux-37', '3.7');
    const file = t.writeSpec('ctl-37/app.yaml', specDoc({ 'c37-a': quickSession(LONG_RUNNING) }));
    await startWatch(t, { args: ['-f', file, '--resync', '600'], env: { ...w.env, TMUXCTL_CONTROL: '' } });
    await waitFor(async () => (await supervisorClients(t)).filter((c) => c.sessionName === 'c37-a').length === 2, 10_000, 'two control clients');
  });
});

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
