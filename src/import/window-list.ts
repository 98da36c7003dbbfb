import type { DraftSession, DraftWindow } from './draft.js';
import { Fields, isSourceMap } from './fields.js';
import { childDir, tidyDir } from './paths.js';
import { renderValue } from './render-value.js';
import { addWindow } from './session-draft.js';

/** The session's folder (tmuxp's `start_directory`, smug's `root`): tidied, and the session's cwd when given. */
export function sessionRoot(session: DraftSession, reader: Fields, key: string): string | undefined {
  const dir = reader.string(key);
  const root = dir === undefined ? undefined : tidyDir(dir);
  if (root !== undefined) session.fields.cwd = root;
  return root;
}

/** The keys a window list's entries name themselves and their folder by. */
export interface WindowKeys {
  name: string;
  dir: string;
}

/** One entry of the list, drafted so far: its reader (for the format's own keys), its window and folder. */
export interface WindowEntry {
  fields: Fields;
  source: Record<string, unknown>;
  window: DraftWindow;
  /** The window's folder: its own under the session's root, or the root. */
  dir: string | undefined;
  index: number;
}

/**
 * A list of windows as tmuxp and smug write it: each a map with a name, a folder relative to the
 * session's root, and a layout. Each entry becomes a uniquely named window; what else it holds is
 * read by `each`. Anything but a list (or a map in it) is noted as not imported.
 */
export function eachWindow(
  session: DraftSession,
  reader: Fields,
  windows: unknown,
  root: string | undefined,
  keys: WindowKeys,
  each: (entry: WindowEntry) => void,
): void {
  if (!Array.isArray(windows)) {
    if (windows !== undefined) reader.note('windows', windows, 'expected a list of windows');
    return;
  }
  const taken = new Set<string>();
  windows.forEach((item, i) => {
    const source = isSourceMap(item) ? item : {};
    const fields = new Fields(source, []);
    const window = addWindow(session, taken, fields.string(keys.name), `window-${i + 1}`, fields.notes);
    if (!isSourceMap(item)) window.notImported.push(`not imported: windows[${i}]: ${renderValue(item)} (expected a map)`);
    const own = fields.string(keys.dir);
    const dir = own === undefined ? root : tidyDir(childDir(root, own));
    if (dir !== undefined && dir !== root) window.fields.cwd = dir;
    const layout = fields.string('layout');
    if (layout !== undefined) window.layout = layout;
    each({ fields, source, window, dir, index: i });
  });
}
