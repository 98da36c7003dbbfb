import type { PaneProcess } from './pane-process.js';
import type { PaneRow } from './list-panes.js';
import { paneRun, type PaneRun } from './pane-run.js';
import { uniqueName } from './spec-name.js';

/** A spec of live sessions, before it is written as YAML; `note`s become comments. */
export interface FrozenPane {
  run: PaneRun;
  /** Absent when a window or the session carries it for every pane below. */
  cwd?: string;
  note?: string;
}

export interface FrozenWindow {
  name: string;
  /** tmux's layout string, for a window of more than one pane. */
  layout?: string;
  cwd?: string;
  panes: FrozenPane[];
  note?: string;
}

export interface FrozenSession {
  name: string;
  cwd?: string;
  windows: FrozenWindow[];
  note?: string;
}

export interface FreezeContext {
  /** What runs in each pane, by pane pid (read from /proc by the caller). */
  processes: ReadonlyMap<number, PaneProcess>;
  /** The user's login shell: the default of a `keys` pane. */
  loginShell: string;
  /** The user's home: a cwd inside it is written `~/...`. */
  home?: string;
  /** Whether a cwd is still a folder (a shell's cwd may have been removed); default: yes. */
  isFolder?: (path: string) => boolean;
}

/**
 * Live panes (of the sessions to freeze, in any order) to a spec: sessions in the order tmux lists
 * them, windows by index, panes by index. Names that are not valid spec names, and window names
 * taken twice in a session, are renamed with a note saying what they were. Pure.
 */
export function freezeSessions(rows: readonly PaneRow[], ctx: FreezeContext): FrozenSession[] {
  const bySession = groupBy(rows, (r) => r.sessionId);
  const sessionNames = new Set<string>();
  return [...bySession.values()].map((sessionRows) => {
    const live = sessionRows[0]!.session;
    const named = uniqueName(live, sessionNames, 'session');
    const windows = [...groupBy(sessionRows, (r) => String(r.windowIndex)).values()]
      .sort((a, b) => a[0]!.windowIndex - b[0]!.windowIndex)
      .map((windowRows) => windowRows.sort((a, b) => a.paneIndex - b.paneIndex));
    const windowNames = new Set<string>();
    const frozen: FrozenSession = {
      name: named.name,
      windows: windows.map((panes) => {
        const w = uniqueName(panes[0]!.windowName, windowNames, 'window');
        return {
          name: w.name,
          ...(panes.length > 1 && { layout: panes[0]!.layout }),
          panes: panes.map((p) => freezePane(p, ctx)),
          ...(w.note && { note: w.note }),
        };
      }),
      ...(named.note && { note: named.note }),
    };
    return hoistCwd(frozen);
  });
}

/**
 * A cwd that is gone (tmux shows `/x (deleted)`) is left out with a note: the loader refuses a cwd
 * that does not exist, and the frozen spec must load.
 */
function freezePane(row: PaneRow, ctx: FreezeContext): FrozenPane {
  const { run, note } = paneRun(ctx.processes.get(row.pid), row, ctx.loginShell);
  const gone = row.cwd !== '' && ctx.isFolder?.(row.cwd) === false;
  const notes = [note, gone ? `its working directory ${JSON.stringify(row.cwd)} no longer exists: left out` : undefined].filter(Boolean);
  return {
    run,
    ...(row.cwd !== '' && !gone && { cwd: homeRelative(row.cwd, ctx.home) }),
    ...(notes.length > 0 && { note: notes.join('; ') }),
  };
}

/**
 * The cwd every pane shares goes on the session; else the one all panes of a window share goes on
 * the window. A pane then keeps a cwd only where it differs.
 */
function hoistCwd(session: FrozenSession): FrozenSession {
  const all = session.windows.flatMap((w) => w.panes);
  const common = sameCwd(all);
  if (common !== undefined) return { ...session, cwd: common, windows: session.windows.map((w) => ({ ...w, panes: w.panes.map(withoutCwd) })) };
  return {
    ...session,
    windows: session.windows.map((w) => {
      const shared = sameCwd(w.panes);
      return shared === undefined ? w : { ...w, cwd: shared, panes: w.panes.map(withoutCwd) };
    }),
  };
}

function sameCwd(panes: readonly FrozenPane[]): string | undefined {
  const first = panes[0]?.cwd;
  return first !== undefined && panes.every((p) => p.cwd === first) ? first : undefined;
}

function withoutCwd({ cwd: _, ...pane }: FrozenPane): FrozenPane {
  return pane;
}

function homeRelative(cwd: string, home: string | undefined): string {
  if (!home || home === '/') return cwd;
  if (cwd === home) return '~';
  return cwd.startsWith(`${home}/`) ? `~${cwd.slice(home.length)}` : cwd;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
