import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

describe('apply: create, no-op, restart only what changed', () => {
  it('creates every declared session, on a server it starts itself, and returns promptly with stdout piped', async () => {
    const file = t.writeSpec('create/app.yaml', specDoc({ 'cr-alpha': quickSession(LONG_RUNNING), 'cr-beta': quickSession('exec sleep 100000') }));
    // No server runs yet: this apply starts it. execa pipes stdout and waits for it to close, so a
    // daemon that kept the pipe open would show up here as a timeout.
    const r = await t.tmuxctl(['apply', '-f', file], { timeoutMs: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('+ create cr-alpha (not found)\n+ create cr-beta (not found)\napplied: 2 created\n');
    expect(r.durationMs).toBeLessThan(5000);

    const alpha = await t.pane('cr-alpha');
    const beta = await t.pane('cr-beta');
    expect(alpha).toMatchObject({ dead: false, source: file, restarts: '0' });
    expect(alpha!.hash).toMatch(/^v1\./);
    expect(beta).toMatchObject({ dead: false, source: file });
    // remain-on-exit is set per window, never globally (the user's own windows keep theirs).
    expect((await t.tmux('show-options', '-w', '-v', '-t', `${alpha!.paneId}`, 'remain-on-exit')).trim()).toBe('on');
    expect((await t.tmux('show-options', '-g', '-w', '-v', 'remain-on-exit')).trim()).toBe('off');
  });

  it('re-apply changes nothing: same pane PIDs, same sessions, says in sync', async () => {
    const file = t.writeSpec('noop/app.yaml', specDoc({ 'noop-a': quickSession(LONG_RUNNING), 'noop-b': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = (await t.panes()).filter((p) => p.session.startsWith('noop-'));
    expect(before).toHaveLength(2);

    const again = await t.tmuxctl(['apply', '-f', file]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('in sync: 2 sessions, nothing to do\n');
    const after = (await t.panes()).filter((p) => p.session.startsWith('noop-'));
    expect(after.map((p) => [p.session, p.sessionId, p.created, p.paneId, p.pid])).toEqual(
      before.map((p) => [p.session, p.sessionId, p.created, p.paneId, p.pid]),
    );
  });

  it('a changed command restarts only that session, and a spec change is not counted as a restart', async () => {
    const specs = (cmdB: string[]) => specDoc({ 'chg-a': quickSession(LONG_RUNNING), 'chg-b': quickSession(cmdB) });
    const file = t.writeSpec('change/app.yaml', specs(LONG_RUNNING));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const a1 = (await t.pane('chg-a'))!;
    const b1 = (await t.pane('chg-b'))!;

    t.writeSpec('change/app.yaml', specs(['sleep', '100001']));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('~ restart chg-b (command changed)\napplied: 1 restarted\n');

    const a2 = (await t.pane('chg-a'))!;
    const b2 = (await t.pane('chg-b'))!;
    expect(a2.pid).toBe(a1.pid);
    expect(b2.pid).not.toBe(b1.pid);
    expect(b2.dead).toBe(false);
    expect(b2.sessionId).toBe(b1.sessionId);
    expect(b2.hash).not.toBe(b1.hash);

    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, '-o', 'json'])).stdout);
    expect(status.sessions.find((s: { name: string }) => s.name === 'chg-b')).toMatchObject({ state: 'running', restarts: 0, pid: b2.pid });
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
  });

  it('a changed cwd is named as such', async () => {
    const dir = t.path('cwd-target');
    t.writeFile('cwd-target/.keep', '');
    const file = t.writeSpec('cwd/app.yaml', specDoc({ 'cwd-a': quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    t.writeSpec('cwd/app.yaml', specDoc({ 'cwd-a': quickSession(LONG_RUNNING, { cwd: dir }) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain('~ restart cwd-a (cwd changed)');
    const pane = (await t.pane('cwd-a'))!;
    expect((await t.tmux('display-message', '-p', '-t', pane.paneId, '#{pane_current_path}')).trim()).toBe(dir);
  });
});

describe('dry run and diff', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const file = t.writeSpec('dry/app.yaml', specDoc({ 'dry-a': quickSession(LONG_RUNNING) }));
    const r = await t.tmuxctl(['apply', '--dry-run', '-f', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('+ create dry-a (not found)\ndry run, would be: 1 created\n');
    expect(await t.pane('dry-a')).toBeUndefined();

    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = (await t.pane('dry-a'))!;
    t.writeSpec('dry/app.yaml', specDoc({ 'dry-a': quickSession(['sleep', '100002']) }));
    const dry = await t.tmuxctl(['apply', '--dry-run', '-f', file, '-o', 'json']);
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ actions: [{ action: 'restart', session: 'dry-a', reason: 'command changed' }], dryRun: true });
    const after = (await t.pane('dry-a'))!;
    expect([after.pid, after.hash]).toEqual([before.pid, before.hash]);
  });

  it('diff (and its alias plan) exits 1 while changes are pending and 0 in sync', async () => {
    const file = t.writeSpec('diff/app.yaml', specDoc({ 'diff-a': quickSession(LONG_RUNNING) }));
    const pending = await t.tmuxctl(['diff', '-f', file]);
    expect(pending.exitCode).toBe(1);
    expect(pending.stdout).toBe('+ create diff-a (not found)\n1 change pending\n');
    expect((await t.tmuxctl(['plan', '-f', file])).exitCode).toBe(1);
    expect(await t.pane('diff-a')).toBeUndefined();

    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const inSync = await t.tmuxctl(['diff', '-f', file]);
    expect(inSync.exitCode).toBe(0);
    expect(inSync.stdout).toBe('in sync: 1 session\n');
    expect((await t.tmuxctl(['plan', '-f', file])).exitCode).toBe(0);
  });
});

describe('JSON output', () => {
  it('apply, diff and status print JSON with the documented keys', async () => {
    const file = t.writeSpec('json/app.yaml', specDoc({ 'json-a': quickSession(LONG_RUNNING), 'json-b': quickSession(LONG_RUNNING) }));
    const diff = await t.tmuxctl(['diff', '-f', file, '-o', 'json']);
    expect(diff.exitCode).toBe(1);
    const d = JSON.parse(diff.stdout);
    expect(d.actions).toEqual([
      { action: 'create', session: 'json-a', target: 'json-a', reason: 'not found', host: 'local' },
      { action: 'create', session: 'json-b', target: 'json-b', reason: 'not found', host: 'local' },
    ]);

    const apply = await t.tmuxctl(['apply', '-f', file, '-o', 'json']);
    expect(apply.exitCode).toBe(0);
    const a = JSON.parse(apply.stdout);
    expect(a.actions).toEqual(d.actions);
    expect(a.failures).toEqual([]);
    expect(a.summary).toMatchObject({ created: 2, restarted: 0, killed: 0, conflicts: 0, failed: 0 });

    const status = await t.tmuxctl(['status', '-f', file, '-o', 'json']);
    expect(status.exitCode).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(Object.keys(s)).toEqual(['sessions']);
    // Sessions of the other tests (other spec files, same server) are listed too, as undeclared.
    const mine = s.sessions.filter((row: { name: string }) => row.name.startsWith('json-'));
    expect(mine).toHaveLength(2);
    for (const row of s.sessions) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['name', 'state', 'pid', 'restarts', 'lastExitStatus', 'startedAt', 'source']));
      expect(['running', 'missing', 'drifted', 'exited', 'backoff', 'conflict', 'undeclared']).toContain(row.state);
    }
    for (const row of mine) {
      expect(row).toEqual(
        expect.objectContaining({
          name: expect.stringMatching(/^json-[ab]$/),
          state: 'running',
          pid: expect.any(Number),
          restarts: 0,
          lastExitStatus: null,
          startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          source: file,
        }),
      );
      expect(row.pid).toBe((await t.pane(row.name))!.pid);
    }

    const none = JSON.parse((await t.tmuxctl(['diff', '-f', file, '-o', 'json'])).stdout);
    expect(none.actions).toEqual([]);
  });

  it('status prints a table with the documented columns, and can be narrowed by name', async () => {
    const file = t.writeSpec('table/app.yaml', specDoc({ 'tab-a': quickSession(LONG_RUNNING), 'tab-b': quickSession(LONG_RUNNING) }));
    const missing = await t.tmuxctl(['status', '-f', file]);
    expect(missing.exitCode).toBe(0);
    const lines = missing.stdout.trimEnd().split('\n');
    // The documented columns, in this order (others, such as watch's HEALTH, may sit between them).
    const header = lines[0]!.split(/\s{2,}/);
    const documented = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'SOURCE'];
    expect(header.filter((h) => documented.includes(h))).toEqual(documented);
    expect([header[0], header.at(-1)]).toEqual(['NAME', 'SOURCE']);
    const mine = lines.slice(1).filter((l) => l.startsWith('tab-'));
    expect(mine.map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['tab-a', 'missing'],
      ['tab-b', 'missing'],
    ]);

    await t.tmuxctl(['apply', '-f', file]);
    const one = await t.tmuxctl(['status', '-f', file, 'tab-b']);
    const rows = one.stdout.trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.split(/\s+/).slice(0, 3)).toEqual(['tab-b', 'running', String((await t.pane('tab-b'))!.pid)]);
  });
});

describe('invalid input', () => {
  it('a broken spec exits 2, names the place, and leaves every session running', async () => {
    t.writeSpec('broken/good.yaml', specDoc({ 'brk-a': quickSession(LONG_RUNNING), 'brk-b': quickSession(LONG_RUNNING) }));
    const folder = t.path('specs', 'broken');
    expect((await t.tmuxctl(['apply', '-f', folder])).exitCode).toBe(0);
    const before = (await t.panes()).filter((p) => p.session.startsWith('brk-'));

    // brk-b's file now fails to load: were it read half-way, brk-b would look undeclared and be pruned.
    t.writeSpec('broken/good.yaml', 'version: 1\nsessions:\n  brk-a:\n    command: [sleep, "100000"]\n    restart: sometimes\n');
    t.writeSpec('broken/other.yaml', 'version: 1\nsessions:\n  brk-c:\n    command: [sleep\n');
    for (const cmd of [['apply'], ['apply', '--dry-run'], ['diff'], ['delete']]) {
      const r = await t.tmuxctl([...cmd, '-f', folder]);
      expect(r.exitCode, `${cmd.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^specs\/broken\/good\.yaml:5:\d+: sessions\.brk-a\.restart must be one of: always, on-failure, never$/m);
      expect(r.stderr).toMatch(/^specs\/broken\/other\.yaml:\d+:\d+: /m);
    }
    const after = (await t.panes()).filter((p) => p.session.startsWith('brk-'));
    expect(after.map((p) => [p.session, p.pid, p.hash])).toEqual(before.map((p) => [p.session, p.pid, p.hash]));
  });

  it('a usage error exits 2', async () => {
    const r = await t.tmuxctl(['apply', '-o', 'yaml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('yaml');
  });
});
