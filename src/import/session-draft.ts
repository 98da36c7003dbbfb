import { type DraftPane, type DraftSession, type DraftWindow, type Format, draftNode } from './draft.js';
import { renameRemark, sanitiseName, uniqueName } from './names.js';
import type { SourceFile } from './source.js';

/**
 * A new session draft named from the source (sanitised, with a remark when that changed it).
 * `notImported`: the list its top-level reader already writes to.
 */
export function newSession(file: SourceFile, format: Format, original: string, fallback: string, notImported: string[] = []): DraftSession {
  const name = sanitiseName(original, sanitiseName(fallback, 'imported'));
  const session: DraftSession = { ...draftNode(), notImported, name, file: file.display, format, windows: [] };
  session.remarks.push(...renameRemark('session', original, name));
  return session;
}

/**
 * Adds a window named from the source: sanitised, made unique in the session, with a remark for
 * each change. `original` undefined: the source gave none and `fallback` is used. `notImported`:
 * the list its reader already writes to.
 */
export function addWindow(session: DraftSession, taken: Set<string>, original: string | undefined, fallback: string, notImported: string[] = []): DraftWindow {
  const sanitised = sanitiseName(original ?? fallback, fallback);
  const unique = uniqueName(sanitised, taken);
  const window: DraftWindow = { ...draftNode(), notImported, name: unique.name, panes: [] };
  if (original === undefined) window.remarks.push(`window name ${JSON.stringify(unique.name)} given by import (the source names none)`);
  else window.remarks.push(...renameRemark('window', original, sanitised));
  window.remarks.push(...unique.remarks);
  session.windows.push(window);
  return window;
}

export function addPane(window: DraftWindow): DraftPane {
  const pane = draftNode();
  window.panes.push(pane);
  return pane;
}
