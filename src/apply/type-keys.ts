import { parsePaneStamp } from '../observe/stamps.js';
import { sleep } from './stop.js';
import type { PaneSpec } from '../spec/types.js';
import type { Tmux } from '../tmux/client.js';
import { typeText } from '../tmux/commands.js';
import { buildFormat, parseRows } from '../tmux/format.js';
import { PANE_STAMP_OPT } from '../tmux/options.js';

/** How long a shell gets to draw its prompt before the keys are typed anyway (the terminal keeps them until it reads). */
export const SHELL_READY_TIMEOUT_MS = 3000;
const POLL_MS = 25;

const KEYS = ['cursorX', 'cursorY', 'dead', 'paneId', 'stamp', 'session'] as const;
const FORMAT = buildFormat(['cursor_x', 'cursor_y', 'pane_dead', 'pane_id', PANE_STAMP_OPT, 'session_name']);

/**
 * Types each `keys` pane's text once its shell is ready: when the shell has drawn its prompt (the
 * cursor left the top-left corner), or after SHELL_READY_TIMEOUT_MS. Typed into the freshly started
 * pane found by its stamp, never by position; a pane that died meanwhile gets nothing. Returns
 * tmux's errors.
 */
export async function typeKeys(tmux: Tmux, panes: readonly PaneSpec[], timeoutMs = SHELL_READY_TIMEOUT_MS): Promise<string[]> {
  const wanted = new Map(panes.map((p) => [`${p.session}\u0000${p.window}.${p.index}`, p]));
  const ready = new Map<string, string>(); // key -> pane id
  const deadline = Date.now() + timeoutMs;
  let seen = new Map<string, string>();
  for (;;) {
    const r = await tmux.exec(['list-panes', '-a', '-F', FORMAT]);
    if (r.code !== 0) return [r.stderr.trim() || 'list-panes failed before typing keys'];
    seen = new Map();
    for (const row of parseRows(r.stdout, KEYS)) {
      const stamp = parsePaneStamp(row.stamp);
      if (!stamp) continue;
      const key = `${row.session}\u0000${stamp.window}.${stamp.index}`;
      if (!wanted.has(key) || ready.has(key)) continue;
      if (row.dead === '1') {
        wanted.delete(key);
        continue;
      }
      seen.set(key, row.paneId);
      if (row.cursorX !== '0' || row.cursorY !== '0') ready.set(key, row.paneId);
    }
    if ([...wanted.keys()].every((k) => ready.has(k)) || Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  for (const [key, id] of seen) if (!ready.has(key)) ready.set(key, id);
  const lines = [...ready].map(([key, id]) => typeText(id, wanted.get(key)!.keys ?? '').join(' ; '));
  return lines.length > 0 ? tmux.runScript(lines) : [];
}
