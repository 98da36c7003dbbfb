/**
 * Operating live work against a real tmux: `restart`, `stop` and `start` one thing (with and
 * without a running watch), changes that wait for the person (`update: when-detached`, `on-exit`),
 * and `restartCommand`.
 */
import { describe, expect, it } from 'vitest';
import { isProcessAlive, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { useAttachedClients } from '../helpers/clients.js';
import { eventsOf, livePid, startWatch, statusOf } from '../helpers/watch.js';

const t = useTmuxServer();

const attachClient = useAttachedClients(t);

/** Gives watch time for several passes (it is asked to look again every 200 ms): asserting that nothing happens needs a while. */
const severalPasses = () => new Promise((r) => setTimeout(r, 1500));

describe('restart, stop and start', () => {
  it('stop under a running watch stays stopped across passes and a watch restart; start brings it back', async () => {
    const file = t.writeSpec(
      'stop/app.yaml',
      specDoc({ 'st-a': quickSession(['sh', '-c', 'echo last words; exec sleep 100000']), 'st-b': quickSession(LONG_RUNNING) }),
    );
    let watch = await startWatch(t, { args: ['-f', file, '--resync', '0.2'] });
    const a = await waitFor(() => livePid(t, 'st-a'), 5000, 'st-a started');
    const b = await waitFor(() => livePid(t, 'st-b'), 5000, 'st-b started');
    const paneId = (await t.pane('st-a'))!.paneId;
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', paneId)).includes('last words'), 5000, 'st-a to print');

    const stop = await t.tmuxctl(['stop', 'st-a']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('- stop st-a (stop requested)');
    expect(isProcessAlive(a)).toBe(false);
    await severalPasses();
    const pane = (await t.pane('st-a'))!;
    expect(pane.dead).toBe(true); // the pane stays, dead, with its last output
    expect(await t.tmux('capture-pane', '-p', '-S', '-', '-t', pane.paneId)).toContain('last words');
    expect((await statusOf(t, ['-f', file], 'st-a')).state).toBe('stopped');

    await watch.stop();
    watch = await startWatch(t, { args: ['-f', file, '--resync', '0.2'] });
    await severalPasses();
    expect(await livePid(t, 'st-a')).toBeUndefined();
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('in sync');
    expect(await livePid(t, 'st-a')).toBeUndefined();

    const start = await t.tmuxctl(['start', 'st-a']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain('+ start st-a (start requested, was stopped)');
    const again = await waitFor(() => livePid(t, 'st-a'), 5000, 'st-a started again');
    expect(again).not.toBe(a);
    await severalPasses();
    expect(await livePid(t, 'st-a')).toBe(again); // watch does not undo it either
    expect(await livePid(t, 'st-b')).toBe(b);
    expect(await statusOf(t, ['-f', file], 'st-a')).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('restart of one pane leaves every other pid unchanged; counted as a restart, not undone by watch', async () => {
    const panes = { windows: [{ name: 'w', panes: [{ command: LONG_RUNNING }, { command: LONG_RUNNING }] }], startSeconds: 0, stopTimeoutSeconds: 1 };
    const file = t.writeSpec('restart/app.yaml', specDoc({ 'rs-a': panes, 'rs-b': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await startWatch(t, { args: ['-f', file, '--resync', '0.2'] });
    const before = await t.panes();
    const target = before.find((p) => p.session === 'rs-a' && p.paneIndex === 1)!;

    const r = await t.tmuxctl(['restart', 'rs-a:w.1', '-o', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).actions).toEqual([{ action: 'restart', session: 'rs-a', target: 'rs-a:w.1', reason: 'restart requested', host: 'local' }]);
    const after = await t.panes();
    const restarted = after.find((p) => p.paneId === target.paneId)!;
    expect(restarted.pid).not.toBe(target.pid);
    for (const p of before) if (p.paneId !== target.paneId) expect(after.find((q) => q.paneId === p.paneId)?.pid, p.paneId).toBe(p.pid);
    await severalPasses();
    expect((await t.panes()).find((p) => p.paneId === target.paneId)?.pid).toBe(restarted.pid);
    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, 'rs-a:w.1', '-o', 'json'])).stdout).sessions[0];
    expect(status).toMatchObject({ state: 'running', restarts: 1 });
    expect(eventsOf(t, 'restart', 'rs-a:w.1').map((e) => e.reason)).toEqual(['restart requested']);
  });

  it('globs match session names tmuxctl owns only; a target matching nothing is exit 2 listing the owned names, and nothing changes', async () => {
    const file = t.writeSpec('glob/app.yaml', specDoc({ 'gl-one': quickSession(LONG_RUNNING), 'gl-two': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await t.tmux('new-session', '-d', '-s', 'gl-mine', ...LONG_RUNNING); // a person's own session
    const mine = (await t.pane('gl-mine'))!.pid;
    const one = (await t.pane('gl-one'))!.pid;

    const none = await t.tmuxctl(['stop', 'gl-one', 'gl-mine']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/nothing tmuxctl owns matches "gl-mine"; sessions tmuxctl owns: .*gl-one, gl-two/);
    expect(await livePid(t, 'gl-one')).toBe(one); // all or nothing: gl-one was not stopped either

    const r = await t.tmuxctl(['stop', 'gl-*']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['- stop gl-one (stop requested)', '- stop gl-two (stop requested)']);
    expect(await livePid(t, 'gl-mine')).toBe(mine);
    expect((await t.tmuxctl(['start', 'gl-*'])).exitCode).toBe(0);
    await waitFor(async () => (await livePid(t, 'gl-one')) && (await livePid(t, 'gl-two')), 5000, 'both started');
  });
});

describe('changes that wait for the person', () => {
  it('update: when-detached keeps the old pid while a client is attached, and restarts once it detaches', async () => {
    const spec = (n: number) => specDoc({ 'wd-a': quickSession(['sleep', String(100000 + n)], { update: 'when-detached' }) });
    const file = t.writeSpec('detach/app.yaml', spec(0));
    // A resync far away: only the detach itself (hook, or the next look) can bring the restart.
    await startWatch(t, { args: ['-f', file, '--resync', '600'] });
    const old = await waitFor(() => livePid(t, 'wd-a'), 5000, 'wd-a started');
    await attachClient('wd-a');

    t.writeSpec('detach/app.yaml', spec(1));
    await waitFor(() => eventsOf(t, 'waiting', 'wd-a').length > 0, 10_000, 'watch to hold the change back');
    expect(eventsOf(t, 'waiting', 'wd-a')[0]?.reason).toBe('waiting for 1 attached client to detach');
    await severalPasses();
    expect(await livePid(t, 'wd-a')).toBe(old);
    const waiting = JSON.parse((await t.tmuxctl(['status', '-f', file, 'wd-a', '-o', 'json'])).stdout).sessions[0];
    expect(waiting).toMatchObject({ state: 'drifted', waiting: 'waiting for 1 attached client to detach', attachedClients: 1 });
    const diff = await t.tmuxctl(['diff', '-f', file]);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain('… wait wd-a (waiting for 1 attached client to detach)');

    await t.tmux('detach-client', '-s', '=wd-a:');
    const fresh = await waitFor(
      async () => {
        const pid = await livePid(t, 'wd-a');
        return pid !== undefined && pid !== old ? pid : undefined;
      },
      10_000,
      'wd-a restarted after the detach',
    );
    expect((await t.pane('wd-a'))!.pid).toBe(fresh);
  });

  it('update: on-exit restarts with the new spec only after the process ends (kill -9); apply --force does not wait', async () => {
    const spec = (n: number) => specDoc({ 'oe-a': quickSession(['sleep', String(100000 + n)], { update: 'on-exit' }) });
    const file = t.writeSpec('onexit/app.yaml', spec(0));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const old = (await livePid(t, 'oe-a'))!;

    t.writeSpec('onexit/app.yaml', spec(1));
    const held = await t.tmuxctl(['apply', '-f', file]);
    expect(held.exitCode, held.stderr).toBe(0);
    expect(held.stdout).toContain('… wait oe-a (waiting for the process to exit)');
    expect(await livePid(t, 'oe-a')).toBe(old);

    process.kill(old, 'SIGKILL');
    await waitFor(async () => (await t.pane('oe-a'))?.dead, 5000, 'oe-a dead');
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain('~ restart oe-a (killed by signal 9; command changed)');
    const next = (await livePid(t, 'oe-a'))!;
    expect(await t.tmux('display-message', '-p', '-t', '=oe-a:', '#{pane_start_command}')).toContain('100001');

    t.writeSpec('onexit/app.yaml', spec(2));
    const forced = await t.tmuxctl(['apply', '-f', file, '--force']);
    expect(forced.stdout).toContain('~ restart oe-a (command changed)');
    expect(await livePid(t, 'oe-a')).not.toBe(next);
  });
});

describe('restartCommand', () => {
  it('runs after a crash, and not on the first start or a spec change', async () => {
    const say = (word: string) => ['sh', '-c', `echo ${word} restarts=$TMUXCTL_RESTARTS; exec sleep 100000`];
    const file = t.writeSpec('resume/app.yaml', specDoc({ 'rc-a': quickSession(say('first-run'), { restartCommand: say('resumed-run') }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const pane = (await t.pane('rc-a'))!;
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', pane.paneId)).includes('first-run restarts=0'), 5000, 'the first run');

    process.kill(pane.pid, 'SIGKILL');
    await waitFor(async () => (await t.pane('rc-a'))?.dead, 5000, 'rc-a dead');
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', pane.paneId)).includes('resumed-run restarts=1'), 5000, 'the resumed run');

    // `tmuxctl restart` is a fresh start: command, not restartCommand.
    expect((await t.tmuxctl(['restart', 'rc-a'])).exitCode).toBe(0);
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', pane.paneId)).includes('first-run restarts=2'), 5000, 'a fresh run');
  });
});
