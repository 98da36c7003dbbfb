/** A PATH the spec declares reaches the pane (tmux would give it the PATH of tmuxctl's own client). */
import { describe, expect, it } from 'vitest';
import { specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { unwrapArgv, unwrapStartCommand } from '../../src/apply/carry-screen.js';

const t = useTmuxServer();

const printPath = { command: 'echo "P=$PATH"; exec sleep 100000', env: { PATH: '/opt/declared:/usr/bin:/bin' }, startSeconds: 0, stopTimeoutSeconds: 1 };

async function printedPath(paneId: string, after = 0): Promise<string> {
  return waitFor(
    async () => {
      const lines = (await t.tmux('capture-pane', '-p', '-S', '-', '-t', paneId)).split('\n').filter((l) => l.startsWith('P='));
      return lines.length > after ? lines.at(-1) : undefined;
    },
    5000,
    'the pane to print its PATH',
  );
}

describe('a declared PATH', () => {
  it('is the PATH of the pane at its first start (new-session, split) and after a restart (respawn)', async () => {
    const file = t.writeSpec('path/app.yaml', specDoc({ pth: printPath, pth2: { windows: [{ name: 'w', panes: [{ command: 'sleep 100000' }, printPath] }] } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const one = (await t.pane('pth'))!;
    expect(await printedPath(one.paneId)).toBe('P=/opt/declared:/usr/bin:/bin');
    const split = (await t.panes()).find((p) => p.session === 'pth2' && p.paneIndex === 1)!;
    expect(await printedPath(split.paneId)).toBe('P=/opt/declared:/usr/bin:/bin');
    // Nothing of it lingers in the session environment for panes a person opens.
    expect(await t.tmux('show-environment', '-t', '=pth:')).not.toMatch(/TMUXCTL_PATH|\/opt\/declared/);

    expect((await t.tmuxctl(['restart', 'pth'])).exitCode).toBe(0);
    expect(await printedPath(one.paneId, 1)).toBe('P=/opt/declared:/usr/bin:/bin');
  });

  it('freeze sees the command, not the setter', () => {
    const real = ['sh', '-c', 'echo hi'];
    const wrapped = ['/bin/sh', '-c', 'PATH=$TMUXCTL_PATH; export PATH; unset TMUXCTL_PATH; exec "$@"', 'tmuxctl-path', ...real];
    expect(unwrapArgv(wrapped)).toEqual(real);
    expect(unwrapStartCommand(`/bin/sh -c 'PATH=$TMUXCTL_PATH; export PATH; unset TMUXCTL_PATH; exec "$@"' tmuxctl-path sh -c "echo hi"`)).toBe(
      'sh -c "echo hi"',
    );
  });
});
