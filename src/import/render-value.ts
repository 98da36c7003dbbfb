import { ErbText } from './erb.js';

/**
 * A source value as one line of a comment: strings as written (quoted when they would not read
 * back as written), lists and maps in YAML flow style. Comments are the user's own file: env
 * values are shown as they wrote them.
 */
export function renderValue(value: unknown): string {
  if (value instanceof ErbText) return oneLine(value.text);
  if (typeof value === 'string') return /^[^\s'"{[].*[^\s]$|^[^\s'"{[]$/s.test(value) && !value.includes('\n') ? value : JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${renderValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function oneLine(text: string): string {
  return text.includes('\n') ? JSON.stringify(text) : text;
}

/** `not imported: KEY: VALUE (why)`, the one shape of every comment that counts. */
export function notImportedLine(key: string, value: unknown, why: string): string {
  return `not imported: ${key}: ${renderValue(value)} (${why})`;
}
