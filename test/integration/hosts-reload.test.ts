/**
 * `watch` follows the hosts the specs declare while it runs, over real OpenSSH (test/helpers/sshd.ts):
 * a host added is connected and converged, one whose `ssh:` changed is connected again, one removed
 * is let go with its sessions left running there, and an invalid edit changes nothing.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostsDoc, hostsHarness } from '../helpers/hosts.js';
import { useSshHosts } from '../helpers/sshd.js';
import { LONG_RUNNING, quickSession, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();
const ssh = useSshHosts(['rgpu1', 'rgpu2']);
const { env, pidOn, replacedOn } = hostsHarness(t, ssh);

/** Replaces the spec file in one step (a rename), so watch never reads it half written. */
function replaceSpec(file: string, doc: object): void {
  const tmp = t.path(`${path.basename(file)}.next`);
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, file);
}

const reasons = (event: string) => eventsOf(t, event).map((e) => String(e.reason));

describe('watch follows the hosts of the specs', () => {
  it('connects a host added while it runs, reconnects one whose ssh changed, lets a removed one go (its sessions left running), and ignores an invalid edit', async () => {
    // A health check that is always running: a host's watcher stopping must not kill this machine's
    // checks (a killed check is a failed one, and this session would be restarted).
    const here = quickSession(LONG_RUNNING, { healthCheck: { command: 'sleep 600', intervalSeconds: 0.5, timeoutSeconds: 600, failureThreshold: 1 } });
    const onGpu = quickSession(LONG_RUNNING, { host: 'rgpu1' });
    const file = t.writeSpec('reload/app.yaml', { version: 1, sessions: { 'rl-here': here } });
    const w = await startWatch(t, { args: ['-f', file, '--resync', '1'], env: env() });
    const herePid = (await waitFor(() => t.pane('rl-here'), 10_000, 'rl-here started')).pid;

    // Added: the host is connected and its session started, without restarting watch.
    replaceSpec(file, { version: 1, hosts: { rgpu1: { ssh: 'rgpu1' } }, sessions: { 'rl-here': here, 'rl-a': onGpu } });
    const first = await waitFor(() => pidOn('rgpu1', 'rl-a'), 30_000, 'rl-a started on rgpu1');
    expect(reasons('host-added')).toEqual([expect.stringMatching(/^rgpu1: ssh rgpu1/)]);

    // Invalid: reported, and nothing changes: the host is still watched (a kill -9 there is repaired).
    replaceSpec(file, { version: 1, hosts: { rgpu1: { ssh: 'rgpu1' } }, sessions: { 'rl-here': here, 'rl-a': { ...onGpu, host: 'nowhere' } } });
    await waitFor(() => reasons('invalid-spec').some((r) => r.includes('nowhere')), 10_000, 'the invalid edit reported');
    process.kill(first, 'SIGKILL'); // a process of the test's own throw-away user
    const repaired = await waitFor(() => replacedOn('rgpu1', 'rl-a', first), 20_000, 'rl-a repaired on rgpu1 after the invalid edit');
    expect(reasons('host-removed')).toEqual([]);

    // Changed: the name now leads to another account; watched there, the old one's session left alone.
    replaceSpec(file, { version: 1, hosts: { rgpu1: { ssh: 'rgpu2' } }, sessions: { 'rl-here': here, 'rl-a': onGpu } });
    const moved = await waitFor(() => pidOn('rgpu2', 'rl-a'), 30_000, 'rl-a started over the new ssh destination');
    expect(reasons('host-changed')).toEqual([expect.stringMatching(/^rgpu1: now ssh rgpu2/)]);
    expect(await pidOn('rgpu1', 'rl-a')).toBe(repaired);

    // Removed: reported, no longer watched, its session left running (nothing is done on a host not in play).
    replaceSpec(file, { version: 1, sessions: { 'rl-here': here } });
    await waitFor(() => reasons('host-removed').length > 0, 10_000, 'the removal reported');
    expect(reasons('host-removed')).toEqual([expect.stringMatching(/^rgpu1: no longer in the specs/)]);
    expect(await pidOn('rgpu2', 'rl-a')).toBe(moved);
    process.kill(moved, 'SIGKILL');
    // Five resyncs: a watcher still there would have repaired it.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await pidOn('rgpu2', 'rl-a')).toBeUndefined();
    expect(await pidOn('rgpu1', 'rl-a')).toBe(repaired);
    expect((await t.pane('rl-here'))?.pid).toBe(herePid);
    expect(w.stderr()).toContain('host-removed');
  }, 150_000);

  it('a host removed under `--host` is let go by its own watcher without pruning it: its reload keeps the last sessions there', async () => {
    // Only the host's watcher runs, so it is the one that reads the edit, and it tells the host set
    // itself; the pass in which it does so must not act on a host that left the specs.
    const doc = (sessions: Record<string, Record<string, unknown>>, hosts: object = {}) => ({ version: 1, hosts, sessions });
    const file = t.writeSpec('only/app.yaml', doc({ 'rl-only': quickSession(LONG_RUNNING, { host: 'rgpu2' }) }, { rgpu2: { ssh: 'rgpu2' } }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '1', '--host', 'rgpu2'], env: env() });
    const pid = await waitFor(() => pidOn('rgpu2', 'rl-only'), 30_000, 'rl-only started on rgpu2');
    replaceSpec(file, doc({}));
    await waitFor(() => w.stderr().includes('host-removed'), 10_000, 'the removal reported');
    // Two resyncs: the watcher is gone, and nothing it did on its way out stopped the session.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await pidOn('rgpu2', 'rl-only')).toBe(pid);
  }, 90_000);

  it("hosts declared at start are not 'added'; a host's watcher let go leaves this machine's control connections up", async () => {
    const lost = () => eventsOf(t, 'tmux-connection').filter((e) => String(e.reason).startsWith('lost:')).length;
    const connected = () => eventsOf(t, 'tmux-connection').filter((e) => String(e.reason).startsWith('connected:')).length;
    const added = reasons('host-added').length;
    const here = { 'rl-ctl': quickSession(LONG_RUNNING) };
    const onBoth = { 'rl-c': quickSession(LONG_RUNNING, { host: 'rgpu1' }), 'rl-d': quickSession(LONG_RUNNING, { host: 'rgpu2' }) };
    const file = t.writeSpec('ctl/app.yaml', hostsDoc(['rgpu1', 'rgpu2'], { ...here, ...onBoth }));
    const w = await startWatch(t, { args: ['-f', file, '--resync', '1'], env: { ...env(), TMUXCTL_CONTROL: '1' } });
    await waitFor(() => pidOn('rgpu1', 'rl-c'), 30_000, 'rl-c started on rgpu1');
    await waitFor(() => pidOn('rgpu2', 'rl-d'), 30_000, 'rl-d started on rgpu2');
    await waitFor(() => connected() > 0, 10_000, 'the control connection up');
    expect(reasons('host-added').length).toBe(added);
    const before = lost();
    replaceSpec(file, hostsDoc(['rgpu2'], { ...here, 'rl-d': onBoth['rl-d'] }));
    await waitFor(() => w.stderr().includes('host-removed'), 10_000, 'the removal reported');
    // A connection ended with the host's watcher would be reported lost at once; two resyncs of margin.
    await new Promise((r) => setTimeout(r, 2000));
    expect(lost()).toBe(before);
  }, 90_000);
});
