import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from './yaml.js';
import type { DocPath, Issue } from './issue.js';

export interface Position {
  line: number;
  col: number;
}

interface Found {
  /** The key node of the last map entry on the path, if the path ends in a map entry. */
  key?: Node;
  /** The value node at the path (or at the deepest prefix of it that exists). */
  value?: Node;
  /** False when the path leaves the document (e.g. a key that is missing): key/value are the deepest match. */
  complete: boolean;
}

/** The YAML nodes at a data path. Aliases are followed; for duplicate keys the last one wins, as in the data. */
export function findNodes(doc: Document, docPath: DocPath): Found {
  let value: Node | undefined = (doc.contents as Node | null) ?? undefined;
  let key: Node | undefined;
  for (const segment of docPath) {
    const container = isAlias(value) ? value.resolve(doc) : value;
    let next: { key?: Node; value?: Node } | undefined;
    if (isMap(container)) {
      for (const pair of container.items) {
        if (isScalar(pair.key) && String(pair.key.value) === String(segment)) {
          next = { key: pair.key as Node, value: (pair.value as Node | null) ?? undefined };
        }
      }
    } else if (isSeq(container)) {
      const item = container.items[Number(segment)] as Node | undefined;
      if (item) next = { value: item };
    }
    if (!next) return { key, value, complete: false };
    key = next.key;
    value = next.value;
  }
  return { key, value, complete: true };
}

/**
 * Offset to point at. Key-located issues point at the key (unknown key, bad session name, missing
 * required key in this map); value issues at the value, except an empty value (`restart:`), which
 * has no text of its own, so the key is shown instead.
 */
export function offsetOf(doc: Document, docPath: DocPath, at: Issue['at']): number {
  const { key, value } = findNodes(doc, docPath);
  const emptyValue = !value || (isScalar(value) && value.value === null && value.source === '');
  const node = at === 'key' || emptyValue ? (key ?? value) : value;
  return node?.range?.[0] ?? 0;
}

export function positionOf(doc: Document, lineCounter: LineCounter, docPath: DocPath, at: Issue['at']): Position {
  return lineCounter.linePos(offsetOf(doc, docPath, at));
}

/** The data path of the map key that starts at `offset`, if any (yaml reports duplicate keys by offset only). */
export function keyPathAt(doc: Document, offset: number): DocPath | undefined {
  const walk = (node: unknown, at: DocPath): DocPath | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as Node | null;
        const keyName = isScalar(k) ? String(k.value) : undefined;
        if (keyName !== undefined && k?.range?.[0] === offset) return [...at, keyName];
        const inner = walk(pair.value, keyName === undefined ? at : [...at, keyName]);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const inner = walk(item, [...at, i]);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}
