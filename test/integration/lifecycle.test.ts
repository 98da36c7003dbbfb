import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, killOwned, LONG_RUNNING, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** PIDs the tests recorded; killed in teardown should a test fail half-way and leave one behind. */
const recorded: number[] = [];
afterAll(() => killOwned(recorded, 'sleep'));

/**
 * A command with a family: a background child, and a grandchild whose parent exits at once (so it
 * is reparented away from the tree and only its session id still says where it came from). It
 * writes "shell child grandchild" PIDs to $PIDS.
 */
const FAMILY = [
  `sleep 100001 & child=$!`,
  `(sleep 100002 & echo $! > "$PIDS.g")`,
  `echo "$$ $child $(cat "$PIDS.g")" > "$PIDS.tmp" && mv "$PIDS.tmp" "$PIDS"`,
  `wait`,
].join('\n');

async function familyOf(pidsFile: string): Promise<number[]> {
  const text = await waitFor(() => readIfExists(pidsFile), 5000, `${pidsFile} written`);
  const pids = text.trim().split(' ').map(Number);
  expect(pids).toHaveLength(3);
  recorded.push(...pids);
  for (const pid of pids) expect(isProcessAlive(pid), `pid ${pid} alive before the stop`).toBe(true);
  return pids;
}

describe('stopping leaves no process behind', () => {
  it('delete stops the whole tree: the pane process, its background child and a reparented grandchild', async () => {
    const pidsFile = t.path('delete.pids');
    const file = t.writeSpec('delete/app.yaml', specDoc({ 'del-a': quickSession(FAMILY, { env: { PIDS: pidsFile } }), 'del-b': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const pids = await familyOf(pidsFile);
    const b = (await t.pane('del-b'))!;

    const r = await t.tmuxctl(['delete', 'del-a']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('- kill del-a (deleted)\ndeleted: 1 session\n');
    // delete returns only once the tree is gone: no polling needed here.
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(await t.pane('del-a')).toBeUndefined();
    expect((await t.pane('del-b'))!.pid).toBe(b.pid);

    const again = await t.tmuxctl(['delete', 'del-a']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('del-a: not found, nothing to delete');
  });

  it('delete -f stops every declared session; a tree that ignores SIGTERM and SIGHUP is SIGKILLed after stopTimeoutSeconds', async () => {
    const pidsFile = t.path('stubborn.pids');
    const file = t.writeSpec(
      'stubborn/app.yaml',
      specDoc({
        // Ignored signals are inherited by the children: only SIGKILL ends this family. HUP too, since
        // kill-session hangs up the pane's terminal, which would otherwise do the escalation's work.
        'del-stubborn': { command: `trap '' TERM HUP\n${FAMILY}`, env: { PIDS: pidsFile }, startSeconds: 0, stopTimeoutSeconds: 0.5 },
        'del-plain': quickSession(LONG_RUNNING),
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const pids = await familyOf(pidsFile);

    const r = await t.tmuxctl(['delete', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('- kill del-plain (deleted)\n- kill del-stubborn (deleted)\ndeleted: 2 sessions\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(500);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(await t.sessionNames()).not.toEqual(expect.arrayContaining(['del-plain']));
    expect(await t.sessionNames()).not.toEqual(expect.arrayContaining(['del-stubborn']));
  });

  it('a restart (spec change) and a prune stop the old tree as well', async () => {
    const pidsFile = t.path('restart.pids');
    const spec = (tag: string) => specDoc({ 'rst-fam': quickSession(`# ${tag}\n${FAMILY}`, { env: { PIDS: pidsFile } }) });
    const file = t.writeSpec('restartfam/app.yaml', spec('one'));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const first = await familyOf(pidsFile);

    t.writeSpec('restartfam/app.yaml', spec('two'));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toBe('~ restart rst-fam (command changed)\napplied: 1 restarted\n');
    expect(first.filter(isProcessAlive)).toEqual([]);
    const second = await waitFor(async () => {
      const pids = readIfExists(pidsFile)?.trim().split(' ').map(Number);
      return pids && pids[0] !== first[0] ? pids : undefined;
    });
    recorded.push(...second);

    t.writeSpec('restartfam/app.yaml', specDoc({ 'rst-other': quickSession(LONG_RUNNING) }));
    const pruned = await t.tmuxctl(['apply', '-f', file]);
    expect(pruned.stdout).toContain('- kill rst-fam (no longer declared)');
    expect(second.filter(isProcessAlive)).toEqual([]);
  });
});

describe('concurrent applies', () => {
  it('serialise on the lock: both succeed, each session is created once, the second finds nothing to do', async () => {
    const names = ['conc-a', 'conc-b', 'conc-c'];
    const file = t.writeSpec('concurrent/app.yaml', specDoc(Object.fromEntries(names.map((n) => [n, { command: LONG_RUNNING, startSeconds: 0.5 }]))));
    // The second names the same server by -S path rather than -L name: the lock must be the same.
    const socketPath = path.join(t.tmpDir, `tmux-${process.getuid!()}`, t.socket);
    const [one, two] = await Promise.all([t.tmuxctl(['apply', '-f', file]), t.tmuxctl(['-S', socketPath, 'apply', '-f', file])]);
    for (const r of [one, two]) {
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    const outputs = [one.stdout, two.stdout].sort();
    expect(outputs).toEqual([
      '+ create conc-a (not found)\n+ create conc-b (not found)\n+ create conc-c (not found)\napplied: 3 created\n',
      'in sync: 3 sessions, nothing to do\n',
    ]);
    const panes = (await t.panes()).filter((p) => names.includes(p.session));
    expect(panes.map((p) => p.session).sort()).toEqual(names);
    expect(panes.every((p) => !p.dead && p.restarts === '0')).toBe(true);
    expect((await t.tmuxctl(['-S', socketPath, 'diff', '-f', file])).exitCode).toBe(0);
  });

  it('a waiter that cannot get the lock in time gives up with exit 3 and changes nothing', async () => {
    const slow = t.writeSpec('locked/slow.yaml', specDoc({ 'lock-slow': { command: LONG_RUNNING, startSeconds: 3 } }));
    const other = t.writeSpec('locked/other.yaml', specDoc({ 'lock-other': quickSession(LONG_RUNNING) }));
    const holder = t.tmuxctl(['apply', '-f', slow]);
    // The holder created its session and is now verifying start-up, lock held.
    await waitFor(() => t.pane('lock-slow'), 5000, 'lock-slow created');
    const waiter = await t.tmuxctl(['apply', '-f', other, '--lock-timeout', '0.3']);
    expect(waiter.exitCode).toBe(3);
    expect(waiter.stderr).toMatch(/^tmuxctl: lock .* not obtained within 0\.3s: another tmuxctl is reconciling this tmux server\n$/);
    expect(await t.pane('lock-other')).toBeUndefined();
    expect((await holder).exitCode).toBe(0);
  });
});

describe('global options and runtime failures', () => {
  it('--state-dir holds the event log and the lock', async () => {
    const stateDir = t.path('other-state');
    const file = t.writeSpec('statedir/app.yaml', specDoc({ 'sd-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['--state-dir', stateDir, 'apply', '-f', file])).exitCode).toBe(0);
    expect(readIfExists(path.join(stateDir, 'events.log'))).toMatch(/"session":"sd-a"/);
    expect(readdirSync(path.join(stateDir, 'locks'))).toHaveLength(1);
  });

  it('a tmux that cannot start its server is a runtime failure: exit 3, with tmux’s reason', async () => {
    const file = t.writeSpec('badsocket/app.yaml', specDoc({ 'bad-sock': quickSession(LONG_RUNNING) }));
    const socket = t.path('no-such-folder', 'sock');
    const r = await t.tmuxctl(['-S', socket, 'apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain(`✗ failed bad-sock (did not start: error creating ${socket} (No such file or directory))`);
  });
});

describe('tmux missing', () => {
  it('every command that needs tmux says so in one line and exits 3', async () => {
    // A PATH with what tmuxctl needs besides tmux (flock and the shell it runs), and no tmux.
    const bin = t.path('no-tmux-bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['flock', 'sh', 'cat']) {
      const real = (await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim();
      symlinkSync(real, path.join(bin, tool));
    }
    const file = t.writeSpec('notmux/app.yaml', specDoc({ 'ntm-a': quickSession(LONG_RUNNING) }));
    for (const args of [
      ['apply', '-f', file],
      ['apply', '--dry-run', '-f', file],
      ['diff', '-f', file],
      ['status', '-f', file],
      ['delete', 'ntm-a'],
    ]) {
      const r = await t.tmuxctl(args, { env: { PATH: bin } });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tmuxctl: tmux not found on PATH: install it \(.*apt-get install -y tmux.*\)\n$/);
    }
    expect(await t.pane('ntm-a')).toBeUndefined();
  });
});
