import { describe, expect, test } from 'vitest';
import type { DraftSession } from '../../src/import/draft.js';
import { fromPm2 } from '../../src/import/formats/pm2.js';
import { fromProcessCompose } from '../../src/import/formats/process-compose.js';
import { fromProcfile } from '../../src/import/formats/procfile.js';
import { fromSmug } from '../../src/import/formats/smug.js';
import { fromTmuxinator } from '../../src/import/formats/tmuxinator.js';
import { fromTmuxp } from '../../src/import/formats/tmuxp.js';
import { tidySession } from '../../src/import/tidy.js';

const file = { path: '/home/me/src/shop/config.yml', display: 'config.yml' };

/** Each window as `name: fields` (panes as a list of fields), after tidying: what the spec will say. */
function windows(session: DraftSession) {
  tidySession(session);
  return Object.fromEntries(session.windows.map((w) => [w.name, w.panes.length > 1 ? w.panes.map((p) => p.fields) : w.fields]));
}
const notes = (session: DraftSession) => [session.notImported, ...session.windows.map((w) => w.notImported)].flat();

describe('tmuxinator', () => {
  test('pre_window, then the window pre, then the pane commands, typed in each pane; window roots inside the project root', () => {
    const s = fromTmuxinator(
      {
        name: 'x',
        root: '~/src/x',
        pre_window: 'nvm use',
        windows: [{ app: { root: 'web', pre: 'source env.sh', panes: ['npm run dev', { tests: ['cd test', 'npm test'] }, null] } }, { blank: null }],
      },
      file,
    );
    expect(windows(s)).toEqual({
      app: [{ keys: 'nvm use\nsource env.sh\nnpm run dev' }, { keys: 'nvm use\nsource env.sh\ncd test\nnpm test' }, { keys: 'nvm use\nsource env.sh' }],
      blank: { keys: 'nvm use' },
    });
    expect(s.windows[0]?.fields.cwd).toBe('~/src/x/web');
    expect(s.windows[0]?.panes[1]?.notImported).toEqual(['not imported: pane title: tests (pane titles are not managed)']);
  });
});

describe('tmuxinator pre commands', () => {
  test('only the first of rbenv, rvm, pre_tab, pre_window is typed (as tmuxinator does); a window pre list is one line joined with &&', () => {
    const s = fromTmuxinator({ name: 'x', rbenv: '3.2.2', pre_window: 'nvm use', windows: [{ w: { pre: ['a', 'b'], panes: ['c'] } }] }, file);
    expect(windows(s)).toEqual({ w: { keys: 'rbenv shell 3.2.2\na && b\nc' } });
    expect(s.notImported).toEqual(['not imported: pre_window: nvm use (tmuxinator types only one of rbenv, rvm, pre_tab and pre_window: rbenv was taken)']);
  });
});

describe('tmuxp', () => {
  test('shell_command_before of session, window and pane, in that order; a command typed without Enter is not typed', () => {
    const s = fromTmuxp(
      {
        session_name: 'x',
        shell_command_before: 'a',
        windows: [
          {
            window_name: 'w',
            shell_command_before: ['b'],
            panes: [{ shell_command_before: 'c', shell_command: ['d'] }, 'blank', { shell_command: [{ cmd: 'rm -rf build', enter: false }] }],
          },
        ],
      },
      file,
    );
    expect(windows(s)).toEqual({ w: [{ keys: 'a\nb\nc\nd' }, { keys: 'a\nb' }, { keys: 'a\nb' }] });
    expect(s.windows[0]?.panes[2]?.notImported).toEqual([
      'not imported: shell_command[0]: {cmd: rm -rf build, enter: false} (typed without Enter; tmuxctl follows every typed line with Enter)',
    ]);
  });

  test('start_directory of a window and a pane are read inside their parent', () => {
    const s = fromTmuxp(
      {
        session_name: 'x',
        start_directory: '~/p',
        windows: [{ window_name: 'w', start_directory: './api', panes: [{ start_directory: 'src', shell_command: 'ls' }, 'ls'] }],
      },
      file,
    );
    expect(windows(s)).toEqual({ w: [{ keys: 'ls', cwd: '~/p/api/src' }, { keys: 'ls' }] });
    expect(s.windows[0]?.fields.cwd).toBe('~/p/api');
  });
});

describe('tmuxp window_shell', () => {
  test("a shell is the first pane's shell: (the keys are typed into it); any other program is noted", () => {
    const s = fromTmuxp(
      {
        session_name: 'x',
        windows: [
          { window_name: 'a', window_shell: '/usr/bin/zsh', panes: ['ls', 'pwd'] },
          { window_name: 'b', window_shell: 'top', panes: ['ls'] },
        ],
      },
      file,
    );
    expect(windows(s)).toEqual({ a: [{ keys: 'ls', shell: '/usr/bin/zsh' }, { keys: 'pwd' }], b: { keys: 'ls' } });
    expect(notes(s)).toEqual(["not imported: window_shell: top (it runs a program, not a shell, in the window's first pane: write it as that pane's command)"]);
  });
});

describe('smug', () => {
  test("a window's commands are its first pane; each of panes is split off it", () => {
    const s = fromSmug({ session: 'x', windows: [{ name: 'w', commands: ['make watch'], panes: [{ type: 'horizontal', commands: ['make test'] }] }] }, file);
    expect(windows(s)).toEqual({ w: [{ keys: 'make watch' }, { keys: 'make test' }] });
  });
});

describe('process-compose', () => {
  test('no availability means restart: never (its default), said once on the session when every process shares it', () => {
    const s = fromProcessCompose({ processes: { a: { command: 'x' }, b: { command: 'y' } } }, file);
    expect(windows(s)).toEqual({ a: { command: 'x' }, b: { command: 'y' } });
    expect(s.fields.restart).toBe('never');
  });

  test('http_get becomes curl -fsS with process-compose defaults; a URL with shell characters is quoted', () => {
    const s = fromProcessCompose(
      {
        processes: {
          a: { command: 'x', liveness_probe: { http_get: { port: 8080 } } },
          b: { command: 'y', readiness_probe: { http_get: { host: 'localhost', path: '/health?full=1&x=2', scheme: 'https', port: 8443 }, period_seconds: 3 } },
        },
      },
      file,
    );
    const [a, b] = s.windows;
    expect(a?.panes[0]?.fields.healthCheck).toEqual({
      command: 'curl -fsS http://127.0.0.1:8080/',
      intervalSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
    });
    expect(b?.panes[0]?.fields.healthCheck).toEqual({
      command: "curl -fsS 'https://localhost:8443/health?full=1&x=2'",
      intervalSeconds: 3,
      timeoutSeconds: 1,
      failureThreshold: 3,
    });
  });

  test('depends_on with conditions stays as one comment; exit_on_failure restarts nothing', () => {
    const s = fromProcessCompose(
      { processes: { web: { command: 'x', availability: { restart: 'exit_on_failure' }, depends_on: { db: { condition: 'process_healthy' }, cache: {} } } } },
      file,
    );
    expect(windows(s)).toEqual({ web: { command: 'x', restart: 'never' } });
    expect(notes(s)).toEqual([
      'not imported: availability.restart: exit_on_failure (process-compose stops every process when this one fails; tmuxctl leaves it dead and touches no other pane)',
      'not imported: depends_on: db (process_healthy), cache (dependencies are not supported yet)',
    ]);
  });

  test('shutdown.timeout_seconds is the stop timeout; backoff_seconds a constant backoff', () => {
    const s = fromProcessCompose(
      { processes: { a: { command: 'x', availability: { restart: 'always', backoff_seconds: 4 }, shutdown: { timeout_seconds: 30, signal: 15 } } } },
      file,
    );
    expect(windows(s)).toEqual({ a: { command: 'x', restart: 'always', stopTimeoutSeconds: 30, backoff: { initialSeconds: 4, maxSeconds: 4 } } });
    expect(notes(s)).toEqual([]);
  });
});

describe('Procfile', () => {
  test('PORT as foreman gives it (5000, 5100, ... by line), only where the command uses it; a line of another shape is noted', () => {
    const s = fromProcfile('web: serve -p $PORT\n# c\nworker: work\napi: api --port=${PORT}\nnonsense\n', file);
    expect(windows(s)).toEqual({
      web: { command: 'serve -p $PORT', env: { PORT: 5000 } },
      worker: { command: 'work' },
      api: { command: 'api --port=${PORT}', env: { PORT: 5200 } },
    });
    expect(notes(s)).toEqual(['not imported: line 5: nonsense (not a NAME: command line)']);
  });
});

describe('pm2', () => {
  test.each([
    [{ script: 'server.js' }, ['node', 'server.js']],
    [{ script: 'app.py', args: ['--port', '80'] }, ['python', 'app.py', '--port', '80']],
    [{ script: 'app.py', interpreter: 'python3', interpreter_args: '-u' }, ['python3', '-u', 'app.py']],
    [{ script: 'server.js', node_args: ['--inspect'], args: '--port 80 --name "a b"' }, 'node --inspect server.js --port 80 --name "a b"'],
    [{ script: './bin/server', interpreter: 'none' }, ['./bin/server']],
    [{ script: 'npm', args: 'run start' }, 'npm run start'],
    [{ script: 'npm run dev' }, 'npm run dev'],
  ])('%j runs %j', (app, command) => {
    const s = fromPm2({ apps: [{ name: 'a', ...app }] }, file);
    expect(s.windows[0]?.panes[0]?.fields.command).toEqual(command);
  });

  test('restart policies, durations in ms or with units, backoff', () => {
    const s = fromPm2(
      {
        apps: [
          { name: 'a', script: 'a.js', autorestart: false, kill_timeout: 1600, min_uptime: '1m' },
          { name: 'b', script: 'b.js', stop_exit_codes: [0], restart_delay: 2500 },
          { name: 'c', script: 'c.js', exp_backoff_restart_delay: 100, env_production: { K: 'v' }, cron_restart: '0 * * * *' },
        ],
      },
      file,
    );
    expect(windows(s)).toEqual({
      a: { command: ['node', 'a.js'], restart: 'never', startSeconds: 60, stopTimeoutSeconds: 1.6 },
      b: { command: ['node', 'b.js'], restart: 'on-failure', backoff: { initialSeconds: 2.5, maxSeconds: 2.5 } },
      c: { command: ['node', 'c.js'], backoff: { initialSeconds: 0.1, maxSeconds: 15 } },
    });
    expect(notes(s)).toEqual([
      'not imported: env_production: {K: v} (pm2 selects env_* blocks with --env; a pane has one env: copy what you need)',
      'not imported: cron_restart: 0 * * * * (tmuxctl restarts on exit and failed health checks, not on a schedule)',
    ]);
  });

  test('an absolute cwd inside the ecosystem file folder is written relative to it', () => {
    const s = fromPm2(
      {
        apps: [
          { name: 'a', script: 'a.js', cwd: '/home/me/src/shop/api' },
          { name: 'b', script: 'b.js', cwd: '/srv/b' },
        ],
      },
      file,
    );
    expect(s.windows.map((w) => w.panes[0]?.fields.cwd)).toEqual(['./api', '/srv/b']);
  });
});

describe('tidy', () => {
  test('a field every window repeats is said once on the session; a window of one pane holds its fields itself, env merged', () => {
    const s = fromPm2(
      {
        apps: [
          { name: 'a', script: 'a.js', cwd: 'app', env: { A: 1 } },
          { name: 'b', script: 'b.js', cwd: 'app', kill_timeout: 3000 },
        ],
      },
      file,
    );
    expect(windows(s)).toEqual({ a: { command: ['node', 'a.js'], env: { A: 1 } }, b: { command: ['node', 'b.js'], stopTimeoutSeconds: 3 } });
    expect(s.fields).toEqual({ cwd: 'app' });
  });
});

describe('schema line', () => {
  test("is the schema's own $id, so it stays right wherever the spec is saved", async () => {
    const { readFileSync } = await import('node:fs');
    const { SCHEMA_URL } = await import('../../src/import/schema-line.js');
    const schema = JSON.parse(readFileSync(new URL('../../schema/tmuxctl.schema.json', import.meta.url), 'utf8')) as { $id: string };
    expect(SCHEMA_URL).toBe(schema.$id);
  });
});

describe('entries with nothing to run', () => {
  test('a pm2 app without script and a process without command are noted on the session, not made into empty panes', () => {
    const pm2 = fromPm2(
      {
        apps: [
          { name: 'a', script: 'a.js' },
          { name: 'b', env: { X: 1 } },
        ],
      },
      file,
    );
    expect(pm2.windows.map((w) => w.name)).toEqual(['a']);
    expect(pm2.notImported).toEqual(['not imported: apps[1]: {name: b, env: {X: 1}} (no script to run)']);
    const pc = fromProcessCompose({ processes: { a: { command: 'x' }, b: { working_dir: '/tmp' } } }, file);
    expect(pc.windows.map((w) => w.name)).toEqual(['a']);
    expect(pc.notImported).toEqual(['not imported: processes.b: {working_dir: /tmp} (no command or entrypoint to run)']);
  });
});

describe('ERB inside a list of commands', () => {
  test('a list with a line that held ERB is typed not at all (the other lines could run in the wrong place) and is noted', async () => {
    const { maskErb } = await import('../../src/import/erb.js');
    const { parse } = await import('yaml');
    const masked = maskErb('name: x\nwindows:\n  - app:\n      - cd <%= @settings["dir"] %>\n      - npm start\n');
    const s = fromTmuxinator(masked.restore(parse(masked.text)), file);
    expect(windows(s)).toEqual({ app: { keys: '' } });
    expect(notes(s)).toEqual(['not imported: commands: [cd <%= @settings["dir"] %>, npm start] (ERB not evaluated)']);
  });
});

describe('comments', () => {
  test('a value with a carriage return or a line separator cannot end its comment and add to the spec', async () => {
    const { emitSpec } = await import('../../src/import/emit.js');
    const { parse } = await import('yaml');
    const s = fromTmuxp(
      { session_name: 'x', before_script: 'ok\rsessions: {evil: {command: x}}', 'odd\u2028key': 1, windows: [{ window_name: 'w', panes: ['ls'] }] },
      file,
    );
    tidySession(s);
    const text = emitSpec([s]);
    expect(Object.keys((parse(text) as { sessions: object }).sessions)).toEqual(['x']);
    expect(text).toContain('# not imported: before_script: "ok\\rsessions: {evil: {command: x}}" (runs once before the windows are made');
    expect(text).toContain('# not imported: odd\\u2028key: 1 (tmuxctl has no such option)');
  });
});
