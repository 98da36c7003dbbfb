import { ErbText } from './erb.js';

/**
 * A source value as one line of a comment: strings as written (quoted when they would not read
 * back as written), lists and maps in YAML flow style. Comments are the user's own file: env
 * values are shown as they wrote them.
 */
export function renderValue(value: unknown): string {
  if (value instanceof ErbText) return oneLine(value.text);
  if (typeof value === 'string') return readsAsWritten(value) ? value : JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${renderValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** A string shown bare reads back as itself: one line, no control characters, no edge spaces, not starting like a quote, list or map. */
function readsAsWritten(text: string): boolean {
  return text !== '' && !CONTROL.test(text) && text.trim() === text && !/^['"{[]/.test(text);
}

const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

function oneLine(text: string): string {
  return CONTROL.test(text) ? JSON.stringify(text) : text;
}

/** `not imported: KEY: VALUE (why)`, the one shape of every comment that counts. */
export function notImportedLine(key: string, value: unknown, why: string): string {
  return `not imported: ${key}: ${renderValue(value)} (${why})`;
}
