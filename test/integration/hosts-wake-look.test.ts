/**
 * The look a host takes the moment watch's `wait-for` returns (host/look-answers.ts): the pass the
 * wake-up starts plans from it without asking again, and only when it cannot have missed anything of
 * ours or of someone holding the lock. Real sshd "host" (test/helpers/sshd.ts), the machine as
 * `watch` uses it: its tmux's wait, then the pass's lookAhead and observation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ConnectedHost, connectHost } from '../../src/host/ssh-machine.js';
import { SNAPSHOT_ARGS } from '../../src/observe/snapshot.js';
import { WAKE_CHANNEL } from '../../src/tmux/options.js';
import { useSshHosts } from '../helpers/sshd.js';
import { useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();
const ssh = useSshHosts(['lwgpu1']);
const opened: ConnectedHost[] = [];
afterAll(() => {
  for (const h of opened) h.machine.tmux.abandon();
});

async function connect(): Promise<ConnectedHost> {
  const target = { name: 'lwgpu1', ssh: 'lwgpu1', stateDir: t.stateDir, connectTimeoutSec: 10, configFile: ssh.configFile };
  const h = await connectHost({ name: 'lwgpu1', ssh: 'lwgpu1', stateDir: '~/.local/state/tmuxctl' }, target, { socketName: t.socket }, process.env, 20_000);
  opened.push(h);
  return h;
}

const onHost = (cmd: string) => ssh.host('lwgpu1').run(`tmux -L ${t.socket} ${cmd}`);

/** Whether the pass's observation (lookAhead, then the snapshot call) shows session `name`. */
async function passSees(h: ConnectedHost, name: string): Promise<boolean> {
  await h.machine.lookAhead?.(SNAPSHOT_ARGS, []);
  const r = await h.machine.tmux.exec(SNAPSHOT_ARGS);
  return r.stdout.includes(name);
}

/** One wait as watch sends it, woken by a signal on the host once it is out; then `after` runs there. */
async function wakeThen(h: ConnectedHost, after: string): Promise<void> {
  const waiting = h.machine.tmux.exec(['wait-for', WAKE_CHANNEL], { timeoutMs: 20_000, timeoutIsExpected: true, signal: new AbortController().signal });
  await new Promise((r) => setTimeout(r, 500)); // the wait is out there
  expect((await onHost(`wait-for -S ${WAKE_CHANNEL}`)).code).toBe(0);
  const r = await waiting;
  expect(r.code).toBe(0);
  expect((await onHost(after)).code).toBe(0);
}

describe("a wake-up's look on a host", () => {
  it('stands for the pass’s look when nothing happened since its wait went out: a change after the wake-up is not in it', async () => {
    await onHost('new-session -d -s base sleep 600');
    const h = await connect();
    expect(await passSees(h, 'base')).toBe(true); // the pass before: its look is what the wake-up repeats
    await wakeThen(h, 'new-session -d -s after-wake sleep 600');
    // Taken at the wake-up, before the new session: the pass plans from it (no look of its own).
    expect(await passSees(h, 'after-wake')).toBe(false);
    // Given once: the next pass looks again.
    expect(await passSees(h, 'after-wake')).toBe(true);
  }, 60_000);

  it('is not used when a request of ours ran while the wait was out, nor when the lock changed hands', async () => {
    const h = await connect();
    expect(await passSees(h, 'base')).toBe(true);
    // A request of ours while the wait is out (a batch, a stamp): its effect may follow the look.
    const waiting = h.machine.tmux.exec(['wait-for', WAKE_CHANNEL], { timeoutMs: 20_000, timeoutIsExpected: true, signal: new AbortController().signal });
    await new Promise((r) => setTimeout(r, 500));
    await h.machine.tmux.exec(['display-message', '-p', 'x']);
    expect((await onHost(`wait-for -S ${WAKE_CHANNEL}`)).code).toBe(0);
    await waiting;
    await onHost('new-session -d -s seen-1 sleep 600');
    expect(await passSees(h, 'seen-1')).toBe(true);

    // The lock taken or let go after the wake-up: someone else may have acted under it.
    await wakeThen(h, 'new-session -d -s seen-2 sleep 600');
    h.lockChanged();
    expect(await passSees(h, 'seen-2')).toBe(true);
  }, 60_000);
});
