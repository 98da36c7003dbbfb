/**
 * One control-mode client against a real tmux on a private socket: answers matched to requests,
 * errors, and every way the connection can end (server killed, server stopped, no session).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ControlConnection, ControlLostError, ControlTimeoutError } from '../../../src/tmux/control/connection.js';
import { commandLine } from '../../../src/tmux/quote.js';
import { createTmuxServer, destroyTmuxServer, isProcessAlive, waitFor } from '../../helpers/tmux.js';

const t = createTmuxServer();
afterAll(() => destroyTmuxServer(t));
const open: ControlConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

async function connect(attachTo?: string, connectTimeoutMs = 5000): Promise<ControlConnection> {
  const c = await ControlConnection.open({ binary: 'tmux', server: { socketName: t.socket }, env: t.env, attachTo, connectTimeoutMs });
  open.push(c);
  return c;
}

function serverPid(): number {
  return Number(execFileSync('tmux', ['-L', t.socket, 'display-message', '-p', '#{pid}'], { env: t.env, encoding: 'utf8' }).trim());
}

describe('ControlConnection', () => {
  it('cannot attach where there is no server: ControlLostError, and onClose is not told (it never was up)', async () => {
    let told = false;
    const e = await ControlConnection.open({
      binary: 'tmux',
      server: { socketName: t.socket },
      env: t.env,
      connectTimeoutMs: 5000,
      onClose: () => (told = true),
    }).catch((x: unknown) => x);
    expect(told).toBe(false);
    expect(e).toBeInstanceOf(ControlLostError);
    expect(String((e as Error).message)).toMatch(/no server running|error connecting/);
  });

  it('answers each request with its own blocks, errors included, however many commands a line holds', async () => {
    await t.tmux('new-session', '-d', '-s', 'ctl-a', 'sleep 100000');
    const c = await connect('=ctl-a:');
    const [r1, r2] = await Promise.all([
      c.request([commandLine(['display-message', '-p', 'one']) + ' ; ' + commandLine(['display-message', '-p', 'two'])], 5000),
      c.request(
        [
          commandLine(['show-options', '-t', '=nosuch:', '@x']) + ' ; ' + commandLine(['display-message', '-p', 'skipped']),
          commandLine(['display-message', '-p', 'three']),
        ],
        5000,
      ),
    ]);
    expect(r1.map((b) => [b.ok, b.lines])).toEqual([
      [true, ['one']],
      [true, ['two']],
    ]);
    // The failed command ends its line only: `skipped` never runs, the next line does.
    expect(r2.map((b) => [b.ok, b.lines])).toEqual([
      [false, [expect.stringMatching(/session/)]],
      [true, ['three']],
    ]);
  });

  it('a server killed under it ends it: pending requests fail with ControlLostError, onClose is told', async () => {
    await t.tmux('new-session', '-d', '-s', 'ctl-b', 'sleep 100000');
    let closed: string | undefined;
    const c = await ControlConnection.open({
      binary: 'tmux',
      server: { socketName: t.socket },
      env: t.env,
      attachTo: '=ctl-b:',
      connectTimeoutMs: 5000,
      onClose: (why) => (closed = why),
    });
    open.push(c);
    const waiting = c.request([commandLine(['wait-for', 'ctl-never'])], Number.POSITIVE_INFINITY);
    const pid = serverPid();
    process.kill(pid, 'SIGKILL');
    await expect(waiting).rejects.toBeInstanceOf(ControlLostError);
    expect(closed).toBeDefined();
    await expect(c.request(['list-sessions'], 1000)).rejects.toBeInstanceOf(ControlLostError);
    await waitFor(() => !isProcessAlive(c.pid!), 5000, 'the control client to exit');
  });

  it('a stopped server: the request times out (ControlTimeoutError) and the client is killed, not left waiting', async () => {
    await t.tmux('new-session', '-d', '-s', 'ctl-c', 'sleep 100000');
    const c = await connect('=ctl-c:');
    const pid = serverPid();
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(c.request(['list-sessions'], 300)).rejects.toBeInstanceOf(ControlTimeoutError);
      await waitFor(() => !isProcessAlive(c.pid!), 5000, 'the control client to be killed');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('a wait-for on the connection resolves when the channel is signalled, and the connection goes on', async () => {
    await t.tmux('new-session', '-d', '-s', 'ctl-d', 'sleep 100000');
    const c = await connect('=ctl-d:');
    let woke = false;
    const waiting = c.request([commandLine(['wait-for', 'ctl-chan'])], Number.POSITIVE_INFINITY).then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(woke).toBe(false);
    await t.tmux('wait-for', '-S', 'ctl-chan');
    await waiting;
    const [b] = await c.request([commandLine(['display-message', '-p', 'after'])], 5000);
    expect(b!.lines).toEqual(['after']);
  });
});
