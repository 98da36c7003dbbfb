/** Where a value sits in a spec document: keys of maps and indexes of lists, from the root. */
export type DocPath = readonly (string | number)[];

/**
 * A problem inside one spec document, located by data path rather than by position: the
 * checks (schema, normalisation) work on plain data, and `positions.ts` turns the path into
 * line:col through the YAML nodes. `at` says whether to point at the key or at its value.
 */
export interface Issue {
  path: DocPath;
  at: 'key' | 'value';
  message: string;
}

/** `sessions.alpha.requiredEnv[0]`: the path as messages name it. */
export function formatPath(docPath: DocPath): string {
  let out = '';
  for (const segment of docPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `sessions.alpha: ` or nothing at the root, for messages that name a map and then say what is wrong in it. */
export function prefix(docPath: DocPath): string {
  return docPath.length === 0 ? '' : `${formatPath(docPath)}: `;
}

/** `sessions.alpha.restart` or `the spec` at the root, for messages of the form `X must be ...`. */
export function subject(docPath: DocPath): string {
  return docPath.length === 0 ? 'the spec' : formatPath(docPath);
}
