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
  return text !== '' && !hasControl(text) && text.trim() === text && !/^['"{[]/.test(text);
}

/** Control characters, and the ones YAML reads as line breaks (NEL, LS, PS): never bare in a comment. */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

/** Every control character as `\uXXXX`, so the text stays on its one line. */
export function escapeControl(text: string): string {
  if (!hasControl(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isControl(code) ? `\\u${code.toString(16).padStart(4, '0')}` : text[i];
  }
  return out;
}

function oneLine(text: string): string {
  return hasControl(text) ? JSON.stringify(text) : text;
}

/** `not imported: KEY: VALUE (why)`, the one shape of every comment that counts. */
export function notImportedLine(key: string, value: unknown, why: string): string {
  return `not imported: ${key}: ${renderValue(value)} (${why})`;
}
