/**
 * Hostile tests of watch's control-mode engine (src/tmux/control): what a person or a server policy
 * can do to the control clients watch keeps, and what must still hold (watch lives, repairs, does
 * not spin). Speed is the bench's; deadlines here only detect a crash, a hang or a spin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, LONG_RUNNING, quickSession, specDoc, type TmuxServer, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, killAndAwaitRestart, livePid, startWatch, statusOf } from '../helpers/watch.js';

const t = useTmuxServer();
// On by default only on tmux 3.7 or later (cli/commands/watch.ts): the engine's tests take it on any.
t.env.TMUXCTL_CONTROL = '1';

/** Pids of watch's control clients (control mode, no output) attached to `session`. */
async function controlClientsOn(s: TmuxServer, session: string): Promise<number[]> {
  const r = await s.tmuxResult(['list-clients', '-F', '#{client_pid} #{client_flags} #{session_name}']);
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([, flags, name]) => name === session && flags!.split(',').includes('control-mode') && flags!.split(',').includes('no-output'))
    .map(([pid]) => Number(pid));
}

const connects = () => eventsOf(t, 'tmux-connection').filter((e) => String(e.reason).startsWith('connected:')).length;

/** Hooks of a person's server policy that lets no control client stay (watch's own are what it hits). */
const KICKS = [
  // tmux ends the client in the same breath as its attach answer: the `%exit` arrives in the same read.
  { when: 'as it attaches', hook: 'if -F "#{client_control_mode}" detach-client', session: 'hk-a' },
  // A moment after: the connection is up, then lost; each detach fires client-detached, which wakes a pass.
  {
    when: 'a moment after it attaches',
    hook: 'if -F "#{client_control_mode}" "run-shell -b \'sleep 0.2; tmux detach-client -t #{client_name}\'"',
    session: 'hk-b',
  },
];

describe('hostile: control clients ended by tmux right after they attach', () => {
  it.each(KICKS)(
    'a server that detaches every control client $when: watch lives, repairs over spawned clients, and does not reconnect in a loop',
    async ({ hook, session }) => {
      const file = t.writeSpec(`${session}/app.yaml`, specDoc({ [session]: quickSession(LONG_RUNNING) }));
      const w = await startWatch(t, { args: ['-f', file, '--resync', '600'] });
      await waitFor(() => livePid(t, session), 5000, `${session} created`);
      await waitFor(async () => (await controlClientsOn(t, session)).length === 2, 10_000, `two control clients on ${session}`);
      await t.tmux('set-hook', '-g', 'client-attached', hook);
      try {
        // The clients watch has are detached, so it must connect again, and every attempt is detached too.
        await t.tmux('detach-client', '-s', session);
        const before = connects();
        // A window long enough for a loop to show (fixed: it measures how often something happens).
        await new Promise((r) => setTimeout(r, 3000));
        expect(isProcessAlive(w.pid)).toBe(true);
        // Attempts spaced out (250 ms doubling, per client): at most about four each in 3 s, not one per pass.
        expect(connects() - before).toBeLessThan(11);
        await killAndAwaitRestart(t, session, `${session} repaired while no control client can stay`);
        expect(isProcessAlive(w.pid)).toBe(true);
      } finally {
        await t.tmux('set-hook', '-gu', 'client-attached');
      }
      // Once tmux lets them stay, watch connects again.
      await waitFor(async () => (await controlClientsOn(t, session)).length === 2, 15_000, `two control clients on ${session} again`);
      await killAndAwaitRestart(t, session, `${session} repaired over the new connection`);
      expect(w.stderr()).not.toMatch(/ReferenceError|at .*\.js:\d+/);
      await w.stop('SIGTERM');
    },
  );
});

describe('hostile: a person kill-servers and starts a server of their own', () => {
  it('watch never attaches its control clients to a session of the new server that is not its own (session ids start again at $0)', async () => {
    const file = t.writeSpec('ks/app.yaml', specDoc({ 'hs-a': quickSession(LONG_RUNNING) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    await waitFor(() => livePid(t, 'hs-a'), 5000, 'hs-a created');
    await waitFor(async () => (await controlClientsOn(t, 'hs-a')).length === 2, 10_000, 'two control clients on hs-a');
    const oldId = (await t.pane('hs-a'))!.sessionId;
    // Connections that have lasted (5 s) are reopened at once when lost, without a pass in between.
    await new Promise((r) => setTimeout(r, 5500));
    const oldServer = Number((await t.tmux('display-message', '-p', '#{pid}')).trim());
    // Watch held still (a busy machine, a suspended laptop) while the person replaces the server:
    // when it runs again, the last thing it saw is the old server's.
    process.kill(w.pid, 'SIGSTOP');
    try {
      await t.tmuxResult(['kill-server']);
      await waitFor(() => !isProcessAlive(oldServer), 5000, 'the old server gone');
      // The person's sessions, until one has the id watch's session had on the old server.
      for (let i = 0; ; i++) {
        await t.tmux('new-session', '-d', '-s', `mine-${i}`, 'sleep 100000');
        if ((await t.pane(`mine-${i}`))!.sessionId === oldId) break;
        expect(i).toBeLessThan(200);
      }
    } finally {
      process.kill(w.pid, 'SIGCONT');
    }
    await waitFor(() => livePid(t, 'hs-a'), 10_000, 'hs-a created on the new server');
    await waitFor(async () => (await controlClientsOn(t, 'hs-a')).length === 2, 15_000, 'two control clients on hs-a');
    const onMine = (await t.sessionNames()).filter((n) => n.startsWith('mine-'));
    for (const n of onMine) expect(await controlClientsOn(t, n), `control clients on the person's ${n}`).toEqual([]);
    await w.stop('SIGTERM');
  });
});

/** A person's control client (iTerm2's tmux integration: `tmux -CC`, output on): started by the test, ended by its pid. */
const people: ChildProcess[] = [];
afterEach(() => {
  for (const c of people.splice(0)) if (c.exitCode === null && c.pid !== undefined && isProcessAlive(c.pid)) c.kill('SIGKILL');
});

describe('hostile: a person attached through control mode', () => {
  it('a control client WITH output (iTerm2-style) counts as attached: update: when-detached waits for it, and applies once it leaves', async () => {
    const spec = (n: number) => specDoc({ 'hi-a': quickSession(['sleep', String(100000 + n)], { update: 'when-detached' }) });
    const file = t.writeSpec('iterm/app.yaml', spec(0));
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    const old = await waitFor(() => livePid(t, 'hi-a'), 5000, 'hi-a started');
    await waitFor(async () => (await controlClientsOn(t, 'hi-a')).length === 2, 10_000, "watch's two control clients on hi-a");
    const person = spawn('tmux', ['-L', t.socket, '-C', 'attach-session', '-t', '=hi-a'], { env: t.env, stdio: ['pipe', 'ignore', 'ignore'] });
    people.push(person);
    await waitFor(async () => (await t.tmux('display-message', '-p', '-t', '=hi-a:', '#{session_attached}')).trim() === '3', 5000, 'the person attached');

    t.writeSpec('iterm/app.yaml', spec(1));
    await waitFor(() => eventsOf(t, 'waiting', 'hi-a').length > 0, 10_000, 'watch to hold the change back');
    expect(eventsOf(t, 'waiting', 'hi-a')[0]?.reason).toBe('waiting for 1 attached client to detach');
    expect(await livePid(t, 'hi-a')).toBe(old);

    person.stdin!.end(); // the person closes iTerm2's tmux window: the client ends
    await waitFor(
      async () => {
        const pid = await livePid(t, 'hi-a');
        return pid !== undefined && pid !== old;
      },
      10_000,
      'hi-a restarted once the person left',
    );
  });
});

describe('hostile: two watches on one server', () => {
  it('each keeps its control clients on its own sessions, neither counts the other as attached, and both repair', async () => {
    const fileA = t.writeSpec('two/a.yaml', specDoc({ 'tw-a': quickSession(LONG_RUNNING) }));
    const fileB = t.writeSpec('two/b.yaml', specDoc({ 'tw-b': quickSession(LONG_RUNNING) }));
    const a = await startWatch(t, { args: ['-f', fileA, '--resync', '600'] });
    const b = await startWatch(t, { args: ['-f', fileB, '--resync', '600'] });
    await waitFor(() => livePid(t, 'tw-a'), 5000, 'tw-a created');
    await waitFor(() => livePid(t, 'tw-b'), 5000, 'tw-b created');
    await waitFor(async () => (await controlClientsOn(t, 'tw-a')).length === 2, 10_000, "watch a's clients on tw-a");
    await waitFor(async () => (await controlClientsOn(t, 'tw-b')).length === 2, 10_000, "watch b's clients on tw-b");
    for (const [session, w] of [
      ['tw-a', a],
      ['tw-b', b],
    ] as const)
      for (const pid of await controlClientsOn(t, session)) expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]).toBe(String(w.pid));
    expect((await statusOf(t, ['-f', fileA], 'tw-a')).attachedClients).toBe(0);
    expect((await statusOf(t, ['-f', fileB], 'tw-b')).attachedClients).toBe(0);
    await Promise.all([killAndAwaitRestart(t, 'tw-a', 'tw-a repaired'), killAndAwaitRestart(t, 'tw-b', 'tw-b repaired')]);
    // Neither pruned the other's session (each source file is outside the other's -f).
    expect(await t.sessionNames()).toEqual(expect.arrayContaining(['tw-a', 'tw-b']));
    expect(isProcessAlive(a.pid) && isProcessAlive(b.pid)).toBe(true);
  });
});

describe('hostile: pane text that looks like control-mode protocol', () => {
  it("a restart's screen carry reads a pane printing %begin/%end/%error/%exit lines as text, over the same connection", async () => {
    const lines = ['%begin 1 2 1', '%end 1 2 1', '%error 1 2 1', '%exit', '%session-changed $0 x', 'zz-last-line'];
    const script = `printf '${lines.map((l) => l.replace(/%/g, '%%')).join('\\n')}\\n'; exec sleep 100000`;
    const file = t.writeSpec('proto/app.yaml', specDoc({ 'hp-a': quickSession(['sh', '-c', script]) }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    await waitFor(() => livePid(t, 'hp-a'), 5000, 'hp-a started');
    const paneId = (await t.pane('hp-a'))!.paneId;
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', paneId)).includes('zz-last-line'), 5000, 'hp-a to print');
    await waitFor(async () => (await controlClientsOn(t, 'hp-a')).length === 2, 10_000, 'two control clients on hp-a');
    const clientsBefore = (await controlClientsOn(t, 'hp-a')).sort();
    await killAndAwaitRestart(t, 'hp-a', 'hp-a restarted');
    // The carried screen (read over the connection) is reprinted above the marker, every line intact.
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', paneId)).includes('[tmuxctl] restarted'), 5000, 'the restart marker');
    // -S -: the reprint scrolls the screen by one line (the first carried line goes to the history;
    // spawned clients alike, a carry-screen matter, not the connection's).
    const screen = await t.tmux('capture-pane', '-p', '-S', '-', '-t', paneId);
    const before = screen.slice(0, screen.indexOf('[tmuxctl] restarted'));
    for (const l of lines) expect(before).toContain(l);
    // Nothing in the text ended or confused the connection: the same two clients, and the next death is repaired.
    expect((await controlClientsOn(t, 'hp-a')).sort()).toEqual(clientsBefore);
    await killAndAwaitRestart(t, 'hp-a', 'hp-a restarted again');
    expect(isProcessAlive(w.pid)).toBe(true);
  });
});
