import { mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

describe('a declared cwd removed while watch runs', () => {
  it('is reported at the restart instead of starting the command elsewhere; the restart follows once it is back', async () => {
    const workdir = t.path('work', 'x');
    mkdirSync(workdir, { recursive: true });
    const file = t.writeSpec(
      'cwd/app.yaml',
      specDoc({ cw: { command: ['sleep', '100004'], cwd: workdir, startSeconds: 0, stopTimeoutSeconds: 1, backoff: { initialSeconds: 1, maxSeconds: 2 } } }),
    );
    await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(() => livePid(t, 'cw'), 10_000, 'cw running');

    rmSync(workdir, { recursive: true });
    process.kill(first, 'SIGKILL'); // the pane process this test's spec started
    const blocked = await waitFor(
      () => eventsOf(t, 'conflict', 'cw').find((e) => String(e.reason).includes('no longer exists')),
      10_000,
      'the missing cwd reported',
    );
    expect(blocked.reason).toBe(`cwd ${workdir} no longer exists`);
    // Not restarted somewhere else meanwhile.
    expect((await t.pane('cw'))!.dead).toBe(true);

    mkdirSync(workdir, { recursive: true });
    const second = await waitFor(() => livePid(t, 'cw'), 10_000, 'cw restarted once its cwd is back');
    expect(second).not.toBe(first);
    expect((await t.tmux('display-message', '-p', '-t', '=cw:', '#{pane_current_path}')).trim()).toBe(workdir);
  });
});

describe('a declared cwd removed after apply', () => {
  it('does not keep status -f from showing the session, nor delete -f from removing it; apply still refuses to start there', async () => {
    const workdir = t.path('work', 'gone');
    mkdirSync(workdir, { recursive: true });
    const file = t.writeSpec('gone/app.yaml', specDoc({ gn: { command: ['sleep', '100005'], cwd: workdir, startSeconds: 0, stopTimeoutSeconds: 1 } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    rmSync(workdir, { recursive: true });

    const status = await t.tmuxctl(['status', '-f', file, '-o', 'json']);
    expect(status.exitCode, status.stderr).toBe(0);
    const rows = (JSON.parse(status.stdout) as { sessions: { name: string; state: string }[] }).sessions;
    expect(rows.filter((r) => r.name === 'gn')).toEqual([expect.objectContaining({ name: 'gn', state: 'running' })]);
    // Starting something there is still refused at load, with the position.
    const apply = await t.tmuxctl(['apply', '-f', file]);
    expect(apply.exitCode).toBe(2);
    expect(apply.stderr).toMatch(/app\.yaml:\d+:\d+: sessions\.gn\.cwd: folder .* not found/);

    const del = await t.tmuxctl(['delete', '-f', file]);
    expect(del.exitCode, del.stderr).toBe(0);
    expect(await t.pane('gn')).toBeUndefined();
  });
});
