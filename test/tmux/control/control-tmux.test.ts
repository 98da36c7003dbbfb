/**
 * ControlTmux, the Tmux of watch, against a real tmux: the same answers as a spawned client, tmux's
 * errors passed on without ending the connection, and the spawned fallback whenever it is down.
 */
import { localMachine } from '../../../src/host/local-procs.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { observe } from '../../../src/observe/snapshot.js';
import { TmuxClient, type TmuxLauncher, type TmuxResult } from '../../../src/tmux/client.js';
import { ControlTmux } from '../../../src/tmux/control/control-tmux.js';
import { commandLine } from '../../../src/tmux/quote.js';
import { createTmuxServer, destroyTmuxServer, isProcessAlive, waitFor } from '../../helpers/tmux.js';

const t = createTmuxServer();
const spawned = new TmuxClient({ socketName: t.socket }, t.env);
let target: string | undefined;
let control: ControlTmux;

beforeAll(async () => {
  await t.tmux('new-session', '-d', '-s', 'ct-a', 'sleep 100000');
  target = (await t.tmux('display-message', '-p', '-t', '=ct-a:', '#{session_id}')).trim();
});
afterAll(() => destroyTmuxServer(t));
afterEach(() => control?.close());

function make(firstRetryMs = 50): ControlTmux {
  control = new ControlTmux(spawned, { attachTo: () => target, firstRetryMs, maxRetryMs: 200 });
  return control;
}

describe('ControlTmux', () => {
  it('answers as a spawned client does, for commands that work and commands that fail', async () => {
    const c = make();
    const calls = [
      ['display-message', '-p', 'hello'],
      ['list-sessions', '-F', '#{session_name}', ';', 'display-message', '-p', 'two'],
      ['show-options', '-t', '=nosuch:', '@x'],
    ];
    for (const args of calls) {
      const viaControl = await c.exec(args);
      const viaSpawn = await spawned.exec(args);
      expect(c.connected).toBe(true);
      expect({ ...viaControl, stderr: viaControl.stderr.trim() }).toEqual({ ...viaSpawn, stderr: viaSpawn.stderr.trim() });
    }
  });

  it('a batch in which tmux answers an error: the error lines come back, the rest of the batch is applied, the connection goes on', async () => {
    const c = make();
    await c.exec(['display-message', '-p', 'x']); // connects
    const pid = c.clientPid;
    const errors = await c.runScript([
      commandLine(['set-option', '-t', '=ct-a:', '@ct-one', '1']),
      `${commandLine(['kill-pane', '-t', '%999999'])} ; ${commandLine(['set-option', '-t', '=ct-a:', '@ct-skipped', '1'])}`,
      commandLine(['set-option', '-t', '=ct-a:', '@ct-two', '2']),
    ]);
    expect(errors).toEqual([expect.stringMatching(/can't find pane/)]);
    const opts = await t.tmux('show-options', '-t', '=ct-a:');
    expect(opts).toContain('@ct-one 1');
    expect(opts).toContain('@ct-two 2');
    expect(opts).not.toContain('@ct-skipped'); // tmux skips the rest of a failed line, as source-file does
    expect(c.clientPid).toBe(pid);
    expect(await c.run(['display-message', '-p', 'still'])).toBe('still\n');
  });

  it('its control client killed: the call is answered by a spawned client, and a later call connects again', async () => {
    const c = make();
    await c.exec(['display-message', '-p', 'x']);
    const pid = c.clientPid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(pid), 5000, 'the control client gone');
    expect((await c.exec(['display-message', '-p', 'answered'])).stdout).toBe('answered\n');
    await waitFor(
      async () => {
        await c.exec(['display-message', '-p', 'x']);
        return c.connected && c.clientPid !== pid;
      },
      5000,
      'a new control client',
    );
  });

  it('with no session to attach to, every call goes to a spawned client', async () => {
    const c = new ControlTmux(spawned, { attachTo: () => undefined });
    control = c;
    expect((await c.exec(['display-message', '-p', 'y'])).stdout).toBe('y\n');
    expect(c.connected).toBe(false);
  });

  it('observes the same state as a spawned client, and its own client does not count as attached', async () => {
    const c = make();
    await c.exec(['display-message', '-p', 'x']);
    const a = await observe(localMachine(c), 1);
    const b = await observe(localMachine(spawned), 1);
    expect(a).toEqual(b);
    expect(a.sessions.get('ct-a')?.attached).toBe(0);
    // tmux itself counts it.
    expect((await t.tmux('display-message', '-p', '-t', '=ct-a:', '#{session_attached}')).trim()).toBe('1');
  });
});

describe('ControlTmux over a transport (a host reached over ssh: TmuxLauncher)', () => {
  /** A transport to this machine's tmux, as a host's is to its own: counts what goes through it. */
  function transport(withControl: boolean, answers = new Map<string, TmuxResult>()) {
    const seen = { requests: 0, controlStarts: 0, ready: true };
    const launcher: TmuxLauncher = {
      command: (argv) => ({ file: 'tmux', args: [...argv] }),
      settle: (r) => r,
      session: (call) => call(),
      answered: (args) => answers.get(JSON.stringify(args)),
      where: 'fake: ',
      ...(withControl && {
        control: {
          connect: async () => {},
          command: (argv: readonly string[]) => {
            seen.controlStarts++;
            return { file: 'env', args: [`TMUX_TMPDIR=${t.env.TMUX_TMPDIR}`, 'tmux', ...argv] };
          },
          ready: () => seen.ready,
          async request<T>(send: () => Promise<T>): Promise<T> {
            seen.requests++;
            return send();
          },
        },
      }),
    };
    return { client: new TmuxClient({ socketName: t.socket }, t.env, 'tmux', launcher), seen };
  }

  it("starts its client through the transport's control command, and tells the transport of every request on it", async () => {
    const { client, seen } = transport(true);
    control = new ControlTmux(client, { attachTo: () => target });
    expect((await control.exec(['display-message', '-p', 'over'])).stdout).toBe('over\n');
    expect(control.connected).toBe(true);
    expect(seen.controlStarts).toBe(1);
    expect(seen.requests).toBe(1);
    expect(await control.runScript([commandLine(['set-option', '-t', '=ct-a:', '@ct-over', '1'])])).toEqual([]);
    expect(seen.requests).toBe(2);
    expect(await t.tmux('show-options', '-t', '=ct-a:', '@ct-over')).toContain('@ct-over 1');
  });

  it('an answer the transport fetched ahead answers its call: nothing is sent', async () => {
    const ahead: TmuxResult = { stdout: 'fetched ahead\n', stderr: '', code: 0 };
    const { client, seen } = transport(true, new Map([[JSON.stringify(['list-panes', '-a']), ahead]]));
    control = new ControlTmux(client, { attachTo: () => target });
    await control.exec(['display-message', '-p', 'x']); // connects
    expect(await control.exec(['list-panes', '-a'])).toEqual(ahead);
    expect(seen.requests).toBe(1);
  });

  it("while the transport is not ready (a host's log writes under way), calls and batches take its own path, and the connection again once it is", async () => {
    const { client, seen } = transport(true);
    control = new ControlTmux(client, { attachTo: () => target });
    await control.exec(['display-message', '-p', 'x']); // connects
    expect(seen.requests).toBe(1);
    seen.ready = false;
    expect((await control.exec(['display-message', '-p', 'own path'])).stdout).toBe('own path\n');
    expect(await control.runScript([commandLine(['set-option', '-t', '=ct-a:', '@ct-own-path', '1'])])).toEqual([]);
    expect(await t.tmux('show-options', '-t', '=ct-a:', '@ct-own-path')).toContain('@ct-own-path 1');
    expect(seen.requests).toBe(1);
    expect(control.connected).toBe(true);
    seen.ready = true;
    await control.exec(['display-message', '-p', 'y']);
    expect(seen.requests).toBe(2);
  });

  it('a transport that cannot carry a control client: every call goes to a spawned client', async () => {
    const { client, seen } = transport(false);
    control = new ControlTmux(client, { attachTo: () => target });
    expect((await control.exec(['display-message', '-p', 'spawned'])).stdout).toBe('spawned\n');
    expect(control.connected).toBe(false);
    expect(seen.requests).toBe(0);
  });
});
