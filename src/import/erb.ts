/**
 * tmuxinator files are ERB templates. tmuxctl does not run Ruby: each `<%= ... %>` is set aside
 * (replaced by a marker the YAML parser reads as plain text), and a value that held one is not
 * imported but shown as written. `<% ... %>` and `<%# ... %>` tags (code, comments) are blanked,
 * so every branch of a conditional is read as if it were plain YAML.
 */

/** A value of the source that contained ERB: kept as written, for the comment. */
export class ErbText {
  constructor(readonly text: string) {}
}

export interface MaskedErb {
  /** The source with every tag replaced; lines stay where they were. */
  text: string;
  /** Whether any `<% ... %>` tag that is not output (code, comment) was blanked. */
  hadCode: boolean;
  /** Turns parsed data back: strings with markers become ErbText holding the original text. */
  restore(value: unknown): unknown;
}

const TAG = /<%(=|#|-)?([\s\S]*?)-?%>/g;
const MARKER = /\u00abERB(\d+)\u00bb_*/g;
const HAS_MARKER = /\u00abERB\d+\u00bb/;

export function maskErb(source: string): MaskedErb {
  const outputs: string[] = [];
  let hadCode = false;
  const text = source.replace(TAG, (tag: string, kind: string | undefined) => {
    if (kind === '=') {
      const i = outputs.push(tag) - 1;
      // Padded to the tag's length when it is longer, so columns after it stay true in messages.
      const marker = `\u00abERB${i}\u00bb`;
      return marker + '_'.repeat(Math.max(0, tag.length - marker.length));
    }
    hadCode = true;
    // Keep the line breaks of a multi-line tag, so every line after it keeps its number.
    return tag.replace(/[^\n]/g, ' ');
  });
  const unmask = (s: string) => s.replace(MARKER, (_m, i: string) => outputs[Number(i)] ?? '');
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return HAS_MARKER.test(value) ? new ErbText(unmask(value)) : value;
    }
    if (Array.isArray(value)) return value.map(restore);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[unmask(k)] = restore(v);
      return out;
    }
    return value;
  };
  return { text, hadCode, restore };
}

export function hasErb(source: string): boolean {
  return /<%[\s\S]*?%>/.test(source);
}
