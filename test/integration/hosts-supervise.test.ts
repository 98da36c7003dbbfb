/**
 * Supervision of sessions on hosts reached with real OpenSSH (test/helpers/sshd.ts): health checks,
 * memory limits and orphans.match run and look on the host itself, never on this machine.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { useSshHosts } from '../helpers/sshd.js';
import { allCmdlines, isProcessAlive, killOwned, LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { startWatch } from '../helpers/watch.js';

const t = useTmuxServer();
const ssh = useSshHosts(['hs1', 'hs2']);

const TOKEN = Math.random().toString(36).slice(2, 8);
/** Local processes this file started; killed in teardown if still alive and still ours. */
const mine: number[] = [];
afterAll(() => killOwned(mine, TOKEN));

function hostsDoc(sessions: Record<string, Record<string, unknown>>): object {
  return { version: 1, hosts: { hs1: { ssh: 'hs1' }, hs2: { ssh: 'hs2' } }, sessions };
}
const env = () => ({ TMUXCTL_SSH_CONFIG: ssh.configFile });

/** The live pane pid of a session on a host's tmux server (the test's socket), or undefined. */
async function pidOn(host: string, session: string): Promise<number | undefined> {
  const r = await ssh.host(host).run(`tmux -L ${t.socket} list-panes -t '=${session}' -F '#{pane_dead} #{pane_pid}'`);
  if (r.code !== 0) return undefined;
  const [dead, pid] = r.stdout.trim().split(' ');
  return dead === '0' ? Number(pid) : undefined;
}

/** Resolves with the session's pane pid on the host once it differs from `before`. */
function restartedOn(host: string, session: string, before: number, timeoutMs: number): Promise<number> {
  return waitFor(
    async () => {
      const now = await pidOn(host, session);
      return now !== undefined && now !== before ? now : undefined;
    },
    timeoutMs,
    `${session} restarted on ${host}`,
    200,
  );
}

/** The processes of a host's user whose command line contains `text`. */
function onHostMatching(host: string, text: string): number[] {
  return ssh
    .host(host)
    .cmdlinesOfUser()
    .filter((p) => p.argv.join(' ').includes(text))
    .map((p) => p.pid);
}

describe('watch supervises sessions on a host, on the host', () => {
  it('a failing health check runs there (its env on stdin only) and restarts the pane there; a check that hangs or leaves a child behind leaves nothing on the host; memoryLimitMB restarts there', async () => {
    const secret = `hs-secret-${TOKEN}`;
    const file = t.writeSpec(
      'watch/app.yaml',
      hostsDoc({
        // Proves where it ran (the host user's uid, in the host user's home) and that the env arrived.
        'hs-check': quickSession(LONG_RUNNING, {
          host: 'hs1',
          env: { HS_SECRET: secret },
          healthCheck: {
            command: ['sh', '-c', 'id -u > "$HOME/hs-ran"; printf %s "$HS_SECRET" > "$HOME/hs-seen"; sleep 1; exit 1'],
            intervalSeconds: 1,
            timeoutSeconds: 10,
            failureThreshold: 1,
          },
        }),
        'hs-hang': quickSession(LONG_RUNNING, {
          host: 'hs1',
          healthCheck: { command: ['sh', '-c', 'sleep 100031 & sleep 100032'], intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 1000 },
        }),
        'hs-leave': quickSession(LONG_RUNNING, {
          host: 'hs1',
          healthCheck: { command: ['sh', '-c', 'sleep 100033 & exit 0'], intervalSeconds: 2, timeoutSeconds: 5, failureThreshold: 1000 },
        }),
        // ~60 MB held by tail (a line with no end), over a 30 MB limit.
        'hs-mem': quickSession(['sh', '-c', '{ head -c 60000000 /dev/zero; sleep 100000; } | tail -n 1'], { host: 'hs1', memoryLimitMB: 30 }),
      }),
    );
    const w = await startWatch(t, { args: ['-f', file, '--resync', '5'], env: env() });
    const checkPid = await waitFor(() => pidOn('hs1', 'hs-check'), 30_000, 'hs-check started on hs1', 200);
    const memPid = await waitFor(() => pidOn('hs1', 'hs-mem'), 30_000, 'hs-mem started on hs1', 200);

    // Every argv of the host user's processes and of this machine's, while checks run: no secret.
    const argvs = new Set<string>();
    const sample = setInterval(() => {
      for (const p of [...ssh.host('hs1').cmdlinesOfUser(), ...allCmdlines()]) argvs.add(p.argv.join(' '));
    }, 50);
    try {
      await restartedOn('hs1', 'hs-check', checkPid, 40_000);
    } finally {
      clearInterval(sample);
    }
    expect(w.stderr()).toMatch(/hs1\/hs-check.*health check failed/);
    expect((await ssh.host('hs1').run('cat "$HOME/hs-ran"')).stdout.trim()).toBe(String(ssh.host('hs1').uid));
    expect((await ssh.host('hs1').run('cat "$HOME/hs-seen"')).stdout).toBe(secret);
    expect(argvs.size).toBeGreaterThan(0);
    expect([...argvs].filter((a) => a.includes(secret))).toEqual([]);

    await restartedOn('hs1', 'hs-mem', memPid, 60_000);
    expect(w.stderr()).toMatch(/hs1\/hs-mem.*memory \d+ MB over the limit of 30 MB/);

    await waitFor(() => /hs1\/hs-hang.*timed out after 1s/.test(w.stderr()), 30_000, 'the hanging check timed out');
    // The verdict watch stamps on the pane, there.
    const healthOf = async (session: string) =>
      (await ssh.host('hs1').run(`tmux -L ${t.socket} list-panes -t '=${session}' -F '#{@tmuxctl-pane-health}'`)).stdout.trim();
    await waitFor(async () => (await healthOf('hs-leave')) === 'healthy', 20_000, 'hs-leave healthy', 200);
    await w.stop();
    // The host's own timeout ends a check under way; what a check left behind went with its group.
    await waitFor(() => ['sleep 100031', 'sleep 100032', 'sleep 100033'].every((s) => onHostMatching('hs1', s).length === 0), 8000, 'no check left on hs1');
  }, 180_000);
});

describe('apply on a host: orphans and dependsOn healthy', () => {
  it("stops an orphan in the host's process table only, and waits for a health check that passes only on the host", async () => {
    const PATTERN = `hs_orph_${TOKEN}`;
    // The same command line: on hs1 (the orphan), on hs2 (another host's), and here as root.
    const leave = `setsid sh -c 'sleep 100041; :' ${PATTERN} </dev/null >/dev/null 2>&1 &`;
    for (const h of ['hs1', 'hs2']) expect((await ssh.host(h).run(leave)).code).toBe(0);
    const here = spawn('sh', ['-c', 'sleep 100041; :', PATTERN], { detached: true, stdio: 'ignore' });
    mine.push(here.pid!);
    here.unref();
    await waitFor(() => ['hs1', 'hs2'].every((h) => onHostMatching(h, PATTERN).length === 1), 5000, 'one copy on each host');
    const [orphan] = onHostMatching('hs1', PATTERN);
    const uid = ssh.host('hs1').uid;

    const file = t.writeSpec(
      'apply/app.yaml',
      hostsDoc({
        'hs-mon': quickSession(LONG_RUNNING, { host: 'hs1', orphans: { match: PATTERN } }),
        'hs-db': quickSession(LONG_RUNNING, {
          host: 'hs1',
          healthCheck: { command: ['sh', '-c', `test "$(id -u)" = ${uid}`], intervalSeconds: 0.5, timeoutSeconds: 5, failureThreshold: 3 },
        }),
        'hs-app': quickSession(LONG_RUNNING, { host: 'hs1', dependsOn: { 'hs-db': 'healthy' } }),
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '30'], { env: env(), timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`- kill-orphan hs1/hs-mon (pid ${orphan}: sh -c sleep 100041; : ${PATTERN})`);
    expect(r.stdout.match(/kill-orphan/g)).toHaveLength(1);
    await waitFor(() => onHostMatching('hs1', PATTERN).length === 0, 5000, 'the orphan on hs1 stopped');
    expect(onHostMatching('hs2', PATTERN)).toHaveLength(1);
    expect(isProcessAlive(here.pid!)).toBe(true);
    expect(await pidOn('hs1', 'hs-app')).toBeDefined();
  }, 120_000);
});
