/**
 * The pane-died hook is set once per server (tmuxctl's slot of the global hook), no longer on every
 * window: a death in a window made by `apply` wakes a `watch` started later, and a window an earlier
 * build gave its own hook keeps waking it. Every watch here runs with the /proc backstop off and
 * the resync far away, so only a hook can bring a killed pane back within the deadline.
 */
import { describe, expect, it } from 'vitest';
import { allCmdlines, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, killAndAwaitRestart, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

describe('the global pane-died hook', () => {
  it('apply sets it once for the server and no hook on its windows; it wakes a watch started afterwards; a window hook of an earlier build still does', async () => {
    const file = t.writeSpec('gh/app.yaml', specDoc({ 'gh-new': quickSession(LONG_RUNNING), 'gh-old': quickSession(LONG_RUNNING) }));
    const applied = await t.tmuxctl(['apply', '-f', file]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(await t.tmux('show-hooks', '-gw')).toMatch(/^pane-died\[7291\] wait-for -S tmuxctl-changed$/m);
    expect(await t.tmux('show-hooks', '-w', '-t', '=gh-new:')).not.toMatch(/pane-died/);
    // What an earlier build left on each window it made: a hook of the window's own, which tmux runs instead of the global one.
    await t.tmux('set-hook', '-w', '-t', '=gh-old:', 'pane-died', 'wait-for -S tmuxctl-changed');

    const w = await startWatch(t, { args: ['-f', file, '--resync', '600'], env: { TMUXCTL_INTERNAL_NO_PROC_BACKSTOP: '1' } });
    // watch starts its wait-for client once its first pass is done: a kill before that would be
    // repaired by the first pass itself, whatever the hooks.
    // Its waker: a control client (or, before it can attach, a spawned wait-for).
    await waitFor(
      () => allCmdlines().some((p) => p.argv.includes(t.socket) && (p.argv.includes('wait-for') || p.argv.includes('-C'))),
      10_000,
      "watch's wait-for client",
    );
    await killAndAwaitRestart(t, 'gh-new', 'gh-new restarted by the hook');
    await killAndAwaitRestart(t, 'gh-old', 'gh-old restarted by the hook');
    expect(eventsOf(t, 'restart', 'gh-new')).toHaveLength(1);
    expect(eventsOf(t, 'restart', 'gh-old')).toHaveLength(1);
    expect((await w.stop()).code).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
});
