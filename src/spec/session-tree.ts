import { formatPath, type DocPath, type Issue } from './issue.js';
import { layoutProblem } from './layout.js';
import type { RawPane, RawSession, RawWindow } from './raw-spec.js';

/** A place in the file that may carry settings: a session, one of its windows, or a pane of a window. */
export interface Level {
  kind: 'session' | 'window' | 'pane';
  at: DocPath;
  raw: RawPane;
}

/** One pane to be made, and the levels it inherits from, farthest first (session, window, pane). */
export interface PanePlace {
  window: string;
  index: number;
  /** `session` for a session of one pane, else `session:window.N`. */
  target: string;
  chain: Level[];
}

export interface WindowPlace {
  name: string;
  at: DocPath;
  layout?: string;
  panes: PanePlace[];
}

/** The shape of one session as declared: windows of panes, in spec order. */
export interface SessionTree {
  name: string;
  at: DocPath;
  windowsDeclared: boolean;
  /** Every level, each once, in document order. */
  levels: Level[];
  windows: WindowPlace[];
  /** Structural problems: duplicate window names, layouts tmux would refuse. */
  issues: Issue[];
}

export interface TreeContext {
  /** False when the schema complained about the value at `at` itself (its type, say): it cannot be read as what it claims to be. */
  valid(at: DocPath): boolean;
  /** The line a node starts on, for messages that point at another place too. */
  lineOf(at: DocPath): number;
}

/**
 * Walks a session as the schema left it. Only parts the schema accepted are read as what they
 * claim to be, so a session with problems is still walked as far as it can be and every problem
 * in it is reported at once. A session without `windows` (today's form) is one window named after
 * the session, holding one pane.
 */
export function sessionTree(name: string, raw: RawSession, ctx: TreeContext): SessionTree {
  const at: DocPath = ['sessions', name];
  const session: Level = { kind: 'session', at, raw };
  const levels: Level[] = [session];
  const issues: Issue[] = [];
  const windowsAt = [...at, 'windows'];
  const windows: WindowPlace[] = [];
  const windowsDeclared = Array.isArray(raw.windows) && ctx.valid(windowsAt);

  if (!windowsDeclared) {
    windows.push({ name, at, panes: [{ window: name, index: 0, target: name, chain: [session] }] });
  } else {
    const firstNamed = new Map<string, DocPath>();
    (raw.windows as unknown[]).forEach((item, w) => {
      const windowAt = [...windowsAt, w];
      if (!isRecord(item)) return;
      const rawWindow = item as unknown as RawWindow;
      const window: Level = { kind: 'window', at: windowAt, raw: rawWindow };
      levels.push(window);
      const nameAt = [...windowAt, 'name'];
      const windowName = typeof rawWindow.name === 'string' && ctx.valid(nameAt) ? rawWindow.name : `#${w}`;
      const first = firstNamed.get(windowName);
      if (first && windowName === rawWindow.name) {
        issues.push({
          path: nameAt,
          at: 'value',
          message: `${formatPath(nameAt)}: window name ${JSON.stringify(windowName)} is already used by ${formatPath(first)} (line ${ctx.lineOf(first)}); window names must be unique in a session`,
        });
      } else if (!first) {
        firstNamed.set(windowName, windowAt);
      }

      const panesAt = [...windowAt, 'panes'];
      const panes: PanePlace[] = [];
      if (Array.isArray(rawWindow.panes) && ctx.valid(panesAt)) {
        (rawWindow.panes as unknown[]).forEach((paneItem, p) => {
          if (!isRecord(paneItem)) return;
          const pane: Level = { kind: 'pane', at: [...panesAt, p], raw: paneItem as RawPane };
          levels.push(pane);
          panes.push({ window: windowName, index: p, target: '', chain: [session, window, pane] });
        });
      } else {
        panes.push({ window: windowName, index: 0, target: '', chain: [session, window] });
      }

      const layoutAt = [...windowAt, 'layout'];
      let layout: string | undefined;
      if (typeof rawWindow.layout === 'string' && ctx.valid(layoutAt)) {
        const problem = layoutProblem(rawWindow.layout, Array.isArray(rawWindow.panes) ? rawWindow.panes.length : 1);
        if (problem) issues.push({ path: layoutAt, at: 'value', message: `${formatPath(layoutAt)}: ${problem}` });
        else layout = rawWindow.layout;
      }
      windows.push({ name: windowName, at: windowAt, ...(layout !== undefined && { layout }), panes });
    });
  }

  const count = windows.reduce((n, w) => n + w.panes.length, 0);
  for (const window of windows) {
    for (const pane of window.panes) pane.target = count === 1 ? name : `${name}:${pane.window}.${pane.index}`;
  }
  return { name, at, windowsDeclared, levels, windows, issues };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
