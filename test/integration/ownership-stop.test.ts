import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, killOwned, LONG_RUNNING, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const recorded: number[] = [];
afterAll(() => killOwned(recorded, 'sleep'));

/** Ignores SIGTERM and SIGHUP (so do its children): only the SIGKILL after stopTimeoutSeconds ends it. */
function stubborn(pidFile: string): Record<string, unknown> {
  return { command: `trap '' TERM HUP\nsleep 100003 & echo $! > "${pidFile}"\nwait`, startSeconds: 0, stopTimeoutSeconds: 0.5 };
}

async function childOf(pidFile: string): Promise<number> {
  const pid = Number(await waitFor(() => readIfExists(pidFile)?.trim(), 5000, `${pidFile} written`));
  recorded.push(pid);
  return pid;
}

describe('the declared stopTimeoutSeconds is honoured without the spec at hand', () => {
  it('is stamped on the session, and delete NAME (no -f) waits that long, not the 10 s default', async () => {
    const pidFile = t.path('by-name.pid');
    const file = t.writeSpec('byname/app.yaml', specDoc({ 'stop-by-name': stubborn(pidFile) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const child = await childOf(pidFile);
    expect((await t.pane('stop-by-name'))!.stamp).toMatch(/(^| )t=0.5( |$)/);

    const r = await t.tmuxctl(['delete', 'stop-by-name']);
    expect(r.exitCode).toBe(0);
    expect(isProcessAlive(child)).toBe(false);
    // A deadline far from both: 0.5 s declared, 10 s the default.
    expect(r.durationMs).toBeLessThan(8000);
  });

  it('a prune (declaration removed) waits the stamped time too', async () => {
    const pidFile = t.path('prune.pid');
    const file = t.writeSpec('prune/app.yaml', specDoc({ 'stop-pruned': stubborn(pidFile), keep: quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const child = await childOf(pidFile);

    t.writeSpec('prune/app.yaml', specDoc({ keep: quickSession(LONG_RUNNING) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain('- kill stop-pruned (no longer declared)');
    expect(isProcessAlive(child)).toBe(false);
    expect(r.durationMs).toBeLessThan(8000);
  });

  it('a changed stopTimeoutSeconds restarts nothing and is stamped anew', async () => {
    const file = t.writeSpec('retime/app.yaml', specDoc({ retime: quickSession(LONG_RUNNING, { stopTimeoutSeconds: 1 }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const pid = (await t.pane('retime'))!.pid;
    t.writeSpec('retime/app.yaml', specDoc({ retime: quickSession(LONG_RUNNING, { stopTimeoutSeconds: 2 }) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain('~ update retime (stopTimeoutSeconds 1 -> 2)');
    expect((await t.pane('retime'))!.pid).toBe(pid);
    expect((await t.pane('retime'))!.stamp).toMatch(/(^| )t=2( |$)/);
  });
});
