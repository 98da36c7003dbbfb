/**
 * `watch` over hosts reached with real OpenSSH (test/helpers/sshd.ts): crash repair on a host, and
 * a host that goes away and comes back.
 */
import { describe, expect, it } from 'vitest';
import { hostsDocFor, hostsHarness } from '../helpers/hosts.js';
import { useSshHosts } from '../helpers/sshd.js';
import { LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { startWatch } from '../helpers/watch.js';

const t = useTmuxServer();
const ssh = useSshHosts(['wgpu1', 'wgpu2']);

const hostsDoc = hostsDocFor(['wgpu1', 'wgpu2']);
const { pidOn } = hostsHarness(t, ssh);

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
    const second = await waitFor(
      async () => {
        const now = await pidOn('wgpu1', 'hw-a');
        return now !== undefined && now !== first ? now : undefined;
      },
      20_000,
      'hw-a repaired on wgpu1',
    );
    expect(ssh.host('wgpu1').pidsOfUser()).not.toContain(first);

    await ssh.host('wgpu2').startSshd();
    await waitFor(() => pidOn('wgpu2', 'hw-b'), 40_000, 'hw-b started once wgpu2 is back');

    // wgpu1's sshd restarts (every connection dropped) while its pane is killed: repaired once it answers.
    await ssh.host('wgpu1').stopSshd();
    process.kill(second, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    await ssh.host('wgpu1').startSshd();
    await waitFor(
      async () => {
        const now = await pidOn('wgpu1', 'hw-a');
        return now !== undefined && now !== second ? now : undefined;
      },
      40_000,
      'hw-a repaired after wgpu1 came back',
    );
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
