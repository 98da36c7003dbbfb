/**
 * What an import produces before it is written out: sessions of windows of panes, each level with
 * the spec fields it maps to (in the order they are written) and the comments that belong there.
 * Field values are plain YAML data in the spec language (model9.md); `emit.ts` turns them into text.
 */

export type Format = 'tmuxinator' | 'tmuxp' | 'smug' | 'process-compose' | 'procfile' | 'pm2';
export const FORMATS: readonly Format[] = ['tmuxinator', 'tmuxp', 'smug', 'process-compose', 'procfile', 'pm2'];

export interface DraftNode {
  /** Spec fields of this level (cwd, env, restart, command, keys...), in insertion order. */
  fields: Record<string, unknown>;
  /** `not imported: KEY: VALUE (why)` lines: options of the source that have no place in the spec. */
  notImported: string[];
  /** Other comments (a name that was changed, where the session came from): not counted. */
  remarks: string[];
}

export type DraftPane = DraftNode;

export interface DraftWindow extends DraftNode {
  name: string;
  layout?: string;
  panes: DraftPane[];
}

export interface DraftSession extends DraftNode {
  name: string;
  /** The file it came from, as the user named it. */
  file: string;
  format: Format;
  windows: DraftWindow[];
}

export function draftNode(): DraftNode {
  return { fields: {}, notImported: [], remarks: [] };
}

/** Every `not imported` comment of a session, all levels. */
export function countNotImported(session: DraftSession): number {
  let n = session.notImported.length;
  for (const w of session.windows) {
    n += w.notImported.length;
    for (const p of w.panes) n += p.notImported.length;
  }
  return n;
}
