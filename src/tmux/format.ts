/**
 * Formats for `list-panes -a -F`. Tabs are escaped by tmux and control characters become '_', so
 * fields are split on a printable sequence containing ':', which no session name can contain.
 * The session name goes last so that a foreign session with an odd name cannot shift the fields.
 */
export const FIELD_SEP = '|:|';

export type Row<K extends string> = Record<K, string>;

export function buildFormat(fields: readonly string[]): string {
  return fields.map((f) => `#{${f}}`).join(FIELD_SEP);
}

/** Parses list output; the last field takes the rest of the line. Lines with too few fields are dropped. */
export function parseRows<K extends string>(stdout: string, keys: readonly K[]): Row<K>[] {
  const rows: Row<K>[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const parts = line.split(FIELD_SEP);
    if (parts.length < keys.length) continue;
    const row = {} as Row<K>;
    keys.forEach((k, i) => {
      row[k] = i === keys.length - 1 ? parts.slice(i).join(FIELD_SEP) : parts[i]!;
    });
    rows.push(row);
  }
  return rows;
}
