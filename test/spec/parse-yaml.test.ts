import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/spec/parse-yaml.js';

const problems = (text: string) => parseYaml(text).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);

describe('parseYaml', () => {
  it('names the map of a duplicate key, at the root too', () => {
    expect(problems('version: 1\nversion: 1\n')).toEqual(['2:1: duplicate key "version" (each key may appear only once in a map)']);
    expect(parseYaml('version: 1\nversion: 1\n').broken).toBe(false);
  });

  it('does not echo source text from yaml messages (it may be a secret)', () => {
    const found = problems('sessions:\n  a:\n    env: |x s3cr3t\n      b\n');
    expect(found.length).toBeGreaterThan(0);
    for (const line of found) expect(line).not.toContain('s3cr3t');
  });

  it('supports merge keys, so sessions can share settings', () => {
    const parsed = parseYaml('base: &base {restart: never}\nsession:\n  <<: *base\n  command: x\n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.doc.toJS()).toEqual({ base: { restart: 'never' }, session: { restart: 'never', command: 'x' } });
  });
});
