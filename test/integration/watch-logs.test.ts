import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, readEvents, sessionLog, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

/** `[tmuxctl 2026-11-25T16:00:00.000Z] text` */
const MARKER = (text: string) => new RegExp(`^\\[tmuxctl \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] ${text.replace(/[()]/g, '\\$&')}$`, 'm');

describe('session logs and the event log under watch', () => {
  it('keeps a dead session output with start and exit markers; logs prints it after the process died', async () => {
    const file = t.writeSpec('dead/app.yaml', specDoc({ talker: quickSession('echo hello-1; echo hello-2; exit 3', { restart: 'never' }) }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'exit', 'talker').length === 1, 5000, 'talker to exit');
    const text = await waitFor(
      () => (/exited with status 3/.test(sessionLog(t, 'talker') ?? '') ? sessionLog(t, 'talker') : undefined),
      5000,
      'the exit marker',
    );
    expect(text).toMatch(MARKER('started (not found)'));
    expect(text).toMatch(MARKER('exited with status 3'));
    expect(text.indexOf('hello-1')).toBeGreaterThan(text.indexOf('started (not found)'));
    expect(text.indexOf('exited with status 3')).toBeGreaterThan(text.indexOf('hello-2'));

    const r = await t.tmuxctl(['logs', 'talker']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual([expect.stringMatching(MARKER('started (not found)')), 'hello-1', 'hello-2', expect.stringMatching(MARKER('exited with status 3'))]);
    const tail = await t.tmuxctl(['logs', 'talker', '-n', '2']);
    expect(tail.stdout.trimEnd().split('\n')).toEqual(['hello-2', expect.stringMatching(MARKER('exited with status 3'))]);

    // Events: JSON lines with what happened, to which session, why.
    const exit = eventsOf(t, 'exit', 'talker')[0]!;
    expect(exit).toMatchObject({ event: 'exit', session: 'talker', reason: 'exited with status 3', exitStatus: 3, level: 'warn' });
    expect(eventsOf(t, 'create', 'talker')[0]).toMatchObject({ event: 'create', session: 'talker', reason: 'not found', level: 'info' });
    for (const e of readEvents(t)) expect(typeof e.timestamp).toBe('string');
  });

  it('keeps every run across restarts, each delimited by markers (output long after the restart too)', async () => {
    const file = t.writeSpec(
      'restarted/app.yaml',
      specDoc({
        runner: quickSession('echo "run $$"; sleep 0.3; echo "later $$"; exec sleep 100000', {
          backoff: { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 600 },
        }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const pids: number[] = [];
    for (let run = 0; run < 3; run++) {
      const pid = await waitFor(
        async () => {
          const p = await livePid(t, 'runner');
          return p !== undefined && !pids.includes(p) ? p : undefined;
        },
        5000,
        `run ${run + 1} started`,
      );
      pids.push(pid);
      await waitFor(() => sessionLog(t, 'runner')?.includes(`later ${pid}`), 5000, `run ${run + 1}'s output 0.3 s after its start`);
      if (run < 2) process.kill(pid, 'SIGKILL');
    }

    const r = await t.tmuxctl(['logs', 'runner']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(MARKER('started (not found)')),
      `run ${pids[0]}`,
      `later ${pids[0]}`,
      expect.stringMatching(MARKER('killed by signal 9')),
      expect.stringMatching(MARKER('restarted (killed by signal 9)')),
      `run ${pids[1]}`,
      `later ${pids[1]}`,
      expect.stringMatching(MARKER('killed by signal 9')),
      expect.stringMatching(MARKER('restarted (killed by signal 9)')),
      `run ${pids[2]}`,
      `later ${pids[2]}`,
    ]);
    expect(eventsOf(t, 'restart', 'runner')[0]).toMatchObject({ reason: 'killed by signal 9', exitSignal: 9 });
  });

  it('logs --follow prints new output as it comes, and stops on SIGTERM', async () => {
    const file = t.writeSpec('follow/app.yaml', specDoc({ echoer: quickSession('while read l; do echo "got $l"; done') }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => livePid(t, 'echoer'), 5000, 'echoer created');
    await waitFor(() => sessionLog(t, 'echoer'), 5000, 'its log');

    const follower = spawn(process.execPath, [cliPath, '-L', t.socket, 'logs', 'echoer', '--follow'], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /started \(not found\)/.test(out), 5000, 'the existing lines');
      const pane = (await t.pane('echoer'))!;
      await t.tmux('send-keys', '-t', pane.paneId, 'ping', 'Enter');
      await waitFor(() => out.includes('got ping'), 5000, 'followed output');
    } finally {
      follower.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('logs of a session that never ran is a clear error', async () => {
    const r = await t.tmuxctl(['logs', 'no-such-session']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no logs for "no-such-session"/);
  });
});
