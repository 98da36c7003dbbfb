/**
 * Hostile tests of the verbs (`restart`, `stop`, `start`) and the update strategies against a real
 * tmux: the ways a person's ordinary use of tmux (switching a client to another session, running a
 * command by hand in a stopped pane) could make tmuxctl miss a due restart or lose a stop.
 */
import { describe, expect, it } from 'vitest';
import { stampAsLegacy } from '../helpers/legacy.js';
import { isProcessAlive, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { useAttachedClients } from '../helpers/clients.js';
import { eventsOf, livePid, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

const attachClient = useAttachedClients(t);

describe('update: when-detached, hostile', () => {
  it('restarts when the last client switches to another session (switch-client is no detach), without waiting for the resync', async () => {
    const spec = (n: number) => specDoc({ 'hw-a': quickSession(['sleep', String(100000 + n)], { update: 'when-detached' }) });
    const file = t.writeSpec('switch/app.yaml', spec(0));
    // The person's own session, where their client goes next.
    await t.tmux('new-session', '-d', '-s', 'hw-mine', ...LONG_RUNNING);
    // A resync far away: only tmux telling watch that the client left can bring the restart in time.
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    const old = await waitFor(() => livePid(t, 'hw-a'), 5000, 'hw-a started');
    await attachClient('hw-a');

    t.writeSpec('switch/app.yaml', spec(1));
    await waitFor(() => eventsOf(t, 'waiting', 'hw-a').length > 0, 10_000, 'watch to hold the change back');
    expect(await livePid(t, 'hw-a')).toBe(old);

    // The person's client (watch's own control clients are attached there too, and are nobody).
    const people = async () =>
      (await t.tmux('list-clients', '-t', '=hw-a', '-F', '#{client_control_mode} #{client_name}'))
        .split('\n')
        .filter((l) => l.startsWith('0 '))
        .map((l) => l.slice(2));
    const [client] = await people();
    await t.tmux('switch-client', '-c', client!, '-t', '=hw-mine');
    expect(await people()).toEqual([]);
    // Generous for a loaded machine, and still 60 times shorter than the resync.
    await waitFor(
      async () => {
        const pid = await livePid(t, 'hw-a');
        return pid !== undefined && pid !== old ? pid : undefined;
      },
      10_000,
      'hw-a restarted once its last client switched away',
    );
    expect(await t.tmux('display-message', '-p', '-t', '=hw-a:', '#{pane_start_command}')).toContain('100001');
  });
});

describe('update: when-detached, a person viewing through a grouped session', () => {
  it('counts the clients of its session group: a client on `tmux new-session -t SESSION` sees the same panes', async () => {
    const spec = (n: number) => specDoc({ 'hg-a': quickSession(['sleep', String(100100 + n)], { update: 'when-detached' }) });
    const file = t.writeSpec('group/app.yaml', spec(0));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const old = (await livePid(t, 'hg-a'))!;
    // The person's own view of hg-a's windows (grouped sessions share their windows), with a client on it.
    await t.tmux('new-session', '-d', '-t', '=hg-a', '-s', 'hg-view');
    await attachClient('hg-view');

    t.writeSpec('group/app.yaml', spec(1));
    const held = await t.tmuxctl(['apply', '-f', file]);
    expect(held.stdout).toContain('… wait hg-a (waiting for 1 attached client to detach)');
    expect(await livePid(t, 'hg-a')).toBe(old);
    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, 'hg-a', '-o', 'json'])).stdout).sessions[0];
    expect(status).toMatchObject({ state: 'drifted', attachedClients: 1 });

    await t.tmux('detach-client', '-s', '=hg-view:');
    await waitFor(async () => (await t.tmux('display-message', '-p', '-t', '=hg-view:', '#{session_attached}')).trim() === '0', 5000, 'the client gone');
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('~ restart hg-a (command changed)');
    expect(await livePid(t, 'hg-a')).not.toBe(old);
  });
});

describe('verbs on a session stamped by tmuxctl 0.1', () => {
  it('refuse it (exit 3, nothing changed) until an apply re-stamps it per pane: a hold written there would not be read, and apply would start the stopped pane again', async () => {
    const file = t.writeSpec('legacy/app.yaml', specDoc({ 'hl-old': quickSession(['sleep', '300301']) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const made = await stampAsLegacy(t, 'hl-old', { '@tmuxctl-started': String(Date.now()), '@tmuxctl-stop-timeout': '1' });

    for (const verb of ['stop', 'restart', 'start']) {
      const r = await t.tmuxctl([verb, 'hl-old']);
      expect(r.exitCode, `${verb}: ${r.stdout}${r.stderr}`).toBe(3);
      expect(r.stdout).toContain('! conflict hl-old (made by tmuxctl 0.1: run tmuxctl apply once to re-stamp it (the re-stamp restarts nothing))');
    }
    expect(await t.tmuxctl(['apply', '-f', file])).toMatchObject({ exitCode: 0 });
    expect((await t.pane('hl-old'))!.pid).toBe(made.pid); // nothing was stopped, nothing restarted

    // Re-stamped: the verbs work, and a stop holds.
    expect((await t.tmuxctl(['stop', 'hl-old'])).exitCode).toBe(0);
    expect(isProcessAlive(made.pid)).toBe(false);
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('in sync');
    expect((await t.pane('hl-old'))!.dead).toBe(true);
  });
});

describe('stop, hostile', () => {
  it('a stopped pane a person respawned by hand is stopped again by stop (not "already stopped"), and stays stopped', async () => {
    const file = t.writeSpec('respawn/app.yaml', specDoc({ 'hr-a': quickSession(['sleep', '100201']) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    expect((await t.tmuxctl(['stop', 'hr-a'])).exitCode).toBe(0);
    const pane = (await t.pane('hr-a'))!;
    expect(pane.dead).toBe(true);
    await t.tmux('respawn-pane', '-k', '-t', pane.paneId, 'sleep', '100299');
    const byHand = await waitFor(() => livePid(t, 'hr-a'), 5000, 'the command run by hand');

    const r = await t.tmuxctl(['stop', 'hr-a']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('- stop hr-a (stop requested)');
    expect(isProcessAlive(byHand)).toBe(false);
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('in sync');
    expect((await t.pane('hr-a'))!.dead).toBe(true);
    expect((await t.tmuxctl(['stop', 'hr-a'])).stdout).toContain('= hr-a (already stopped)');
  });
});
