/**
 * Notifications for sessions on hosts reached with real OpenSSH (test/helpers/sshd.ts): a death on
 * a host is told as one on this machine is, its target naming the host, its last lines read from
 * the host's own log over the connection. The webhook is a fake HTTP server on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { type FakeHttp, startFakeHttp } from '../helpers/fake-http.js';
import { useSshHosts } from '../helpers/sshd.js';
import { quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();
const ssh = useSshHosts(['ngpu1', 'ngpu2']);

/** The live pane pid of a session on a host's tmux server (the test's socket), or undefined. */
async function pidOn(host: string, session: string): Promise<number | undefined> {
  const r = await ssh.host(host).run(`tmux -L ${t.socket} list-panes -t '=${session}' -F '#{pane_dead} #{pane_pid}'`);
  if (r.code !== 0) return undefined;
  const [dead, pid] = r.stdout.trim().split(' ');
  return dead === '0' ? Number(pid) : undefined;
}

const hookBodies = (fake: FakeHttp) => fake.requests.filter((r) => r.path.startsWith('/hook')).map((r) => r.body);

describe('notifications for sessions on hosts', () => {
  it('a kill -9 on a host under watch: one webhook message naming host/session, with the last lines of that host', async () => {
    const fake = await startFakeHttp();
    // Each host is its own user: the output says which one printed it, so the lines prove whose log was read.
    const command = 'i=1; while [ $i -le 3 ]; do echo "agent line $i of $(id -un)"; i=$((i+1)); done; exec sleep 100000';
    const file = t.writeSpec('n/app.yaml', {
      version: 1,
      hosts: { ngpu1: { ssh: 'ngpu1' }, ngpu2: { ssh: 'ngpu2' } },
      // A death within startSeconds of the start is `start-failed`: one kill is news.
      notify: [{ webhook: { url: `${fake.base}/hook` }, on: ['start-failed'] }],
      sessions: { 'hn-agent': quickSession(command, { hosts: ['ngpu1', 'ngpu2'], startSeconds: 600 }) },
    });
    await startWatch(t, { args: ['-f', file, '--resync', '2'], env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    const first = await waitFor(() => pidOn('ngpu1', 'hn-agent'), 20_000, 'hn-agent started on ngpu1');
    await waitFor(() => pidOn('ngpu2', 'hn-agent'), 20_000, 'hn-agent started on ngpu2');
    const user1 = ssh.host('ngpu1').user;
    // Its output is in the host's log (written there by pipe-pane) before it is killed.
    await waitFor(
      async () => (await ssh.host('ngpu1').run(`grep -rl 'agent line 3 of ${user1}' .local/state 2>/dev/null; true`)).stdout.trim() !== '',
      10_000,
      'the output in ngpu1 log',
    );

    process.kill(first, 'SIGKILL'); // a process of the test's own throw-away user
    await waitFor(() => hookBodies(fake).length >= 1, 20_000, 'a webhook message');
    await waitFor(
      async () => {
        const now = await pidOn('ngpu1', 'hn-agent');
        return now !== undefined && now !== first;
      },
      20_000,
      'hn-agent repaired on ngpu1',
    );
    // Sent and recorded: nothing more comes for this one death, nor for the copy on ngpu2.
    await waitFor(() => eventsOf(t, 'notify-sent', 'ngpu1/hn-agent').length >= 1, 10_000, 'notify-sent recorded');
    expect(hookBodies(fake)).toHaveLength(1);
    const [body] = hookBodies(fake);
    expect(body).toMatchObject({
      event: 'start-failed',
      target: 'ngpu1/hn-agent',
      host: 'ngpu1',
      reason: expect.stringContaining('killed by signal 9'),
    });
    expect(body!.lines).toEqual(expect.arrayContaining([`agent line 1 of ${user1}`, `agent line 3 of ${user1}`]));
    expect(body!.lines).not.toEqual(expect.arrayContaining([expect.stringContaining(ssh.host('ngpu2').user)]));
    expect(String(body!.text)).toContain('tmuxctl: start-failed ngpu1/hn-agent on ngpu1');
  }, 120_000);

  it("apply's failed start on a host is told with the host's name and its last lines, and its events name the host", async () => {
    const fake = await startFakeHttp();
    // It waits to see its line on its own screen before failing: tmux may drop what a process prints as it exits.
    const command = 'echo "boom on $(id -un)"; until tmux capture-pane -p -t "$TMUX_PANE" | grep -q boom; do sleep 0.05; done; exit 3'; // (exitOnceShown, with the user's name)
    const file = t.writeSpec('n/apply.yaml', {
      version: 1,
      hosts: { ngpu1: { ssh: 'ngpu1' } },
      notify: [{ webhook: { url: `${fake.base}/hook` }, on: ['start-failed'] }],
      sessions: { 'ap-fail': quickSession(command, { host: 'ngpu1', startSeconds: 2, restart: 'never' }) },
    });
    const r = await t.tmuxctl(['apply', '-f', file, '--host', 'ngpu1'], { env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(hookBodies(fake)).toHaveLength(1);
    const user1 = ssh.host('ngpu1').user;
    expect(hookBodies(fake)[0]).toMatchObject({
      event: 'start-failed',
      target: 'ngpu1/ap-fail',
      host: 'ngpu1',
      lines: expect.arrayContaining([`boom on ${user1}`]),
    });
    expect(eventsOf(t, 'start-failed', 'ngpu1/ap-fail')).toEqual([expect.objectContaining({ host: 'ngpu1' })]);
    expect(eventsOf(t, 'notify-sent', 'ngpu1/ap-fail')).toHaveLength(1);
    await t.tmuxctl(['delete', '-f', file, '--host', 'ngpu1'], { env: { TMUXCTL_SSH_CONFIG: ssh.configFile } });
  }, 60_000);
});
