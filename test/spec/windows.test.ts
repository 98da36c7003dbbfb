import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { type LoadOptions, loadDesiredState } from '../../src/spec/load.js';
import { type PaneSpec, panesOf, type SessionSpec } from '../../src/spec/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-windows-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function load(yaml: string, opts: Partial<LoadOptions> = {}): Promise<SessionSpec[]> {
  writeFileSync(path.join(dir, 'app.yaml'), yaml);
  const result = await loadDesiredState(['app.yaml'], { cwd: dir, env: {}, home: '/nonexistent-home', loginShell: '/bin/test-login-shell', ...opts });
  if (!result.ok) throw new Error(`expected a valid load, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.desired.sessions;
}

async function problems(yaml: string, opts: Partial<LoadOptions> = {}): Promise<string[]> {
  writeFileSync(path.join(dir, 'app.yaml'), yaml);
  const result = await loadDesiredState(['app.yaml'], { cwd: dir, env: {}, home: '/nonexistent-home', loginShell: '/bin/test-login-shell', ...opts });
  return result.ok ? [] : result.problems.map(formatProblem);
}

/** Every pane of the only session, by target. */
async function panes(yaml: string, opts: Partial<LoadOptions> = {}): Promise<Record<string, PaneSpec>> {
  const [session] = await load(yaml, opts);
  return Object.fromEntries(panesOf(session).map((p) => [p.target, p]));
}

/** A session `s` with one window `w` of two panes: the session, window and each pane set what the case says. */
function layered(session: string, window: string, pane0: string, pane1 = ''): string {
  const indent = (text: string, by: string) =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => `${by}${line}\n`)
      .join('');
  return (
    'version: 1\nsessions:\n  s:\n' +
    indent(session, '    ') +
    '    windows:\n      - name: w\n' +
    indent(window, '        ') +
    '        panes:\n          - command: one\n' +
    indent(pane0, '            ') +
    '          - command: two\n' +
    indent(pane1, '            ')
  );
}

describe('inheritance: the nearest level that declares a setting wins', () => {
  it.each([
    ['nothing anywhere: the defaults', '', '', '', ['always', 'always']],
    ['session only', 'restart: never', '', '', ['never', 'never']],
    ['window over session', 'restart: never', 'restart: on-failure', '', ['on-failure', 'on-failure']],
    ['pane over window over session', 'restart: never', 'restart: on-failure', 'restart: always', ['always', 'on-failure']],
    ['pane over session, window silent', 'restart: on-failure', '', 'restart: never', ['never', 'on-failure']],
    ['pane only', '', '', 'restart: never', ['never', 'always']],
  ])('restart, %s', async (_, session, window, pane0, expected) => {
    const all = await panes(layered(session, window, pane0));
    expect([all['s:w.0'].restart, all['s:w.1'].restart]).toEqual(expected);
  });

  it.each([
    ['startSeconds', 'startSeconds: 5', 'startSeconds: 0', [0, 0]],
    ['stopTimeoutSeconds', 'stopTimeoutSeconds: 30', '', [30, 30]],
  ])('%s: inherited like restart (0 is a value, not a missing one)', async (key, session, window, expected) => {
    const all = await panes(layered(session, window, ''));
    expect([all['s:w.0'][key as 'startSeconds'], all['s:w.1'][key as 'startSeconds']]).toEqual(expected);
  });

  it('defaults are applied after inheritance: a pane that sets nothing gets the session value, not the schema default', async () => {
    const all = await panes(layered('restart: never\nstartSeconds: 7\nstopTimeoutSeconds: 3\nbackoff: {initialSeconds: 4}', '', ''));
    for (const pane of Object.values(all)) {
      expect(pane.restart).toBe('never');
      expect(pane.startSeconds).toBe(7);
      expect(pane.stopTimeoutSeconds).toBe(3);
      expect(pane.backoff).toEqual({ initialSeconds: 4, maxSeconds: 300, resetAfterSeconds: 600 });
    }
  });

  it('backoff and healthCheck are inherited whole: the nearest block wins, its missing fields are the defaults', async () => {
    const all = await panes(
      layered(
        'backoff: {initialSeconds: 4, maxSeconds: 60}\nhealthCheck: {outputWithinSeconds: 60, intervalSeconds: 10}',
        '',
        'backoff: {resetAfterSeconds: 30}\nhealthCheck: {command: ["true"]}',
      ),
    );
    expect(all['s:w.0'].backoff).toEqual({ initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 30 });
    expect(all['s:w.0'].healthCheck).toEqual({
      kind: 'command',
      command: { kind: 'argv', argv: ['true'] },
      intervalSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(all['s:w.1'].backoff).toEqual({ initialSeconds: 4, maxSeconds: 60, resetAfterSeconds: 600 });
    expect(all['s:w.1'].healthCheck).toEqual({ kind: 'output', outputWithinSeconds: 60, intervalSeconds: 10, failureThreshold: 1 });
  });

  it('cwd: relative to the spec file at every level; the nearest wins; default the spec folder', async () => {
    for (const sub of ['a', 'b', 'c']) mkdirSync(path.join(dir, sub));
    const all = await panes(layered('cwd: a', 'cwd: b', 'cwd: c'));
    expect(all['s:w.0'].cwd).toBe(path.join(dir, 'c'));
    expect(all['s:w.1'].cwd).toBe(path.join(dir, 'b'));
    expect((await panes(layered('', '', '')))['s:w.0'].cwd).toBe(dir);
  });

  it('env maps merge: pane over window over session, key by key', async () => {
    const all = await panes(layered('env: {A: session, B: session, C: session}', 'env: {B: window, C: window}', 'env: {C: pane, D: pane}'));
    expect(all['s:w.0'].env).toEqual({ A: 'session', B: 'window', C: 'pane', D: 'pane' });
    expect(all['s:w.1'].env).toEqual({ A: 'session', B: 'window', C: 'window' });
  });

  it('envFile and requiredEnv: the nearest list wins whole (not merged); env beats every env file', async () => {
    writeFileSync(path.join(dir, 'session.env'), 'FROM=session-file\nONLY_SESSION=1\n');
    writeFileSync(path.join(dir, 'pane.env'), 'FROM=pane-file\n');
    const all = await panes(
      layered('envFile: session.env\nrequiredEnv: [ONLY_SESSION]', 'env: {FROM: window-env}', 'envFile: [pane.env]\nrequiredEnv: [FROM]'),
      {
        env: { ONLY_SESSION: 'caller', FROM: 'caller' },
      },
    );
    // Pane 0: its own env file (the session's is not read for it), its own requiredEnv, the window's env on top.
    expect(all['s:w.0'].env).toEqual({ FROM: 'window-env' });
    expect(all['s:w.0'].envFiles).toEqual([path.join(dir, 'pane.env')]);
    expect(all['s:w.1'].env).toEqual({ FROM: 'window-env', ONLY_SESSION: '1' });
    expect(all['s:w.1'].envFiles).toEqual([path.join(dir, 'session.env')]);
  });

  it('orphans and shell are inherited too', async () => {
    const all = await panes(
      'version: 1\nsessions:\n  s:\n    shell: zsh\n    orphans: {match: worker}\n    windows:\n' +
        '      - name: a\n        keys: vim\n      - name: b\n        shell: /bin/bash\n        panes:\n          - keys: htop\n          - keys: top\n            shell: dash\n',
    );
    expect(all['s:a.0'].command).toEqual({ kind: 'argv', argv: ['zsh'] });
    expect(all['s:b.0'].command).toEqual({ kind: 'argv', argv: ['/bin/bash'] });
    expect(all['s:b.1'].command).toEqual({ kind: 'argv', argv: ['dash'] });
    for (const pane of Object.values(all)) expect(pane.orphans).toEqual({ match: 'worker' });
  });
});

describe('keys', () => {
  it('runs the login shell from the load options when no level names a shell, and types the text', async () => {
    const all = await panes('version: 1\nsessions:\n  s:\n    windows:\n      - name: w\n        keys: vim .\n      - name: x\n        keys: ""\n');
    expect(all['s:w.0']).toMatchObject({ command: { kind: 'argv', argv: ['/bin/test-login-shell'] }, keys: 'vim .' });
    // Empty text: just an interactive shell.
    expect(all['s:x.0']).toMatchObject({ command: { kind: 'argv', argv: ['/bin/test-login-shell'] }, keys: '' });
  });

  it('keys directly under a session is today form: one window, one pane named after the session', async () => {
    const [session] = await load('version: 1\nsessions:\n  s:\n    keys: "make watch\\nmake test"\n');
    expect(session.windowsDeclared).toBe(false);
    expect(panesOf(session)).toMatchObject([{ target: 's', window: 's', index: 0, keys: 'make watch\nmake test' }]);
  });

  it('a command pane has no keys', async () => {
    const all = await panes(layered('', '', ''));
    expect('keys' in all['s:w.0']).toBe(false);
  });

  it('the default login shell is read in load.ts, once, from the password database', async () => {
    const { defaultLoginShell } = await import('../../src/spec/load.js');
    expect(defaultLoginShell()).toBe(os.userInfo().shell || '/bin/sh');
  });
});

describe('windows, panes and targets', () => {
  it('keeps spec order and names targets session:window.N; a window with command or keys is pane 0', async () => {
    const [session] = await load(
      'version: 1\nsessions:\n  shop:\n    windows:\n' +
        '      - name: editor\n        keys: vim\n' +
        '      - name: servers\n        layout: main-vertical\n        panes:\n          - command: a\n          - command: [b]\n          - keys: c\n' +
        '      - name: cache\n        command: redis-server\n',
    );
    expect(session.windowsDeclared).toBe(true);
    expect(session.windows.map((w) => [w.name, w.layout, w.panes.map((p) => p.target)])).toEqual([
      ['editor', undefined, ['shop:editor.0']],
      ['servers', 'main-vertical', ['shop:servers.0', 'shop:servers.1', 'shop:servers.2']],
      ['cache', undefined, ['shop:cache.0']],
    ]);
    expect(panesOf(session).map((p) => [p.session, p.window, p.index])).toEqual([
      ['shop', 'editor', 0],
      ['shop', 'servers', 0],
      ['shop', 'servers', 1],
      ['shop', 'servers', 2],
      ['shop', 'cache', 0],
    ]);
  });

  it('a session of exactly one pane is targeted by its name, even when declared with windows', async () => {
    const [session] = await load('version: 1\nsessions:\n  solo:\n    windows:\n      - name: main\n        panes:\n          - command: a\n');
    expect(panesOf(session).map((p) => p.target)).toEqual(['solo']);
    expect(session.windows[0].name).toBe('main');
  });

  it('keeps a custom layout string as written', async () => {
    const layout = '21be,200x50,0,0{100x50,0,0,0,99x50,101,0[99x25,101,0,1,99x24,101,26,2]}';
    const [session] = await load(
      `version: 1\nsessions:\n  s:\n    windows:\n      - name: w\n        layout: '${layout}'\n        panes: [{command: a}, {command: b}, {command: c}]\n`,
    );
    expect(session.windows[0].layout).toBe(layout);
  });
});

describe('today specs load unchanged: one window, one pane, the same command, cwd and env (the spec hash must not move)', () => {
  it('every field of a command session lands on its one pane exactly as before', async () => {
    writeFileSync(path.join(dir, 'app.env'), 'TOKEN=t\n');
    const [session] = await load(
      'version: 1\nsessions:\n  web:\n    command: [python3, -m, http.server]\n    cwd: .\n    env: {PORT: 8080, RATIO: 1.10}\n    envFile: app.env\n    requiredEnv: [TOKEN]\n',
    );
    expect(session).toEqual({
      name: 'web',
      host: 'local',
      source: path.join(dir, 'app.yaml'),
      windowsDeclared: false,
      windows: [
        {
          name: 'web',
          panes: [
            {
              session: 'web',
              window: 'web',
              index: 0,
              target: 'web',
              source: path.join(dir, 'app.yaml'),
              command: { kind: 'argv', argv: ['python3', '-m', 'http.server'] },
              cwd: dir,
              env: { PORT: '8080', RATIO: '1.10', TOKEN: 't' },
              envFiles: [path.join(dir, 'app.env')],
              restart: 'always',
              update: 'restart',
              startSeconds: 1,
              stopTimeoutSeconds: 10,
              backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 600 },
            },
          ],
        },
      ],
    });
  });
});

describe('a problem is reported once per place in the file, however many panes inherit it', () => {
  const sixPanes = '    windows:\n' + ['a', 'b'].map((w) => `      - name: ${w}\n        panes: [{command: x}, {command: y}, {keys: z}]\n`).join('');

  it('a session cwd that does not exist: one line for six panes', async () => {
    expect(await problems(`version: 1\nsessions:\n  s:\n    cwd: nowhere\n${sixPanes}`)).toEqual([
      'app.yaml:4:10: sessions.s.cwd: folder "nowhere" not found (looked for nowhere)',
    ]);
  });

  it('a session env file that is missing, and an env value with a NUL byte: one line each', async () => {
    expect(await problems(`version: 1\nsessions:\n  s:\n    envFile: gone.env\n    env: {A: "x\\0"}\n${sixPanes}`)).toEqual([
      'app.yaml:4:14: sessions.s.envFile: env file "gone.env" not found (looked for gone.env)',
      'app.yaml:5:14: sessions.s.env.A contains a NUL byte (at character 2), which would silently cut it short; remove it',
    ]);
  });

  it('a required variable no pane has: one line naming the session', async () => {
    expect(await problems(`version: 1\nsessions:\n  s:\n    requiredEnv: [TOKEN]\n${sixPanes}`)).toEqual([
      'app.yaml:4:19: sessions.s.requiredEnv[0]: session "s" requires TOKEN, which is not set (set it under env, in an env file, or in the environment tmuxctl runs in)',
    ]);
  });

  it('typed text with a NUL byte', async () => {
    expect(await problems('version: 1\nsessions:\n  s:\n    keys: "vim\\0"\n')).toEqual([
      'app.yaml:4:11: sessions.s.keys contains a NUL byte (at character 4), which would silently cut it short; remove it',
    ]);
  });
});
