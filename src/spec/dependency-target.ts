import type { PaneSpec, SessionSpec } from './types.js';

/** A `dependsOn` key: a whole session, one window of it, or one pane (`session:window.N`). */
export interface DependencyTarget {
  session: string;
  window?: string;
  index?: number;
}

/** The schema has checked the shape (`name`, `name:window`, `name:window.N`); this only splits it. */
export function parseDependencyTarget(target: string): DependencyTarget {
  const [session, rest] = target.split(':', 2) as [string, string | undefined];
  if (rest === undefined) return { session };
  const dot = rest.lastIndexOf('.');
  if (dot < 0) return { session, window: rest };
  return { session, window: rest.slice(0, dot), index: Number(rest.slice(dot + 1)) };
}

/** The panes a target stands for, in spec order: every pane of the session or window, or the one pane. Empty when it names nothing. */
export function panesCovered(target: DependencyTarget, session: SessionSpec): PaneSpec[] {
  const windows = target.window === undefined ? session.windows : session.windows.filter((w) => w.name === target.window);
  const panes = windows.flatMap((w) => w.panes);
  return target.index === undefined ? panes : panes.filter((p) => p.index === target.index);
}
