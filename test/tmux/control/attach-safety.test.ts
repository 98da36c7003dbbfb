/**
 * Control clients must never crash the tmux server (attach-gate.ts): tmux 3.3a to 3.6b segfault when
 * a control client dies half-way through its hello (control_stop), or when a notification not tied
 * to a session (%sessions-changed, %client-detached, ...) goes out while one is half-way through it
 * (control_write). Both tests crash this file's own private server within a few dozen attaches on
 * the paths they guard against.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmuxClient } from '../../../src/tmux/client.js';
import { ControlConnection } from '../../../src/tmux/control/connection.js';
import { ControlTmux } from '../../../src/tmux/control/control-tmux.js';
import { commandLine } from '../../../src/tmux/quote.js';
import { createTmuxServer, destroyTmuxServer, isProcessAlive, waitFor } from '../../helpers/tmux.js';

const t = createTmuxServer();
let serverPid = 0;

beforeAll(async () => {
  await t.tmux('new-session', '-d', '-s', 'as-base', 'sleep 100000');
  serverPid = Number((await t.tmux('display-message', '-p', '#{pid}')).trim());
});
afterAll(() => destroyTmuxServer(t));

/** This process's control client of this file's server once tmux's client runs (setpriv has exec'd it) and sleeps. */
function attachingClient(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [comm, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
      if (comm !== 'tmux: client' || rest[0] !== 'S' || Number(rest[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(t.socket)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function open(): Promise<ControlConnection> {
  return ControlConnection.open({ binary: 'tmux', server: { socketName: t.socket }, env: t.env, attachTo: '=as-base', connectTimeoutMs: 10_000 });
}

describe('control clients and the tmux server', () => {
  it('clients ended while they attach (watch stopping, abandoning a pass) never crash it: 300 attaches cut short at every point', async () => {
    for (let i = 0; i < 300; i++) {
      const attaching = open().catch(() => undefined);
      // Cut at a different point of the client's start each time, finer than a timer can: 0 to 8 ms.
      const cutAt = performance.now() + ((i * 0.618) % 1) * 8;
      while (performance.now() < cutAt) await new Promise((r) => setImmediate(r));
      ControlConnection.killAll();
      (await attaching)?.close();
      expect(isProcessAlive(serverPid), `tmux server crashed after ${i + 1} clients were ended while attaching`).toBe(true);
    }
    expect(await t.tmux('display-message', '-p', '#{pid}')).toBe(`${serverPid}\n`);
  }, 120_000);

  it('a client tmux has not answered is not signalled (its input closed, tmux ends it): on a stopped server it waits to be read', async () => {
    process.kill(serverPid, 'SIGSTOP');
    let pid: number | undefined;
    try {
      const attaching = open().catch(() => undefined);
      // Its hello written, it sleeps waiting for the stopped server: tmux's own process, asleep.
      pid = await waitFor(() => attachingClient(), 10_000, 'the control client waiting for the stopped server');
      ControlConnection.killAll();
      await new Promise((r) => setTimeout(r, 200));
      // SIGKILLed (or SIGTERMed: tmux's client exits at once before it is attached), it would be gone
      // already; SIGKILL comes only after HELLO_GRACE_MS (2 s).
      expect(isProcessAlive(pid)).toBe(true);
      process.kill(serverPid, 'SIGCONT');
      await attaching;
    } finally {
      process.kill(serverPid, 'SIGCONT');
    }
    await waitFor(() => !isProcessAlive(pid!), 10_000, 'the client to leave once the server reads it');
    expect(isProcessAlive(serverPid)).toBe(true);
  });

  it("a client attaching while this process's other connection creates, splits and kills sessions never crashes it", async () => {
    const busy = new ControlTmux(new TmuxClient({ socketName: t.socket }, t.env), { attachTo: () => '=as-base' });
    let stop = false;
    let batches = 0;
    // What watch's passes do over the command connection while the waker (re)attaches.
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        await busy.runScript([
          commandLine(['new-session', '-d', '-s', `as-churn-${i}`, 'sleep 1000']),
          commandLine(['split-window', '-d', '-t', `=as-churn-${i}:`, 'sleep 1000']),
          commandLine(['kill-session', '-t', `=as-churn-${i}`]),
        ]);
        batches++;
      }
    })().catch((e: unknown) => e);
    try {
      for (let i = 0; i < 60 && isProcessAlive(serverPid); i++) (await open()).close();
    } finally {
      stop = true;
      await churn;
      busy.close();
    }
    expect(isProcessAlive(serverPid), 'tmux server crashed while a control client attached').toBe(true);
    expect(batches).toBeGreaterThan(0);
    expect(await t.tmux('display-message', '-p', '#{pid}')).toBe(`${serverPid}\n`);
  }, 120_000);
});
