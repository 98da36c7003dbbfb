import { describe, expect, it } from 'vitest';
import { isProcessAlive, quickSession, specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

/** Every pane of one session: id, pid, and whether it carries tmuxctl's pane stamp. */
async function panesOf(session: string): Promise<{ id: string; pid: number; cmd: string }[]> {
  const out = await t.tmux('list-panes', '-s', '-t', `=${session}:`, '-F', '#{pane_id} #{pane_pid} #{pane_start_command}');
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [id, pid, ...cmd] = l.split(' ');
      return { id: id!, pid: Number(pid), cmd: cmd.join(' ') };
    });
}

describe('a pane the user added is never taken for the managed pane', () => {
  it('after the managed pane is killed: status says missing, diff and apply split a new pane for the command in its window, the user pane is left alone', async () => {
    const file = t.writeSpec('pane/app.yaml', specDoc({ pn: quickSession(['sleep', '300001']) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const [managed] = await panesOf('pn');
    // The user splits the session and then closes the pane tmuxctl started.
    await t.tmux('split-window', '-t', `=pn:`, 'sleep 300002');
    const user = (await panesOf('pn')).find((p) => p.id !== managed!.id)!;
    await t.tmux('kill-pane', '-t', managed!.id);

    const status = await t.tmuxctl(['status', '-f', file, '-o', 'json']);
    const row = JSON.parse(status.stdout).sessions.find((s: { name: string }) => s.name === 'pn');
    expect(row).toMatchObject({ state: 'missing', pid: null });

    const diff = await t.tmuxctl(['diff', '-f', file]);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain('+ split pn (managed pane gone)');

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('+ split pn (managed pane gone)');
    const after = await panesOf('pn');
    expect(after.find((p) => p.id === user.id)?.pid).toBe(user.pid);
    const fresh = after.find((p) => p.id !== user.id)!;
    expect(fresh.cmd).toContain('300001');
    expect(isProcessAlive(user.pid)).toBe(true);

    const again = await t.tmuxctl(['status', '-f', file, '-o', 'json']);
    expect(JSON.parse(again.stdout).sessions.find((s: { name: string }) => s.name === 'pn')).toMatchObject({ state: 'running', pid: fresh.pid });
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);

    // The next change respawns the managed pane, never the user's.
    t.writeSpec('pane/app.yaml', specDoc({ pn: quickSession(['sleep', '300003']) }));
    const change = await t.tmuxctl(['apply', '-f', file]);
    expect(change.stdout).toContain('~ restart pn (command changed)');
    const last = await panesOf('pn');
    expect(last.find((p) => p.id === user.id)?.pid).toBe(user.pid);
    expect(last.find((p) => p.id === fresh.id)?.cmd).toContain('300003');
  });
});
