import { describe, expect, test } from 'vitest';
import { ErbText, maskErb } from '../../src/import/erb.js';

describe('maskErb', () => {
  test('an output tag keeps the text after it at the same column, and lines stay where they were', () => {
    const source = 'root: <%= ENV["HOME"] %>/src\n<% if x %>\nname: a\n<% end %>\n';
    const masked = maskErb(source);
    const [root, code, name, end] = masked.text.split('\n');
    expect(root?.indexOf('/src')).toBe('root: <%= ENV["HOME"] %>'.length);
    expect(code?.trim()).toBe('');
    expect(name).toBe('name: a');
    expect(end?.trim()).toBe('');
    expect(masked.hadCode).toBe(true);
  });

  test('a multi-line code tag keeps its line breaks', () => {
    const masked = maskErb('a: 1\n<%\n  x = 1\n%>\nb: 2\n');
    expect(masked.text.split('\n')[4]).toBe('b: 2');
  });

  test('restore: a value that held a tag comes back as ErbText with the original text; others untouched', () => {
    const masked = maskErb('root: <%= @settings["dir"] -%>/x\nname: plain\n');
    const value = (masked.text.match(/root: (.*)/)?.[1] ?? '').trimEnd();
    const restored = masked.restore({ root: value, name: 'plain', list: [value, 3] }) as Record<string, unknown>;
    expect(restored.root).toEqual(new ErbText('<%= @settings["dir"] -%>/x'));
    expect(restored.name).toBe('plain');
    expect((restored.list as unknown[])[1]).toBe(3);
    expect(masked.hadCode).toBe(false);
  });
});
