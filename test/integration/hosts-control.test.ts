/**
 * watch's control client on a host (TmuxLauncher.control in host/ssh-machine.ts): `tmux -C` over
 * the host's ssh connection, beside the kept shell whose log writes are posted without an answer.
 * Real sshd "host" (test/helpers/sshd.ts), the machine and ControlTmux as watch makes them.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type ConnectedHost, connectHost } from '../../src/host/ssh-machine.js';
import { sessionLogFile } from '../../src/session-log/files.js';
import type { TmuxClient } from '../../src/tmux/client.js';
import { ControlTmux } from '../../src/tmux/control/control-tmux.js';
import { commandLine } from '../../src/tmux/quote.js';
import { useSshHosts } from '../helpers/sshd.js';
import { useTmuxServer, waitFor } from '../helpers/tmux.js';
import { shQuote } from '../helpers/watch.js';

const t = useTmuxServer();
const ssh = useSshHosts(['ccgpu1']);
const opened: { host: ConnectedHost; control: ControlTmux }[] = [];
afterAll(() => {
  for (const { host, control } of opened) {
    control.close();
    host.machine.tmux.abandon();
  }
});

const onHost = (cmd: string) => ssh.host('ccgpu1').run(`tmux -L ${t.socket} ${cmd}`);

async function connect(): Promise<{ host: ConnectedHost; control: ControlTmux }> {
  const target = { name: 'ccgpu1', ssh: 'ccgpu1', stateDir: t.stateDir, connectTimeoutSec: 10, configFile: ssh.configFile };
  const host = await connectHost({ name: 'ccgpu1', ssh: 'ccgpu1', stateDir: '~/.local/state/tmuxctl' }, target, { socketName: t.socket }, process.env, 20_000);
  const control = new ControlTmux(host.machine.tmux as TmuxClient, { attachTo: () => '=base' });
  opened.push({ host, control });
  return { host, control };
}

describe("a host's control client", () => {
  it('a batch right behind a posted log write goes behind it, through the kept shell: no pane starts ahead of a marker posted before it; later batches ride the control client', async () => {
    await onHost('new-session -d -s base sleep 600');
    const { host, control } = await connect();
    const onControl = vi.spyOn((host.machine.tmux as TmuxClient).launcher!.control!, 'request');
    expect((await control.exec(['display-message', '-p', 'up'])).stdout).toBe('up\n');
    expect(control.connected).toBe(true);
    expect(onControl).toHaveBeenCalledTimes(1);

    // The marker's log is a FIFO there: its write blocks until something reads it.
    const log = sessionLogFile(host.logDir, 'slow');
    expect((await ssh.host('ccgpu1').run(`mkdir -p ${shQuote(host.logDir)} && mkfifo ${shQuote(log)}`)).code).toBe(0);
    await host.machine.files.appendMarkers(host.logDir, [{ session: 'slow', text: 'restarted: test' }], Date.now());
    const batch = control.runScript([commandLine(['set-option', '-g', '@cc-after-marker', '1'])]);

    await new Promise((r) => setTimeout(r, 700));
    // Still held: the marker has not been written yet.
    expect((await onHost('show-options -gqv @cc-after-marker')).stdout.trim()).toBe('');
    const read = await ssh.host('ccgpu1').run(`cat ${shQuote(log)}`);
    expect(read.stdout).toMatch(/\] restarted: test\n$/);
    expect(await batch).toEqual([]);
    expect((await onHost('show-options -gqv @cc-after-marker')).stdout.trim()).toBe('1');
    expect(onControl).toHaveBeenCalledTimes(1);
    expect(control.connected).toBe(true);

    // Its answer says the marker is written: the next batch goes on the control client.
    expect(await control.runScript([commandLine(['set-option', '-g', '@cc-next', '1'])])).toEqual([]);
    expect(onControl).toHaveBeenCalledTimes(2);
    expect((await onHost('show-options -gqv @cc-next')).stdout.trim()).toBe('1');
  }, 60_000);

  it('a request given up on while the host still answers it leaves no control client there: the client is ended on the host, not only its ssh here', async () => {
    await onHost('new-session -d -s base sleep 600').catch(() => undefined);
    const controlClients = async () => (await onHost("list-clients -F '#{client_control_mode}'")).stdout.split('\n').filter((l) => l === '1').length;
    for (const o of opened) o.control.close(); // the test before's
    await waitFor(async () => (await controlClients()) === 0, 10_000, 'no control client on the host yet');
    const { control } = await connect();
    expect((await control.exec(['display-message', '-p', 'up'])).stdout).toBe('up\n');
    expect(await controlClients()).toBe(1);
    // An answer of some 2 MB, given up on after 300 ms: the ssh here is killed while the host still
    // has most of it to write.
    await expect(control.exec(['run-shell', 'seq 1 300000'], { timeoutMs: 300 })).rejects.toThrow(/no answer/);
    expect(control.connected).toBe(false);
    control.close();
    await waitFor(async () => (await controlClients()) === 0, 15_000, 'no control client left on the host');
    const left = () =>
      ssh
        .host('ccgpu1')
        .cmdlinesOfUser()
        .filter((p) => p.argv.includes('-C') && p.argv.includes('attach-session'));
    await waitFor(() => left().length === 0, 10_000, 'nothing of the control client left there');
  }, 60_000);

  it('an attach tmux refuses there (no such session) fails at once, not at the connect timeout', async () => {
    const { host } = await connect();
    const refused = new ControlTmux(host.machine.tmux as TmuxClient, { attachTo: () => '=no-such-session' });
    opened.push({ host, control: refused });
    const started = Date.now();
    expect((await refused.exec(['display-message', '-p', 'spawned'])).stdout).toBe('spawned\n');
    expect(refused.connected).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 60_000);
});
