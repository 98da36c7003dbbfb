import { unwrapStartCommand } from '../apply/carry-screen.js';
import { isEmptyServer, isNoServer, tmuxFailure, type Tmux } from '../tmux/client.js';
import { OPT } from '../tmux/options.js';

/** One pane as `freeze` sees it, in tmux's own terms. */
export interface PaneRow {
  sessionId: string;
  session: string;
  /** The session carries tmuxctl's ownership stamp (`@tmuxctl-source`, or `@tmuxctl-hash` from earlier builds). */
  owned: boolean;
  windowIndex: number;
  windowName: string;
  /** tmux's layout string of the window (`b25d,80x24,0,0{...}`). */
  layout: string;
  paneIndex: number;
  pid: number;
  dead: boolean;
  /** Where the pane's foreground process is, as tmux reads it from /proc. */
  cwd: string;
  /** tmux's own rendering of the command the pane was started with ('' for the default shell). */
  startCommand: string;
}

const FIELDS = {
  sessionId: 'session_id',
  session: 'session_name',
  hash: OPT.hash,
  source: OPT.source,
  windowIndex: 'window_index',
  windowName: 'window_name',
  layout: 'window_layout',
  paneIndex: 'pane_index',
  pid: 'pane_pid',
  dead: 'pane_dead',
  cwd: 'pane_current_path',
  startCommand: 'pane_start_command',
} as const;
type Key = keyof typeof FIELDS;
const KEYS = Object.keys(FIELDS) as Key[];

/**
 * Window names, session names and paths may hold anything, the separator the observer uses
 * (snapshot.ts) and newlines included, and freeze reads three of them. So every field goes through
 * tmux's `q:` modifier, which backslash-escapes `|`, `&` and `\` (among others): an unescaped `|`
 * ends a field and an unescaped `&` ends a row, whatever the values hold. (Not `;`: tmux reads an
 * argument ending in `;` as the end of a command and drops it.)
 */
export const FORMAT = `${KEYS.map((k) => `#{q:${FIELDS[k]}}`).join('|')}&`;

/** Every pane of the server in one tmux call; no server is no panes. */
export async function listPanes(tmux: Tmux): Promise<PaneRow[]> {
  const r = await tmux.exec(['list-panes', '-a', '-F', FORMAT]);
  if (r.code !== 0) {
    if (isNoServer(r.stderr) || isEmptyServer(r.stderr)) return [];
    throw tmuxFailure(['list-panes'], r);
  }
  return parsePaneRows(r.stdout);
}

/** Parses list-panes output made with FORMAT; rows with another number of fields are dropped. */
export function parsePaneRows(stdout: string): PaneRow[] {
  return splitQuoted(stdout)
    .filter((fields) => fields.length === KEYS.length)
    .map((fields) => {
      const v = Object.fromEntries(KEYS.map((k, i) => [k, fields[i]!])) as Record<Key, string>;
      return {
        sessionId: v.sessionId,
        session: v.session,
        owned: v.hash !== '' || v.source !== '',
        windowIndex: Number(v.windowIndex),
        windowName: v.windowName,
        layout: v.layout,
        paneIndex: Number(v.paneIndex),
        pid: Number(v.pid),
        dead: v.dead === '1',
        cwd: v.cwd,
        // A dead pane tmuxctl restarted was started through the reprint wrapper: its real command is shown.
        startCommand: unwrapStartCommand(v.startCommand),
      };
    });
}

/** Rows of fields: `\x` is a literal x, `|` ends a field, `&` ends a row (the newline after it is skipped). */
function splitQuoted(text: string): string[][] {
  const rows: string[][] = [];
  let fields: string[] = [];
  let field = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) field += text[++i];
    else if (c === '|') {
      fields.push(field);
      field = '';
    } else if (c === '&') {
      fields.push(field);
      rows.push(fields);
      fields = [];
      field = '';
      if (text[i + 1] === '\n') i++;
    } else field += c;
  }
  return rows;
}
