import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DesiredState, PaneSpec, SessionSpec } from '../../src/spec/types.js';
import { fixtures, loadFixture } from './helpers.js';

async function desired(...args: Parameters<typeof loadFixture>): Promise<DesiredState> {
  const result = await loadFixture(...args);
  if (!result.ok) throw new Error(`expected a valid load, got:\n${result.problems.map((p) => p.message).join('\n')}`);
  return result.desired;
}

/** The one pane of a session in today's form (`command` directly under the session). */
function onlyPane(session: SessionSpec): PaneSpec {
  expect(session.windowsDeclared).toBe(false);
  expect(session.windows.map((w) => [w.name, w.panes.length])).toEqual([[session.name, 1]]);
  return session.windows[0].panes[0];
}

/** Where a session in today's form puts its one pane: named after the session everywhere. */
const placed = (name: string) => ({ session: name, window: name, index: 0, target: name });

const defaults = {
  restart: 'always',
  update: 'restart',
  startSeconds: 1,
  stopTimeoutSeconds: 10,
  backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 600 },
} as const;

describe('a full spec', () => {
  const dir = path.join(fixtures, 'valid/full');
  const source = path.join(dir, 'specs/app.yaml');
  const load = () =>
    desired('valid/full', ['specs'], {
      home: path.join(dir, 'home'),
      env: { FROM_CALLER: 'caller', CALLER_AND_FILE: 'caller', NOT_REQUIRED: 'caller', PATH: '/usr/bin' },
    });

  it('lists files and roots as absolute paths, sessions sorted by name', async () => {
    const state = await load();
    expect(state.files).toEqual([source]);
    expect(state.roots).toEqual([path.join(dir, 'specs')]);
    expect(state.sessions.map((s) => s.name)).toEqual(['minimal', 'monitor', 'worker']);
  });

  it('fills every default and uses the spec folder as cwd', async () => {
    const minimal = (await load()).sessions[0];
    expect(minimal).toEqual<SessionSpec>({
      name: 'minimal',
      host: 'local',
      source,
      windowsDeclared: false,
      windows: [{ name: 'minimal', panes: [expect.anything()] }],
    });
    expect(onlyPane(minimal)).toEqual<PaneSpec>({
      ...placed('minimal'),
      source,
      command: { kind: 'shell', script: 'sleep infinity' },
      cwd: path.join(dir, 'specs'),
      env: {},
      envFiles: [],
      ...defaults,
      backoff: { ...defaults.backoff },
    });
  });

  it('expands ~ and gives output checks a failure threshold of 1', async () => {
    const monitor = onlyPane((await load()).sessions[1]);
    expect(monitor.command).toEqual({ kind: 'argv', argv: ['python3', '-m', 'monitor'] });
    expect(monitor.cwd).toBe(path.join(dir, 'home/projects'));
    expect(monitor.healthCheck).toEqual({ kind: 'output', outputWithinSeconds: 600, intervalSeconds: 30, failureThreshold: 1 });
  });

  it('normalises everything that was set', async () => {
    const worker = onlyPane((await load()).sessions[2]);
    expect(worker).toEqual<PaneSpec>({
      ...placed('worker'),
      source,
      command: { kind: 'shell', script: 'uv run python -m worker --port 8080' },
      cwd: path.join(dir, 'workdir'),
      env: {
        API_TOKEN: 'override-token', // the later env file wins
        CALLER_AND_FILE: 'from-file', // an env file beats the caller
        DEBUG: 'false',
        FROM_CALLER: 'caller', // required, set only by the caller
        LOG_LEVEL: 'info',
        MULTI: 'line1\nline2\tend',
        ONLY_BASE: '1',
        PORT: '8080',
        RATIO: '1.10', // as written, not 1.1
        SHARED: 'from-env', // env beats the env files
        // NOT_REQUIRED and PATH are the caller's but not required: not the session's business.
      },
      envFiles: [path.join(dir, 'specs/base.env'), path.join(dir, 'specs/override.env')],
      restart: 'on-failure',
      update: 'restart',
      startSeconds: 2.5,
      stopTimeoutSeconds: 30,
      backoff: { initialSeconds: 2, maxSeconds: 120, resetAfterSeconds: 600 },
      healthCheck: {
        kind: 'command',
        command: { kind: 'argv', argv: ['curl', '-fsS', 'localhost:8080/health'] },
        intervalSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      orphans: { match: 'python -m worker' },
    });
  });

  it('lists env keys in sorted order, so reordering an env file changes nothing', async () => {
    const worker = onlyPane((await load()).sessions[2]);
    expect(Object.keys(worker.env)).toEqual(Object.keys(worker.env).sort());
  });

  it('fails when a required variable is only in the caller env and the caller does not have it', async () => {
    const result = await loadFixture('valid/full', ['specs'], { home: path.join(dir, 'home'), env: { CALLER_AND_FILE: 'x' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message)).toEqual([expect.stringContaining('requires FROM_CALLER, which is not set')]);
  });

  it('loads a spec file given by path; the file is then the root', async () => {
    const state = await desired('valid/full', ['specs/app.yaml'], { home: path.join(dir, 'home'), env: { FROM_CALLER: 'x' } });
    expect(state.files).toEqual([source]);
    expect(state.roots).toEqual([source]);
  });
});

describe('folders', () => {
  const dir = path.join(fixtures, 'valid/folder');

  it('loads *.yaml and *.yml, sorted, not recursive, skipping dot files and other names', async () => {
    const state = await desired('valid/folder');
    expect(state.files).toEqual([path.join(dir, 'specs/a.yaml'), path.join(dir, 'specs/b.yml')]);
    expect(state.sessions.map((s) => [s.name, path.basename(s.source)])).toEqual([
      ['alpha', 'a.yaml'],
      ['beta', 'b.yml'],
      ['gamma', 'b.yml'],
    ]);
  });

  it('takes a file given by name whatever its extension, and each file once', async () => {
    const state = await desired('valid/folder', ['specs', 'extra.spec', 'specs/a.yaml', './specs']);
    expect(state.files).toEqual([path.join(dir, 'specs/a.yaml'), path.join(dir, 'specs/b.yml'), path.join(dir, 'extra.spec')]);
    expect(state.roots).toEqual([path.join(dir, 'specs'), path.join(dir, 'extra.spec'), path.join(dir, 'specs/a.yaml')]);
    expect(state.sessions.map((s) => s.name)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
  });
});
