import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/spec/load.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/', () => {
  it('loads without problems', async () => {
    // Only the variables the examples require come from the caller; the env file supplies the rest.
    const result = await loadDesiredState(['examples'], { cwd: repo, env: {}, home: '/nonexistent-home' });
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (result.ok) expect(result.desired.sessions.map((s) => s.name)).toEqual(['claude-multi-monitor', 'heartbeat', 'web-bot']);
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
