/** Health-check commands: exit status, spawn failures, and a timeout that kills the whole process group. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killRunningChecks, runCheck } from '../../src/supervise/run-check.js';
import { useTempDir } from '../cli/helpers.js';
import { isProcessAlive, killOwned, waitFor } from '../helpers/tmux.js';

const tmp = useTempDir();
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('runCheck', () => {
  it('reports the exit status, and a command that cannot be run', async () => {
    await expect(runCheck(['sh', '-c', 'exit 0'], tmp.dir, env, 5000)).resolves.toEqual({ ok: true, detail: 'exit status 0' });
    await expect(runCheck(['sh', '-c', 'exit 7'], tmp.dir, env, 5000)).resolves.toEqual({ ok: false, detail: 'exit status 7' });
    await expect(runCheck([path.join(tmp.dir, 'missing')], tmp.dir, env, 5000)).resolves.toEqual({ ok: false, detail: 'cannot run: ENOENT' });
  });

  it('gets exactly the environment it is given', async () => {
    const out = path.join(tmp.dir, 'env');
    await runCheck(['sh', '-c', `env > ${out}`], tmp.dir, { ...env, ONLY_THIS: '1' }, 5000);
    const names = readFileSync(out, 'utf8')
      .split('\n')
      .map((l) => l.split('=')[0]);
    expect(names).toContain('ONLY_THIS');
    expect(names).not.toContain('HOME');
  });

  it('on timeout kills the whole group: a `sh -c` leaves no child behind', async () => {
    const pidFile = path.join(tmp.dir, 'child.pid');
    const r = await runCheck(['sh', '-c', `sleep 300 & echo $! > ${pidFile}; wait`], tmp.dir, env, 500);
    expect(r).toEqual({ ok: false, detail: 'timed out after 0.5s' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      await waitFor(() => !isProcessAlive(pid), 5000, 'the check child to be killed with its group');
    } finally {
      killOwned([pid], 'sleep');
    }
  });

  it('when the check ends, what it left in its group goes too (`sleep & exit 0` leaked one process per check)', async () => {
    const pidFile = path.join(tmp.dir, 'left.pid');
    const r = await runCheck(['sh', '-c', `sleep 301 & echo $! > ${pidFile}; exit 0`], tmp.dir, env, 5000);
    expect(r).toEqual({ ok: true, detail: 'exit status 0' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      await waitFor(() => !isProcessAlive(pid), 5000, 'the background child killed with its group');
    } finally {
      killOwned([pid], 'sleep');
    }
  });

  it('killRunningChecks ends a check still running (watch stopping)', async () => {
    const pending = runCheck(['sleep', '300'], tmp.dir, env, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    killRunningChecks();
    await expect(pending).resolves.toEqual({ ok: false, detail: 'killed by SIGKILL' });
  });
});
