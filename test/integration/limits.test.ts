/** Restart limits (`maxRestarts`, the `failed` state) and `memoryLimitMB`, under a real watch and tmux. */
import { describe, expect, it } from 'vitest';
import { readIfExists, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, startWatch, statusOf } from '../helpers/watch.js';

const t = useTmuxServer();

describe('maxRestarts', () => {
  it('gives up after count restarts within the window: state failed, one gave-up event, no more restarts; start clears it', async () => {
    const failing = quickSession(['sh', '-c', 'echo boom; exit 1'], {
      maxRestarts: { count: 2, withinSeconds: 300 },
      backoff: { initialSeconds: 0.1, maxSeconds: 0.2, resetAfterSeconds: 600 },
    });
    const file = t.writeSpec('limit/app.yaml', specDoc({ 'mr-a': failing }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'gave-up', 'mr-a').length > 0, 30_000, 'watch to give up');
    expect(eventsOf(t, 'restart', 'mr-a')).toHaveLength(2);
    expect(eventsOf(t, 'gave-up', 'mr-a')[0]?.reason).toBe('exited with status 1; restarted 2 times within 300s (maxRestarts)');
    // Several backoff delays later: still nothing more.
    await new Promise((r) => setTimeout(r, 1500));
    expect(eventsOf(t, 'restart', 'mr-a')).toHaveLength(2);
    expect(eventsOf(t, 'gave-up', 'mr-a')).toHaveLength(1);
    const pane = (await t.pane('mr-a'))!;
    expect(pane.dead).toBe(true); // left in place with its last output
    expect(await t.tmux('capture-pane', '-p', '-S', '-', '-t', pane.paneId)).toContain('boom');
    expect(await statusOf(t, ['-f', file], 'mr-a')).toMatchObject({ state: 'failed', restarts: 2 });

    const start = await t.tmuxctl(['start', 'mr-a']);
    expect(start.stdout).toContain('+ start mr-a (start requested, was failed)');
    await waitFor(() => eventsOf(t, 'gave-up', 'mr-a').length === 2, 30_000, 'given up on again, the count started afresh');
    // The start itself, then two automatic restarts.
    expect(eventsOf(t, 'restart', 'mr-a').map((e) => e.reason)).toEqual([
      'exited with status 1',
      'exited with status 1',
      'start requested, was failed',
      'exited with status 1',
      'exited with status 1',
    ]);
  });
});

describe('maxRestarts, told', () => {
  it('gave-up reaches a notify channel once, with the reason', async () => {
    const out = t.writeFile('gaveup/told', '');
    const failing = quickSession(['sh', '-c', 'exit 1'], {
      maxRestarts: { count: 1, withinSeconds: 300 },
      backoff: { initialSeconds: 0.1, maxSeconds: 0.2, resetAfterSeconds: 600 },
    });
    const notify = [{ command: ['sh', '-c', `echo "$TMUXCTL_EVENT $TMUXCTL_TARGET $TMUXCTL_REASON" >> '${out}'`], on: ['gave-up'] }];
    const file = t.writeSpec('gaveup/app.yaml', { ...specDoc({ 'gu-a': failing }), notify });
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => readIfExists(out)?.includes('gave-up'), 30_000, 'the gave-up message');
    await new Promise((r) => setTimeout(r, 1000));
    expect(readIfExists(out)!.trim().split('\n')).toEqual(['gave-up gu-a exited with status 1; restarted 1 time within 300s (maxRestarts)']);
  });
});

describe('memoryLimitMB', () => {
  it('restarts a process whose tree allocates past the limit, counted as a crash', async () => {
    // Grows to about 160 MB in 10 MB steps, then holds it.
    const hog = `const a = []; setInterval(() => { if (a.length < 16) a.push(Buffer.alloc(10 * 1024 * 1024, 1)); }, 50);`;
    const file = t.writeSpec('memory/app.yaml', specDoc({ 'mem-a': quickSession([process.execPath, '-e', hog], { memoryLimitMB: 64 }) }));
    await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(() => livePid(t, 'mem-a'), 5000, 'mem-a started');
    await waitFor(() => eventsOf(t, 'restart', 'mem-a').length > 0, 30_000, 'a restart for memory');
    expect(eventsOf(t, 'restart', 'mem-a')[0]?.reason).toMatch(/^memory \d+ MB over the limit of 64 MB$/);
    // The event is written as the restart is planned: the new run follows.
    await waitFor(
      async () => {
        const pid = await livePid(t, 'mem-a');
        return pid !== undefined && pid !== first;
      },
      5000,
      'mem-a running again',
    );
    expect((await statusOf(t, ['-f', file], 'mem-a')).restarts).toBe(1);
  });
});
