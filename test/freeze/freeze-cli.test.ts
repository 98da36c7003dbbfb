import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { foregroundGroup } from '../../src/process/table.js';
import { loadDesiredState } from '../../src/spec/load.js';
import { cliPath, createTmuxServer, destroyTmuxServer, readIfExists, repoRoot, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** An interactive bash that reads no rc file: what a person's shell pane is, minus their config. */
const BASH = ['bash', '--norc', '--noprofile'];
/** freeze writes `shell:` only for a shell that is not the user's login shell. */
const bashField = path.basename(os.userInfo().shell || '/bin/sh') === 'bash' ? {} : { shell: 'bash' };

async function panePid(target: string): Promise<number> {
  return Number((await t.tmux('display-message', '-p', '-t', target, '#{pane_pid}')).trim());
}

/** Types `line` into the shell of `target` and waits until it runs as the terminal's foreground job. */
async function runJob(target: string, line: string): Promise<void> {
  const pid = await panePid(target);
  // The shell must be reading its terminal first, or the keys would be lost to its start-up.
  await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', target)).trim() !== '', 5000, `a prompt in ${target}`);
  await t.tmux('send-keys', '-t', target, line, 'Enter');
  await waitFor(
    () => {
      const group = foregroundGroup(pid);
      return group !== undefined && group !== pid;
    },
    5000,
    `${line} in the foreground of ${target}`,
  );
}

/**
 * A hand-made session as people build them: an editor shell running a job, a window of three panes
 * (a program run directly, an idle shell elsewhere, a shell command) in a layout, a second window
 * named like the first; a session whose name is no spec name; one that tmuxctl owns.
 */
async function buildSessions(): Promise<{ shop: string; api: string; logs: string; notes: string }> {
  const shop = t.path('src', 'shop');
  const api = path.join(shop, 'api');
  const logs = t.path('logs');
  const notes = t.path('notes');
  for (const d of [api, logs, notes]) mkdirSync(d, { recursive: true });
  await t.tmux('new-session', '-d', '-s', 'shop', '-n', 'editor', '-x', '160', '-y', '48', '-c', shop, '--', ...BASH);
  await t.tmux('new-window', '-t', '=shop:', '-n', 'servers', '-c', shop, '--', 'sleep', '2000');
  await t.tmux('split-window', '-t', '=shop:servers', '-c', api, '--', ...BASH);
  await t.tmux('split-window', '-t', '=shop:servers', '-c', logs, '--', 'sh', '-c', 'sleep 2500; echo done');
  await t.tmux('select-layout', '-t', '=shop:servers', 'main-vertical');
  await t.tmux('new-window', '-t', '=shop:', '-n', 'editor', '-c', shop, '--', ...BASH);
  await t.tmux('new-session', '-d', '-s', 'my notes', '-n', 'notes', '-c', notes, '--', ...BASH);
  await t.tmux('new-session', '-d', '-s', 'managed', '-n', 'sleeper', '--', 'sleep', '2600');
  await t.tmux('set-option', '-t', '=managed:', '@tmuxctl-hash', 'v1.x');
  await runJob('=shop:0.0', 'sleep 1000');
  return { shop, api, logs, notes };
}

describe('tmuxctl freeze against a real tmux', () => {
  it('writes every session tmuxctl does not own: windows, panes, layout, keys for jobs, argv for programs, cwds', async () => {
    const dirs = await buildSessions();
    const layout = (await t.tmux('display-message', '-p', '-t', '=shop:servers', '#{window_layout}')).trim();

    const r = await t.tmuxctl(['freeze']);
    expect(r.stderr).toBe('froze 2 sessions (4 windows, 6 panes); 2 names changed (see the comments)\n');
    expect(r.exitCode).toBe(0);
    const schemaId = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'tmuxctl.schema.json'), 'utf8')).$id;
    expect(r.stdout.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schemaId}`);
    expect(r.stdout).toContain(`# tmux session "my notes" renamed my-notes:`);
    expect(r.stdout).toContain(`# tmux window "editor" renamed editor-2: an earlier window of this session has that name`);

    // The real loader reads it without a problem.
    const file = t.path('loaded', 'frozen.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, r.stdout);
    const loaded = await loadDesiredState([file], { cwd: t.root, env: {} });
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    expect(loaded.ok && loaded.desired.sessions.flatMap((s) => s.windows.flatMap((w) => w.panes.map((p) => [p.target, p.keys ?? p.command])))).toEqual([
      ['my-notes', ''],
      ['shop:editor.0', 'sleep 1000'],
      ['shop:servers.0', { kind: 'argv', argv: ['sleep', '2000'] }],
      ['shop:servers.1', ''],
      ['shop:servers.2', { kind: 'shell', script: 'sleep 2500; echo done' }],
      ['shop:editor-2.0', ''],
    ]);

    // HOME is a folder of the test's own, so no cwd is written with '~'.
    expect(parse(r.stdout)).toEqual({
      version: 1,
      sessions: {
        'my-notes': { cwd: dirs.notes, windows: [{ name: 'notes', ...bashField, keys: '' }] },
        shop: {
          windows: [
            { name: 'editor', cwd: dirs.shop, ...bashField, keys: 'sleep 1000' },
            {
              name: 'servers',
              layout,
              panes: [
                { command: ['sleep', '2000'], cwd: dirs.shop },
                { ...bashField, keys: '', cwd: dirs.api },
                { command: 'sleep 2500; echo done', cwd: dirs.logs },
              ],
            },
            { name: 'editor-2', cwd: dirs.shop, ...bashField, keys: '' },
          ],
        },
      },
    });
  });

  it('named sessions only, owned ones too; a name not there is exit 2 listing the sessions that are', async () => {
    const r = await t.tmuxctl(['freeze', 'managed']);
    expect(r.exitCode).toBe(0);
    expect(parse(r.stdout).sessions).toEqual({ managed: { cwd: expect.any(String), windows: [{ name: 'sleeper', command: ['sleep', '2600'] }] } });

    const missing = await t.tmuxctl(['freeze', 'shop', 'nope']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('tmuxctl: no session named "nope" (sessions: managed, my notes, shop)\n');
  });

  it('-o FILE writes the file and refuses to replace it without --force', async () => {
    const file = t.path('out', 'frozen.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    const first = await t.tmuxctl(['freeze', 'shop', '-o', file]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe(`froze 1 session (3 windows, 5 panes) to ${file}; 1 name changed (see the comments)\n`);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe((await t.tmuxctl(['freeze', 'shop'])).stdout);

    writeFileSync(file, 'mine\n');
    const again = await t.tmuxctl(['freeze', 'shop', '-o', file]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(`tmuxctl: ${file} already exists: pass --force to replace it, or choose another path\n`);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');

    expect((await t.tmuxctl(['freeze', 'shop', '-o', file, '--force'])).exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('a pipeline whose first command already ended: the job is the oldest process left in its group', async () => {
    await t.tmux('new-session', '-d', '-s', 'piped', '-n', 'job', '--', ...BASH);
    await runJob('=piped:0.0', 'true | sleep 1001');
    const r = await t.tmuxctl(['freeze', 'piped']);
    expect(r.exitCode).toBe(0);
    expect(parse(r.stdout).sessions.piped.windows).toEqual([{ name: 'job', ...bashField, keys: 'sleep 1001' }]);
  });

  it('run inside a pane it freezes (`tmuxctl freeze -o FILE` typed in a shell), that pane is its shell alone, not a job that freezes again', async () => {
    await t.tmux('new-session', '-d', '-s', 'self', '-n', 'here', '--', ...BASH);
    await t.tmux('new-window', '-t', '=self:', '-n', 'there', '--', ...BASH);
    await runJob('=self:1.0', 'sleep 1002');
    const file = t.path('self', 'frozen.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    // Typed as a person would, into the pane that is frozen.
    const typed = [process.execPath, cliPath, '-L', t.socket, 'freeze', 'self', '-o', file].map((w) => `'${w}'`).join(' ');
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', '=self:0.0')).trim() !== '', 5000, 'a prompt');
    await t.tmux('send-keys', '-t', '=self:0.0', typed, 'Enter');
    const text = await waitFor(
      () => {
        const written = readIfExists(file);
        return written?.includes('version: 1') ? written : undefined;
      },
      15_000,
      'the frozen file',
    );
    expect(parse(text).sessions.self.windows).toEqual([
      { name: 'here', ...bashField, keys: '' },
      { name: 'there', ...bashField, keys: 'sleep 1002' },
    ]);
  });

  it('a shell whose folder was removed: its cwd is left out, and the spec still loads', async () => {
    const dir = t.path('removed-soon');
    mkdirSync(dir);
    await t.tmux('new-session', '-d', '-s', 'gone', '-n', 'sh', '-c', dir, '--', ...BASH);
    await waitFor(async () => (await t.tmux('capture-pane', '-p', '-t', '=gone:0.0')).trim() !== '', 5000, 'a prompt');
    rmdirSync(dir);
    const r = await t.tmuxctl(['freeze', 'gone']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`# its working directory "${dir} (deleted)" no longer exists: left out`);
    const file = t.path('loaded', 'gone.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, r.stdout);
    const loaded = await loadDesiredState([file], { cwd: t.root, env: {} });
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
  });

  it('-o on a FIFO nobody reads fails at once, even with --force (an open for writing would wait for a reader)', async () => {
    const fifo = t.path('out', 'pipe');
    mkdirSync(path.dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    const r = await t.tmuxctl(['freeze', 'shop', '-o', fifo, '--force'], { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`tmuxctl: ${fifo}: exists and is a FIFO (named pipe) with no reader; give a path for the spec file\n`);
  });
});

/**
 * Needs the windows-and-panes core (apply creating windows and panes, diff per pane): freeze,
 * apply what it wrote to a second tmux server, and the copy is in sync and freezes to the same spec.
 */
describe('freeze, apply on a copy, diff: in sync', () => {
  const copy = createTmuxServer();
  afterAll(() => destroyTmuxServer(copy));

  it('the frozen spec applies on another server, diff finds nothing to do, and freezing the copy gives the same spec', async () => {
    const names = ['my notes', 'shop'];
    if ((await t.tmuxResult(['has-session', '-t', '=shop'])).exitCode !== 0) await buildSessions();
    const original = await t.tmuxctl(['freeze', ...names]);
    expect(original.exitCode).toBe(0);
    const file = copy.writeSpec('frozen.yaml', original.stdout);

    const apply = await copy.tmuxctl(['apply', '-f', file], { timeoutMs: 60_000 });
    expect(apply.stderr).toBe('');
    expect(apply.exitCode).toBe(0);
    const diff = await copy.tmuxctl(['diff', '-f', file]);
    expect(diff.stdout).toMatch(/^in sync/);
    expect(diff.exitCode).toBe(0);

    // The typed job runs in the copy's shell once the shell has read it.
    const frozenCopy = await waitFor(
      async () => {
        const r = await copy.tmuxctl(['freeze', 'my-notes', 'shop']);
        return r.exitCode === 0 && r.stdout.includes('keys: sleep 1000') ? r.stdout : undefined;
      },
      10_000,
      'the copy freezing with its typed job running',
    );
    // Window sizes differ between two detached servers, and with them the layout strings' numbers.
    const withoutLayouts = (text: string) => JSON.parse(JSON.stringify(parse(text)), (k, v) => (k === 'layout' ? 'LAYOUT' : v));
    expect(withoutLayouts(frozenCopy)).toEqual(withoutLayouts(original.stdout));
  });
});

describe('freeze, then adopt the very sessions frozen', () => {
  it('the frozen spec matches what runs: adopt takes the session over with every pid kept, and diff finds it in sync', async () => {
    const dir = t.path('adopted');
    mkdirSync(dir);
    await t.tmux('new-session', '-d', '-s', 'adoptme', '-n', 'editor', '-c', dir, '--', ...BASH);
    await t.tmux('new-window', '-t', '=adoptme:', '-n', 'servers', '-c', dir, '--', 'sleep', '2100');
    await t.tmux('split-window', '-t', '=adoptme:servers', '-c', dir, '--', ...BASH);
    await t.tmux('split-window', '-t', '=adoptme:servers', '-c', dir, '--', 'sh', '-c', 'sleep 2200; echo done');
    await runJob('=adoptme:0.0', 'sleep 1003');
    const pids = async () => (await t.tmux('list-panes', '-s', '-t', '=adoptme:', '-F', '#{pane_id} #{pane_pid}')).trim();
    const before = await pids();

    const file = t.path('adopted', 'frozen.yaml');
    expect((await t.tmuxctl(['freeze', 'adoptme', '-o', file])).exitCode).toBe(0);
    const adopt = await t.tmuxctl(['adopt', '-f', file, 'adoptme']);
    expect(adopt.stderr).toBe('');
    expect(adopt.exitCode).toBe(0);
    const diff = await t.tmuxctl(['diff', '-f', file]);
    expect(diff.stdout).toMatch(/^in sync/);
    expect(diff.exitCode).toBe(0);
    expect(await pids()).toBe(before);
  });
});
