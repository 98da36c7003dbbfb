import { ErbText } from './erb.js';

/**
 * Commands that tmuxinator, tmuxp and smug type into a pane's shell, as lines for `keys:`. They
 * accept a string, a list of strings, or nothing (an empty shell).
 */
export function typedLines(value: unknown, note: (why: string) => void): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) {
    // A list with ERB in it is typed not at all: `[cd <%= dir %>, rm -rf build]` without its first
    // line would run the second somewhere else.
    if (value.some((item) => item instanceof ErbText)) {
      note('ERB not evaluated');
      return [];
    }
    const lines: string[] = [];
    for (const item of value) {
      if (typeof item === 'string' || typeof item === 'number') lines.push(String(item));
      else if (item !== null && item !== undefined) note('expected a command string');
    }
    return lines;
  }
  note('expected a command string or a list of them');
  return [];
}

/** `keys:` for typed lines: each line typed and followed by Enter; '' is an interactive shell. */
export function keysOf(lines: readonly string[]): string {
  return lines.join('\n');
}
