import { SpecError } from '../errors.js';
import { maskErb } from './erb.js';
import type { SourceFile } from './source.js';
import { LineCounter, parseDocument } from './yaml.js';

export interface ParsedSource {
  data: unknown;
  /** A tmuxinator template had `<% ... %>` code tags, which were blanked (every branch read). */
  erbCode: boolean;
}

/**
 * Reads a YAML (or JSON) file of another tool as plain data. With `erb`, ERB tags are set aside
 * first (erb.ts), and a template that still does not parse says so. Errors are one line with a
 * position and no source text (prettyErrors would paste lines that may hold secrets).
 */
export function parseSource(text: string, file: SourceFile, opts: { erb: boolean }): ParsedSource {
  const masked = opts.erb ? maskErb(text) : undefined;
  const lineCounter = new LineCounter();
  // merge: `<<: *defaults` is common in process-compose and tmuxp files. Duplicate keys: the last wins, as in PyYAML and Go.
  const doc = parseDocument(masked ? masked.text : text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const what = error.code === 'UNEXPECTED_TOKEN' ? error.message.replace(/: .*$/s, '') : error.message.split('\n')[0];
    const message = masked
      ? `the tmuxinator template does not parse as YAML once its ERB tags are set aside (tmuxctl does not evaluate ERB): ${what}`
      : `invalid YAML: ${what}`;
    throw new SpecError([{ file: file.display, line, col, message }]);
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  return { data: masked ? masked.restore(data) : data, erbCode: masked?.hadCode ?? false };
}
