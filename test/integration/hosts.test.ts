/**
 * Sessions on several hosts from one folder of specs, over real OpenSSH: each host is a throw-away
 * account with its own sshd on 127.0.0.1 (test/helpers/sshd.ts), its own tmux server and processes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostsDocFor, hostsHarness } from '../helpers/hosts.js';
import { useSshHosts } from '../helpers/sshd.js';
import { LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const ssh = useSshHosts(['gpu1', 'gpu2']);

const hostsDoc = hostsDocFor(['gpu1', 'gpu2']);
const { tmuxctl, panesOn } = hostsHarness(t, ssh);

describe('apply across hosts', () => {
  it('starts each session on its host, one copy on each of hosts:, and this machine keeps its own', async () => {
    const file = t.writeSpec(
      'across/app.yaml',
      hostsDoc({
        'ag-a': quickSession(LONG_RUNNING, { host: 'gpu1' }),
        'ag-mon': quickSession(LONG_RUNNING, { hosts: ['gpu1', 'gpu2'] }),
        'ag-here': quickSession(LONG_RUNNING),
      }),
    );
    const r = await tmuxctl(['apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        '+ create ag-here (not found)',
        '+ create gpu1/ag-a (not found)',
        '+ create gpu1/ag-mon (not found)',
        '+ create gpu2/ag-mon (not found)',
      ]),
    );
    expect([...(await panesOn('gpu1')).keys()].sort()).toEqual(['ag-a', 'ag-mon']);
    expect([...(await panesOn('gpu2')).keys()]).toEqual(['ag-mon']);
    expect((await t.panes()).map((p) => p.session)).toContain('ag-here');
    expect((await t.panes()).map((p) => p.session)).not.toContain('ag-a');

    // A no-op over every host: nothing changes anywhere.
    const again = await tmuxctl(['apply', '-f', file]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('in sync: 4 sessions, nothing to do\n');

    // diff and status see every host.
    expect((await tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    const st = await tmuxctl(['status', '-f', file, '-o', 'json']);
    expect(st.exitCode).toBe(0);
    const rows = (JSON.parse(st.stdout).sessions as { host: string; session: string; state: string; pid: number }[]).map((s) => [s.host, s.session, s.state]);
    expect(rows.sort()).toEqual(
      [
        ['gpu1', 'ag-a', 'running'],
        ['gpu1', 'ag-mon', 'running'],
        ['gpu2', 'ag-mon', 'running'],
        ['local', 'ag-here', 'running'],
      ].sort(),
    );
    const text = await tmuxctl(['status', '-f', file]);
    expect(text.stdout.split('\n')[0]).toMatch(/^HOST\s+NAME\s+STATE/);
    // One host by name, and one target written host/session.
    const one = await tmuxctl(['status', '-f', file, 'gpu2/ag-mon', '-o', 'json']);
    expect((JSON.parse(one.stdout).sessions as { host: string }[]).map((s) => s.host)).toEqual(['gpu2']);

    // A change restarts on its host only.
    const before = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2') };
    t.writeSpec(
      'across/app.yaml',
      hostsDoc({
        'ag-a': quickSession(['sleep', '100001'], { host: 'gpu1' }),
        'ag-mon': quickSession(LONG_RUNNING, { hosts: ['gpu1', 'gpu2'] }),
        'ag-here': quickSession(LONG_RUNNING),
      }),
    );
    const change = await tmuxctl(['apply', '-f', file]);
    expect(change.exitCode).toBe(0);
    expect(change.stdout).toMatch(/^~ restart gpu1\/ag-a \(/m);
    expect(change.stdout.match(/^~ restart /gm)).toHaveLength(1);
    const after = { gpu1: await panesOn('gpu1'), gpu2: await panesOn('gpu2') };
    expect(after.gpu1.get('ag-a')).not.toBe(before.gpu1.get('ag-a'));
    expect(after.gpu1.get('ag-mon')).toBe(before.gpu1.get('ag-mon'));
    expect(after.gpu2.get('ag-mon')).toBe(before.gpu2.get('ag-mon'));
    // The old process is gone from the host (its tree was stopped there, through the host's process table).
    const old = before.gpu1.get('ag-a')!;
    expect(ssh.host('gpu1').pidsOfUser()).not.toContain(old);

    // delete on one host by target; the copy on the other host stays.
    const del = await tmuxctl(['delete', '-f', file, 'gpu1/ag-mon']);
    expect(del.exitCode).toBe(0);
    expect(del.stdout).toContain('gpu1/ag-mon');
    expect([...(await panesOn('gpu1')).keys()]).toEqual(['ag-a']);
    expect([...(await panesOn('gpu2')).keys()]).toEqual(['ag-mon']);
  });

  it('a host whose sshd is down is reported, its sessions unknown, exit 3; the others are applied and nothing there is pruned', async () => {
    const file = t.writeSpec(
      'down/app.yaml',
      hostsDoc({ 'dn-a': quickSession(LONG_RUNNING, { host: 'gpu1' }), 'dn-b': quickSession(LONG_RUNNING, { host: 'gpu2' }) }),
    );
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const onGpu2 = await panesOn('gpu2');
    expect(onGpu2.has('dn-b')).toBe(true);

    // gpu2 goes away, and the spec drops dn-b: the prune must wait until gpu2 is observed again.
    await ssh.host('gpu2').stopSshd();
    try {
      t.writeSpec('down/app.yaml', hostsDoc({ 'dn-a': quickSession(['sleep', '100002'], { host: 'gpu1' }) }));
      const r = await tmuxctl(['apply', '-f', file]);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/^tmuxctl: gpu2: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused$/m);
      expect(r.stdout).toMatch(/^~ restart gpu1\/dn-a \(/m); // the other host was applied
      const st = await tmuxctl(['status', '-f', file, '-o', 'json']);
      expect(st.exitCode).toBe(3);
      expect(st.stderr).toContain('gpu2: ssh:');
      // Nothing was done on gpu2: its session still runs, the same process.
      expect((await panesOn('gpu2')).get('dn-b')).toBe(onGpu2.get('dn-b'));
    } finally {
      await ssh.host('gpu2').startSshd();
    }
    // Back: now the prune happens.
    const back = await tmuxctl(['apply', '-f', file]);
    expect(back.exitCode).toBe(0);
    expect(back.stdout).toMatch(/^- kill gpu2\/dn-b \(/m);
    await waitFor(async () => !(await panesOn('gpu2')).has('dn-b'), 5000, 'dn-b pruned on gpu2');
  });

  it('an env value reaches the pane on the host, and shows in no argv on either side', async () => {
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    const file = t.writeSpec(
      'secret/app.yaml',
      hostsDoc({ 'sc-a': quickSession(['sh', '-c', 'printf %s "$TOKEN" > "$HOME/token"; exec sleep 100000'], { host: 'gpu1', env: { TOKEN: secret } }) }),
    );
    const r = await tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    const got = await waitFor(async () => (await ssh.host('gpu1').run('cat "$HOME/token"')).stdout, 5000, 'the token written on gpu1');
    expect(got).toBe(secret);
    const argvWith = (list: { pid: number; argv: string[] }[]) => list.filter((p) => p.argv.join(' ').includes(secret));
    expect(argvWith(ssh.host('gpu1').cmdlinesOfUser())).toEqual([]);
    expect(argvWith(localCmdlines())).toEqual([]);
  });

  it('takes the lock on the host: while another holds it there, apply waits and then gives up on that host only', async () => {
    const file = t.writeSpec(
      'lock/app.yaml',
      hostsDoc({ 'lk-a': quickSession(LONG_RUNNING, { host: 'gpu1' }), 'lk-b': quickSession(LONG_RUNNING, { host: 'gpu2' }) }),
    );
    // The lock file of this server on gpu1, as another tmuxctl (another person's machine) would hold it.
    expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const lockDir = '$HOME/.local/state/tmuxctl/locks';
    // Held until the test lets go (a file appears), however slow the machine is meanwhile.
    const holder = ssh
      .host('gpu1')
      .run(`for f in ${lockDir}/server-*.lock; do exec flock -x "$f" sh -c 'touch "$HOME/held"; until [ -e "$HOME/release" ]; do sleep 0.1; done'; done`, {
        timeoutMs: 60_000,
      });
    await waitFor(async () => (await ssh.host('gpu1').run('[ -e "$HOME/held" ]')).code === 0, 5000, 'the lock held on gpu1');
    t.writeSpec(
      'lock/app.yaml',
      hostsDoc({ 'lk-a': quickSession(['sleep', '100003'], { host: 'gpu1' }), 'lk-b': quickSession(['sleep', '100003'], { host: 'gpu2' }) }),
    );
    const r = await tmuxctl(['apply', '-f', file, '--lock-timeout', '1']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^tmuxctl: gpu1: lock .* not obtained within 1s/m);
    expect(r.stdout).toMatch(/^~ restart gpu2\/lk-b \(/m);
    await ssh.host('gpu1').run('touch "$HOME/release"');
    await holder;
    // Let go: the next apply gets it.
    expect((await tmuxctl(['apply', '-f', file])).stdout).toMatch(/^~ restart gpu1\/lk-a \(/m);
  });

  it('an unknown --host is a usage error that touches nothing', async () => {
    const file = t.writeSpec('usage/app.yaml', hostsDoc({ 'us-a': quickSession(LONG_RUNNING, { host: 'gpu1' }) }));
    const r = await tmuxctl(['apply', '-f', file, '--host', 'gpu9']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown host "gpu9"');
    expect((await panesOn('gpu1')).has('us-a')).toBe(false);
    // --host limits apply to that host.
    const only = await tmuxctl(['apply', '-f', file, '--host', 'local']);
    expect(only.exitCode).toBe(0);
    expect((await panesOn('gpu1')).has('us-a')).toBe(false);
  });

  it('status measures CPU and memory of a session on a host, there (text and JSON)', async () => {
    // A busy loop and a sleeper on gpu2: the loop's CPU is measured from gpu2's own process table.
    const file = t.writeSpec(
      'usage-cpu/app.yaml',
      hostsDoc({ 'cu-busy': quickSession(['sh', '-c', 'while :; do :; done'], { host: 'gpu2' }), 'cu-idle': quickSession(LONG_RUNNING, { host: 'gpu2' }) }),
    );
    try {
      expect((await tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      const st = await tmuxctl(['status', '-f', file, '-o', 'json']);
      expect(st.exitCode, st.stderr).toBe(0);
      const rows = new Map(
        (JSON.parse(st.stdout).sessions as { session: string; cpuPercent: number | null; rssBytes: number | null }[]).map((r) => [r.session, r]),
      );
      expect(rows.get('cu-busy')!.cpuPercent).toBeGreaterThan(20);
      expect(rows.get('cu-idle')!.cpuPercent).toBeLessThan(20);
      for (const r of rows.values()) expect(r.rssBytes).toBeGreaterThan(0);
      const text = await tmuxctl(['status', '-f', file, 'gpu2/cu-busy']);
      const [head, row] = text.stdout.split('\n');
      const cell = (name: string) => row!.slice(head!.indexOf(name)).split(/\s+/)[0];
      expect(cell('CPU')).toMatch(/^\d+\.\d%$/);
      expect(cell('MEM')).not.toBe('-');
    } finally {
      expect((await tmuxctl(['delete', '-f', file])).exitCode).toBe(0);
    }
  });
});

/** argv of every process on this machine (the test runs as root: all of them). */
function localCmdlines(): { pid: number; argv: string[] }[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        return [{ pid: Number(d), argv: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0') }];
      } catch {
        return [];
      }
    });
}
