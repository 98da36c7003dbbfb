/**
 * A restart keeps the pane's history: the run that ended (its crash message too) stays above a
 * marker line, `[tmuxctl] restarted: <reason>`, then the new run follows. tmux's respawn-pane clears
 * the visible screen, so the new process reprints it from a private file it removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitOnceShown, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { livePid, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

/** Every line the pane holds, history and screen, blank lines left out. */
async function paneText(session: string): Promise<string[]> {
  const pane = (await t.pane(session))!;
  const out = await t.tmux('capture-pane', '-p', '-S', '-', '-t', pane.paneId);
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** The only log folder of this server (state/logs/server-TAG). */
function logDir(): string {
  const logs = path.join(t.stateDir, 'logs');
  const [server] = readdirSync(logs).filter((d) => d.startsWith('server-'));
  return path.join(logs, server!);
}

/** Where each wanted line is in `lines` (exact match), -1 when missing; each must be there once. */
function positions(lines: readonly string[], wanted: readonly string[]): number[] {
  for (const w of wanted)
    expect(
      lines.filter((l) => l === w),
      `${JSON.stringify(w)} once in:\n${lines.join('\n')}`,
    ).toHaveLength(1);
  return wanted.map((w) => lines.indexOf(w));
}

const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

/** 40 numbered lines (more than the 24-line screen, so some are in history), a crash message, then a crash: on the first run only. */
const CRASH_ONCE = [
  'if [ "$TMUXCTL_RESTARTS" = 0 ]; then',
  '  i=1; while [ $i -le 40 ]; do echo "first-run line $i"; i=$((i+1)); done;',
  `  echo "fatal: crash-msg"; ${exitOnceShown('fatal: crash-msg', 3)};`,
  'fi;',
  'echo "second run $TMUXCTL_RESTARTS"; exec sleep 100000',
].join(' ');

describe('a restart keeps the pane history, with a marker line', () => {
  it('after a crash restarted by watch: the whole previous run, its crash message, the marker, then the new run', async () => {
    const file = t.writeSpec('crash/app.yaml', specDoc({ 'hist-crash': quickSession(CRASH_ONCE, { restart: 'always' }) }));
    await startWatch(t, { args: ['-f', file] });
    await waitFor(async () => (await paneText('hist-crash').catch((): string[] => [])).includes('second run 1'), 10_000, 'the second run');
    const lines = await paneText('hist-crash');
    const at = positions(lines, [
      'first-run line 1', // in history before the restart
      'first-run line 40', // on the screen when the pane died
      'fatal: crash-msg',
      '[tmuxctl] restarted: exited with status 3',
      'second run 1',
    ]);
    expect(ascending(at), lines.join('\n')).toBe(true);
    // tmux's own banner is not the process's output, and is not reprinted.
    expect(lines.some((l) => l.startsWith('Pane is dead'))).toBe(false);
    // The log already has the first run: the reprint is not logged again; the log's own marker stays.
    const log = readFileSync(path.join(logDir(), 'hist-crash.log'), 'utf8');
    expect(log.split('fatal: crash-msg')).toHaveLength(2);
    expect(log).not.toContain('[tmuxctl] restarted:');
    expect(log).toMatch(/\[tmuxctl [0-9TZ:.-]+\] restarted \(exited with status 3\)/);
    expect(log).toContain('second run 1');
  });

  it('after a kill -9 restarted by watch: the marker names the signal', async () => {
    const file = t.writeSpec('kill9/app.yaml', specDoc({ 'hist-k9': quickSession('echo "alive $TMUXCTL_RESTARTS"; exec sleep 100000') }));
    await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(() => livePid(t, 'hist-k9'), 10_000, 'hist-k9 running');
    await waitFor(async () => (await paneText('hist-k9')).includes('alive 0'), 5000, 'first output');
    process.kill(first, 'SIGKILL');
    await waitFor(async () => (await paneText('hist-k9')).includes('alive 1'), 10_000, 'the second run');
    const lines = await paneText('hist-k9');
    expect(ascending(positions(lines, ['alive 0', '[tmuxctl] restarted: killed by signal 9', 'alive 1'])), lines.join('\n')).toBe(true);
  });

  it('after a spec change applied: the previous run last line, the marker with the reason apply printed, then the new run', async () => {
    const file = t.writeSpec('change/app.yaml', specDoc({ 'hist-change': quickSession('echo "alpha output"; echo "alpha last line"; exec sleep 100000') }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await paneText('hist-change')).includes('alpha last line'), 5000, 'first output');
    t.writeSpec('change/app.yaml', specDoc({ 'hist-change': quickSession('echo "beta first line"; exec sleep 100000') }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const reason = /~ restart hist-change \((.+)\)/.exec(r.stdout)?.[1];
    expect(reason, r.stdout).toBe('command changed');
    await waitFor(async () => (await paneText('hist-change')).includes('beta first line'), 5000, 'the new run');
    const lines = await paneText('hist-change');
    expect(ascending(positions(lines, ['alpha last line', `[tmuxctl] restarted: ${reason}`, 'beta first line'])), lines.join('\n')).toBe(true);
  });

  it('the screen is carried in a file that is removed once printed, and never in any argv', async () => {
    const secret = 'screen-secret-4711';
    const file = t.writeSpec('secret/app.yaml', specDoc({ 'hist-secret': quickSession(`echo ${secret}-$TMUXCTL_RESTARTS; exec sleep 100000`) }));
    await t.tmuxctl(['apply', '-f', file]);
    const first = await waitFor(() => livePid(t, 'hist-secret'), 5000, 'running');
    await waitFor(async () => (await paneText('hist-secret')).includes(`${secret}-0`), 5000, 'first output');
    process.kill(first, 'SIGKILL');
    await waitFor(async () => (await t.pane('hist-secret'))?.dead, 5000, 'pane dead');
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await paneText('hist-secret')).includes(`${secret}-1`), 5000, 'the second run');
    expect(await paneText('hist-secret')).toContain(`${secret}-0`); // reprinted from the file
    const carry = path.join(logDir(), 'carry');
    await waitFor(() => readdirSync(carry).length === 0, 5000, 'the carried screen removed');
    // The argv tmux started the pane with (the wrapper's) names the file, never holds the screen.
    const pane = (await t.pane('hist-secret'))!;
    const started = await t.tmux('display-message', '-p', '-t', pane.paneId, '#{pane_start_command}');
    expect(started).toContain('tmuxctl-restarted');
    expect(started).not.toContain(`${secret}-0`);
    // The pane's process is the command itself (the wrapper exec'd it, same pid): nothing of the wrapper is left.
    expect(readFileSync(`/proc/${pane.pid}/cmdline`, 'utf8')).toBe('sleep\u0000100000\u0000');
  });

  it('a pane whose PATH leads to no sh, cat or rm is still restarted with its screen and the marker, and the screen does not stay behind', async () => {
    // A pane gets tmuxctl's PATH: one holding only what tmuxctl itself needs.
    const which = (cmd: string) => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
    const bin = t.path('bin', 'tmux-and-flock-only');
    mkdirSync(bin, { recursive: true });
    for (const cmd of ['tmux', 'flock']) symlinkSync(which(cmd), path.join(bin, cmd));
    const env = { PATH: bin };
    const command = ['/bin/sh', '-c', `echo "no path $TMUXCTL_RESTARTS"; exec ${which('sleep')} 100000`];
    const file = t.writeSpec('nopath/app.yaml', specDoc({ 'hist-nopath': quickSession(command) }));
    expect((await t.tmuxctl(['apply', '-f', file], { env })).exitCode).toBe(0);
    const first = await waitFor(() => livePid(t, 'hist-nopath'), 5000, 'running');
    await waitFor(async () => (await paneText('hist-nopath')).includes('no path 0'), 5000, 'first output');
    process.kill(first, 'SIGKILL');
    await waitFor(async () => (await t.pane('hist-nopath'))?.dead, 5000, 'pane dead');
    expect((await t.tmuxctl(['apply', '-f', file], { env })).exitCode).toBe(0);
    await waitFor(async () => (await paneText('hist-nopath')).includes('no path 1'), 5000, 'the second run');
    const lines = await paneText('hist-nopath');
    expect(ascending(positions(lines, ['no path 0', '[tmuxctl] restarted: killed by signal 9', 'no path 1'])), lines.join('\n')).toBe(true);
    // No rm on its PATH: the file may stay, emptied by the shell itself.
    const left = path.join(logDir(), 'carry', 'hist-nopath.screen');
    expect(readIfExists(left) ?? '').toBe('');
  });

  it('verify reports only what the failed run printed, not the run above the marker', async () => {
    const file = t.writeSpec(
      'verify/app.yaml',
      specDoc({ 'hist-verify': { command: 'echo "old run output"; exec sleep 100000', startSeconds: 1, stopTimeoutSeconds: 1 } }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await paneText('hist-verify')).includes('old run output'), 5000, 'first output');
    t.writeSpec(
      'verify/app.yaml',
      specDoc({
        'hist-verify': { command: `echo "new run output"; ${exitOnceShown('new run output', 4)}`, startSeconds: 1, stopTimeoutSeconds: 1, restart: 'never' },
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    const said = r.stdout + r.stderr;
    expect(said).toContain('| new run output');
    expect(said).not.toContain('old run output');
    expect(said).not.toContain('[tmuxctl] restarted:');
    // Both runs are still in the pane.
    const lines = await paneText('hist-verify');
    expect(ascending(positions(lines, ['old run output', '[tmuxctl] restarted: command changed', 'new run output'])), lines.join('\n')).toBe(true);
  });

  it('freeze shows a dead restarted pane by its own command, not the reprint wrapper', async () => {
    const file = t.writeSpec('freeze/app.yaml', specDoc({ 'hist-freeze': quickSession('echo one; exec sleep 100000', { restart: 'never' }) }));
    await t.tmuxctl(['apply', '-f', file]);
    t.writeSpec('freeze/app.yaml', specDoc({ 'hist-freeze': quickSession('echo two; exit 5', { restart: 'never' }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await t.pane('hist-freeze'))?.dead, 5000, 'the new run to end');
    const r = await t.tmuxctl(['freeze', 'hist-freeze']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('tmuxctl-restarted');
    expect(r.stdout).toContain('tmux shows its start command as "sh -c \\"echo two; exit 5\\""');
  });
});
