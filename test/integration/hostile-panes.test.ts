/**
 * Hostile tests of windows and panes (issue 9) against a real tmux: what a person does to a live
 * session by hand, sessions left by tmuxctl 0.1, adopt of what tmux started through its default
 * shell. Each test names the defect it pins down.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stampAsLegacy } from '../helpers/legacy.js';
import { allCmdlines, isProcessAlive, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

const quick = { startSeconds: 0, stopTimeoutSeconds: 1 };
const sleeper = (n: number) => ['sleep', String(310000 + n)];

async function paneStamped(session: string, window: string, index: number) {
  const p = (await t.panes()).find((x) => x.session === session && new RegExp(`(^| )w=${window} i=${index}( |$)`).test(x.stamp));
  if (!p) throw new Error(`no pane ${session}:${window}.${index}`);
  return p;
}

describe('a managed pane a person moved into their own window', () => {
  it('is stopped and killed with its window when the spec drops that window (not left running, stamped, "undeclared")', async () => {
    const servers = { name: 'servers', panes: [{ command: sleeper(1) }, { command: sleeper(2) }] };
    const file = t.writeSpec('moved/app.yaml', specDoc({ mv: { ...quick, windows: [{ name: 'editor', command: sleeper(3) }, servers] } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await t.tmux('new-window', '-d', '-t', '=mv:', '-n', 'mine', 'sleep 310009');
    const moved = await paneStamped('mv', 'servers', 1);
    await t.tmux('join-pane', '-d', '-s', moved.paneId, '-t', '=mv:=mine');

    t.writeSpec('moved/app.yaml', specDoc({ mv: { ...quick, windows: [{ name: 'editor', command: sleeper(3) }] } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('- kill-pane mv:servers.1 (window removed)');
    await waitFor(() => !isProcessAlive(moved.pid), 5000, 'the moved pane stopped');
    const left = (await t.panes()).filter((p) => p.session === 'mv');
    expect(left.filter((p) => p.stamp !== '').map((p) => p.windowName)).toEqual(['editor']);
    expect(left.some((p) => p.windowName === 'mine')).toBe(true); // the person's own pane stays
    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, '-o', 'json'])).stdout).sessions;
    expect(status.map((s: { name: string; state: string }) => `${s.name} ${s.state}`)).toEqual(['mv running']);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('adopt of panes tmux started through its default shell', () => {
  it('matches `bash -c "python3 -c CODE"` (bash exec\'d python3) against the spec [python3, -c, CODE]', async () => {
    const code = 'import time; time.sleep(310011)';
    // The interpreter itself (a pyenv shim would exec it under another argv[0]).
    const py = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    // A server to set the default shell on; tmux then starts the command as `bash -c TEXT`.
    await t.tmux('new-session', '-d', '-s', 'py-keep', 'sleep 310012');
    await t.tmux('set-option', '-g', 'default-shell', '/bin/bash');
    await t.tmux('new-session', '-d', '-s', 'py', '-n', 'web', `${py} -c '${code}'`);
    await waitFor(() => allCmdlines().some((p) => p.argv[0] === py && p.argv[2] === code), 5000, "python3 exec'd by bash");
    const before = (await t.panes()).filter((p) => p.session === 'py').map((p) => p.pid);
    const file = t.writeSpec('adopt/py.yaml', specDoc({ py: { ...quick, windows: [{ name: 'web', command: [py, '-c', code] }] } }));
    const r = await t.tmuxctl(['adopt', '-f', file, 'py']);
    expect([r.exitCode, r.stdout.trim()]).toEqual([0, '~ adopt py (windows, panes and commands match)\nadopted: 1 session']);
    expect((await t.panes()).filter((p) => p.session === 'py').map((p) => p.pid)).toEqual(before);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
    await t.tmux('kill-session', '-t', '=py-keep:');
  });
});

describe('upgrading a tmuxctl 0.1 session that kept its env in the session environment', () => {
  it('a window added after the upgrade sees only its own env, not the 0.1 values left in the session environment', async () => {
    const out = t.path('legacy-env.out');
    const file = t.writeSpec('legacy/env.yaml', specDoc({ old: { ...quick, env: { LEGACY_FOO: 'one' }, command: sleeper(21) } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    // Make it look as 0.1 left it: stamps on the session, the env in the session environment.
    const made = await stampAsLegacy(t, 'old', {
      '@tmuxctl-restarts': '0',
      '@tmuxctl-started': String(Date.now()),
      '@tmuxctl-env-keys': 'LEGACY_FOO',
    });
    await t.tmux('set-environment', '-t', made.sessionId, 'LEGACY_FOO', 'one');

    // The same pane, now one window of two; the new window declares no LEGACY_FOO.
    t.writeSpec(
      'legacy/env.yaml',
      specDoc({
        old: {
          ...quick,
          windows: [
            { name: 'old', env: { LEGACY_FOO: 'one' }, command: sleeper(21) },
            { name: 'extra', command: ['sh', '-c', `echo "LEGACY_FOO=[$LEGACY_FOO]" > ${out}; exec sleep 310022`] },
          ],
        },
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await t.pane('old'))!.pid).toBe(made.pid); // the 0.1 pane was not restarted
    const seen = await waitFor(() => {
      try {
        return readFileSync(out, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    });
    expect(seen).toBe('LEGACY_FOO=[]');
    // And a pane split later (a person's, or the next pane added) does not get it either.
    expect((await t.tmuxResult(['show-environment', '-t', made.sessionId, 'LEGACY_FOO'])).stdout).not.toContain('LEGACY_FOO=one');
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('a window with more panes than it has room for', () => {
  it('reports tmux\'s "no space for new pane" for the panes that were not made, not "managed pane gone"', async () => {
    await t.tmux('new-session', '-d', '-s', 'tiny-keep', 'sleep 310040'); // a server to set the option on
    await t.tmux('set-option', '-g', 'default-size', '10x4');
    try {
      const panes = [1, 2, 3, 4, 5, 6].map((n) => ({ command: sleeper(30 + n) }));
      const file = t.writeSpec('tiny/app.yaml', specDoc({ tiny: { ...quick, windows: [{ name: 'a', panes }] } }));
      const r = await t.tmuxctl(['apply', '-f', file]);
      expect(r.exitCode).toBe(3);
      expect(r.stdout).toMatch(/✗ failed tiny:a\.\d \(did not start: .*no space for new pane\)/);
      expect(r.stdout).not.toContain('managed pane gone');
      await t.tmuxctl(['delete', '-f', file]);
    } finally {
      await t.tmux('set-option', '-gu', 'default-size');
      await t.tmux('kill-session', '-t', '=tiny-keep:');
    }
  });
});

describe('logs of a pane whose target changes without a restart', () => {
  // DEFECT (left open, see the report): a pane's log file is named after its target, and its
  // pipe-pane is set only when it starts. A session of one pane (target `grow`) that gains a window
  // keeps its pane running, now named `grow:a.0`, still writing `grow.log`: `tmuxctl logs grow:a.0`
  // says "no logs" for a live pane, and its output is out of reach until it restarts. Recommended
  // fix: name log files by a key that does not depend on the pane count (`session:window.N` always,
  // reading the old `session.log` once for a 0.1 session), or re-point the pipe (pipe-pane, no
  // restart) in the same batch whenever a pane's target changes.
  it('`logs session:window.0` shows what the pane printed before its session grew a second window', async () => {
    const one = { ...quick, windows: [{ name: 'a', command: ['sh', '-c', 'echo grow-first-out; exec sleep 310051'] }] };
    const file = t.writeSpec('grow/app.yaml', specDoc({ grow: one }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(async () => (await t.tmuxctl(['logs', 'grow'])).stdout.includes('grow-first-out'), 5000, 'the first output logged');
    const two = { ...one, windows: [...one.windows, { name: 'b', command: sleeper(52) }] };
    t.writeSpec('grow/app.yaml', specDoc({ grow: two }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const r = await t.tmuxctl(['logs', 'grow:a.0']);
    expect([r.exitCode, r.stdout.includes('grow-first-out')]).toEqual([0, true]);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('renumber-windows on, and a managed pane a person broke out into a window of its own', () => {
  it("killing that pane (its window closes, the others are renumbered) does not throw the reorder off: the person's window stays where it was", async () => {
    const v1 = [
      { name: 'editor', command: sleeper(61) },
      { name: 'servers', panes: [{ command: sleeper(62) }, { command: sleeper(63) }] },
      { name: 'cache', command: sleeper(64) },
    ];
    const file = t.writeSpec('renumber/app.yaml', specDoc({ rn: { ...quick, windows: v1 } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await t.tmux('set-option', '-t', '=rn:', 'renumber-windows', 'on');
    await t.tmux('new-window', '-d', '-t', '=rn:', '-n', 'mine', 'sleep 310069');
    // servers.1 broken out into its own window right after editor: the windows after it move up.
    const broken = await paneStamped('rn', 'servers', 1);
    await t.tmux('break-pane', '-d', '-a', '-s', broken.paneId, '-t', '=rn:=editor', '-n', 'broke');
    const names = async () => (await t.tmux('list-windows', '-t', '=rn:', '-F', '#{window_name}')).trim().split('\n');
    expect(await names()).toEqual(['editor', 'broke', 'servers', 'cache', 'mine']);

    // servers loses its second pane, and the windows are reordered in the same pass.
    const v2 = [
      { name: 'cache', command: sleeper(64) },
      { name: 'editor', command: sleeper(61) },
      { name: 'servers', panes: [{ command: sleeper(62) }] },
    ];
    t.writeSpec('renumber/app.yaml', specDoc({ rn: { ...quick, windows: v2 } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await names()).toEqual(['cache', 'editor', 'servers', 'mine']);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('delete of a window or pane that is not there', () => {
  it('is reported (exit 0), as a session that is not there is', async () => {
    const file = t.writeSpec(
      'del/app.yaml',
      specDoc({ dl: { ...quick, windows: [{ name: 'a', panes: [{ command: sleeper(71) }, { command: sleeper(72) }] }] } }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const r = await t.tmuxctl(['delete', '-f', file, 'dl:nope', 'dl:a.7', 'gone']);
    expect([r.exitCode, r.stdout.trimEnd().split('\n')]).toEqual([
      0,
      ['  dl:nope: not found, nothing to delete', '  dl:a.7: not found, nothing to delete', '  gone: not found, nothing to delete', 'deleted: 0 sessions'],
    ]);
    expect((await t.panes()).filter((p) => p.session === 'dl' && p.stamp !== '')).toHaveLength(2);
    await t.tmuxctl(['delete', '-f', file]);
  });
});
