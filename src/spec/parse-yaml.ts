import { LineCounter, parseDocument, type Document } from './yaml.js';
import { prefix } from './issue.js';
import { keyPathAt, type Position } from './positions.js';

export interface ParsedYaml {
  doc: Document;
  lineCounter: LineCounter;
  /** Problems yaml itself found, already positioned. */
  problems: (Position & { message: string })[];
  /**
   * True when the text is not well-formed YAML, so its data is a guess and schema messages about
   * it would mislead. Duplicate keys alone leave the data usable (the last one wins), so checking goes on.
   */
  broken: boolean;
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors would paste source lines into the message: they can hold secrets, and we print positions anyway.
  // merge: `<<: *defaults` lets many similar sessions share settings, as in docker compose files.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  let broken = false;
  const problems = doc.errors.map((error) => {
    const offset = error.pos[0];
    const position = lineCounter.linePos(offset);
    if (error.code === 'DUPLICATE_KEY') {
      const keyPath = keyPathAt(doc, offset);
      const name = keyPath?.at(-1);
      const where = keyPath ? prefix(keyPath.slice(0, -1)) : '';
      const what = name === undefined ? 'duplicate key' : `duplicate key ${JSON.stringify(String(name))}`;
      return { ...position, message: `${where}${what} (each key may appear only once in a map)` };
    }
    broken = true;
    if (error.code === 'MULTIPLE_DOCS') {
      return { ...position, message: 'only one YAML document per file is allowed (remove the second "---")' };
    }
    // These messages end with the offending source text (`Not a YAML token: <text>`), which may be a
    // secret pasted into the wrong place; the position already shows where it is.
    const message = error.code === 'UNEXPECTED_TOKEN' ? error.message.replace(/: .*$/s, '') : error.message;
    return { ...position, message: `invalid YAML: ${message}` };
  });
  return { doc, lineCounter, problems, broken };
}
