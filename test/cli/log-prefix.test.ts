import { describe, expect, it } from 'vitest';
import { linePrefix, prefixColor } from '../../src/cli/log-prefix.js';

describe('logs prefixes', () => {
  it('give a target the same colour every time, one of six', () => {
    const names = ['bot', 'monitor', 'claude_a', 'claude_b', 'shop:servers.0', 'shop:servers.1', 'x'];
    for (const n of names) {
      expect(prefixColor(n)).toBe(prefixColor(n));
      expect([31, 32, 33, 34, 35, 36]).toContain(prefixColor(n));
    }
    // Neighbouring names do not all share one colour.
    expect(new Set(names.map(prefixColor)).size).toBeGreaterThan(2);
  });

  it('pad to the widest target, and are coloured only when asked', () => {
    expect(linePrefix('bot', 7, false)).toBe('bot     | ');
    expect(linePrefix('bot', 3, true)).toBe(`\x1b[${prefixColor('bot')}mbot | \x1b[0m`);
  });
});
