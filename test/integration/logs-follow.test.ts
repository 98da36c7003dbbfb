/**
 * `logs --follow` picks up pane logs that appear after it started: a new session (no target), a
 * new pane of a followed session, a session that did not exist yet. It exits promptly on SIGTERM
 * (every timer cleared).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** `tmuxctl logs ...` running until stopped: what it printed so far, and how it ended. */
function follow(args: readonly string[]) {
  const child = spawn(process.execPath, [cliPath, '-L', t.socket, 'logs', ...args], { env: t.env, cwd: t.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** SIGTERM, and the exit code, or 'still following' when it has not exited within 5 s. */
  const stop = async () => {
    child.kill('SIGTERM');
    return Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still following'), 5000))]);
  };
  return { out: () => out, err: () => err, stop, kill: () => child.kill('SIGKILL') };
}

/** Prints one line, then sleeps. */
const says = (text: string) => ['sh', '-c', `echo ${text}; exec sleep 100000`];

describe('logs --follow picks up logs created later', () => {
  it('with no target: a session applied after following began has its first line printed, prefixed', async () => {
    const file = t.writeSpec('all/app.yaml', specDoc({ 'lf-old': quickSession(says('old-hello')) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const f = follow(['--follow', '-n', '5']);
    try {
      await waitFor(() => /^lf-old\s+\| old-hello$/m.test(f.out()), 15_000, 'the existing tail');
      t.writeSpec('all/app.yaml', specDoc({ 'lf-old': quickSession(says('old-hello')), 'lf-new': quickSession(says('new-hello')) }));
      expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      await waitFor(() => /^lf-new\s+\| new-hello$/m.test(f.out()), 15_000, "the new session's first line");
      // From its first byte: the start marker comes before the first line.
      expect(f.out()).toMatch(/^lf-new\s+\| \[tmuxctl [^\]]+\] started \(not found\)\nlf-new\s+\| new-hello$/m);
      expect(await f.stop()).toBe(0);
    } finally {
      f.kill();
    }
  }, 45_000);

  it('with a session target: a pane added to it later is followed too, and no other session', async () => {
    const web = (panes: unknown[]) => ({
      'lf-web': { startSeconds: 0, stopTimeoutSeconds: 1, windows: [{ name: 'api', panes }] },
      'lf-other': quickSession(LONG_RUNNING),
    });
    const file = t.writeSpec('web/app.yaml', specDoc(web([{ command: says('api-zero') }, { command: LONG_RUNNING }])));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const f = follow(['lf-web', '--follow', '-n', '5']);
    try {
      await waitFor(() => /^lf-web:api\.0\s+\| api-zero$/m.test(f.out()), 15_000, 'the existing pane');
      t.writeSpec(
        'web/app.yaml',
        specDoc({
          ...web([{ command: says('api-zero') }, { command: LONG_RUNNING }, { command: says('api-two') }]),
          'lf-later': quickSession(says('not-mine')),
        }),
      );
      expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      await waitFor(() => /^lf-web:api\.2\s+\| api-two$/m.test(f.out()), 15_000, 'the new pane');
      expect(f.out()).not.toContain('not-mine');
      expect(await f.stop()).toBe(0);
    } finally {
      f.kill();
    }
  }, 45_000);

  it('with a target that has no log yet: waits for it (saying so) instead of failing, then follows it', async () => {
    const f = follow(['lf-soon', '--follow']);
    try {
      await waitFor(() => f.err().includes('no pane logs for "lf-soon" yet: waiting'), 15_000, 'the waiting note');
      const file = t.writeSpec('soon/app.yaml', specDoc({ 'lf-soon': quickSession(says('soon-hello')) }));
      expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
      await waitFor(() => /^lf-soon\s+\| soon-hello$/m.test(f.out()), 15_000, 'the first line');
      expect(await f.stop()).toBe(0);
    } finally {
      f.kill();
    }
    // Without --follow it is still an error.
    const once = await t.tmuxctl(['logs', 'lf-never']);
    expect(once.exitCode).toBe(2);
  }, 45_000);
});
