import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/spec/load.js';
import { panesOf } from '../../src/spec/types.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/', () => {
  it('loads without problems', async () => {
    // Only the variables the examples require come from the caller; the env file supplies the rest.
    const result = await loadDesiredState(['examples'], { cwd: repo, env: {}, home: '/nonexistent-home' });
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (result.ok) expect(result.desired.sessions.map((s) => s.name)).toEqual(['claude-multi-monitor', 'dev-shop', 'heartbeat', 'web-bot']);
  });

  it('dev-shop is a realistic multi-window session: an editor, three servers in a layout, a shell', async () => {
    const result = await loadDesiredState(['examples/dev-shop.yaml'], { cwd: repo, env: {}, home: '/nonexistent-home', loginShell: '/bin/zsh' });
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
    const [session] = result.desired.sessions;
    const examples = path.join(repo, 'examples');
    expect(session.windows.map((w) => [w.name, w.layout, w.panes.map((p) => p.target)])).toEqual([
      ['editor', undefined, ['dev-shop:editor.0']],
      ['servers', 'main-vertical', ['dev-shop:servers.0', 'dev-shop:servers.1', 'dev-shop:servers.2']],
      ['console', undefined, ['dev-shop:console.0']],
    ]);
    const panes = panesOf(session);
    for (const pane of panes) {
      expect(pane.cwd).toBe(examples);
      expect(pane.stopTimeoutSeconds).toBe(5);
    }
    expect(panes[0]).toMatchObject({ command: { kind: 'argv', argv: ['/bin/zsh'] }, keys: 'vi .', env: { APP_ENV: 'development', PYTHONUNBUFFERED: '1' } });
    expect(panes[1]).toMatchObject({ restart: 'on-failure', env: { APP_ENV: 'development', PORT: '8765', PYTHONUNBUFFERED: '1' } });
    expect(panes[1].healthCheck?.kind).toBe('command');
    expect(panes[2]).toMatchObject({ restart: 'always', backoff: { initialSeconds: 2, maxSeconds: 60, resetAfterSeconds: 600 } });
    expect(panes[2].healthCheck?.kind).toBe('output');
    expect(panes[3]).toMatchObject({ command: { kind: 'argv', argv: ['/bin/zsh'] }, keys: 'tail -F "${TMPDIR:-/tmp}/dev-shop-worker.log"' });
    expect(panes[4]).toMatchObject({ command: { kind: 'argv', argv: ['bash'] }, keys: 'git status --short' });
  });

  it('points editors at the schema on the first line', () => {
    const specs = readdirSync(new URL('../../examples/', import.meta.url)).filter((name) => name.endsWith('.yaml'));
    expect(specs.length).toBeGreaterThan(0);
    for (const name of specs) {
      const first = readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8').split('\n')[0];
      expect(first, name).toBe('# yaml-language-server: $schema=../schema/tmuxctl.schema.json');
    }
  });
});
