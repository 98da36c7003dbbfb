import { describe, expect, test } from 'vitest';
import { sanitiseName, uniqueName } from '../../src/import/names.js';

describe('sanitiseName', () => {
  test.each([
    ['shop', 'shop'],
    ['my.app', 'my-app'],
    ['API server (v2)', 'API-server-v2'],
    ['ops:prod', 'ops-prod'],
    ['...', 'fallback'],
    ['', 'fallback'],
    ['x'.repeat(80), 'x'.repeat(64)],
    [`${'a'.repeat(63)}.b`, 'a'.repeat(63)],
  ])('%j → %j', (name, expected) => {
    const result = sanitiseName(name, 'fallback');
    expect(result).toBe(expected);
    expect(result).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});

describe('uniqueName', () => {
  test('the second of a name gets -2, the third -3, each with a remark', () => {
    const taken = new Set<string>();
    expect(uniqueName('logs', taken)).toEqual({ name: 'logs', remarks: [] });
    expect(uniqueName('logs', taken).name).toBe('logs-2');
    const third = uniqueName('logs', taken);
    expect(third.name).toBe('logs-3');
    expect(third.remarks).toEqual(['window name "logs" is already used in this session: this one is "logs-3"']);
  });

  test('a suffix never makes a name longer than 64', () => {
    const taken = new Set<string>(['y'.repeat(64)]);
    expect(uniqueName('y'.repeat(64), taken).name).toBe(`${'y'.repeat(62)}-2`);
  });
});
