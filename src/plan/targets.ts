import { type ManagedPane, managedPanes, type ObservedSession } from '../observe/types.js';
import type { SessionSpec, WindowSpec } from '../spec/types.js';

/** `session:window`, or the session alone for today's one-pane form. */
export function windowTarget(spec: SessionSpec, w: WindowSpec): string {
  return spec.windowsDeclared ? `${spec.name}:${w.name}` : spec.name;
}

/**
 * What to call a pane tmuxctl started when no spec is at hand (a prune, `delete NAME`): the session
 * alone when it is the session's only pane in a window named after it, `session:window.N` otherwise.
 */
export function observedTarget(session: ObservedSession, m: Pick<ManagedPane, 'stamp'>): string {
  const only = m.stamp.window === session.name && m.stamp.index === 0 && managedPanes(session).size === 1;
  return only ? session.name : `${session.name}:${m.stamp.window}.${m.stamp.index}`;
}

/** A target as people write it: `session`, `session:window` or `session:window.N`. */
export interface TargetPattern {
  session: string;
  window?: string;
  index?: number;
}

/** Parses a target; undefined when it is not one (the caller says what is allowed). */
export function parseTarget(text: string): TargetPattern | undefined {
  const m = /^([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_-]{1,64})(?:\.(\d+))?)?$/.exec(text);
  if (!m) return undefined;
  return { session: m[1]!, ...(m[2] !== undefined && { window: m[2] }), ...(m[3] !== undefined && { index: Number(m[3]) }) };
}

/**
 * `gpu1/agent-a:main.0`: a target on a host; without `host/`, any host. Session names never hold a
 * '/', so the first one ends the host's name.
 */
export function parseHostTarget(text: string): { host?: string; target: TargetPattern } | undefined {
  const slash = text.indexOf('/');
  const target = parseTarget(slash < 0 ? text : text.slice(slash + 1));
  if (!target) return undefined;
  return slash < 0 ? { target } : { host: text.slice(0, slash), target };
}

/** Whether a pane (by its key) is within a target. */
export function targetCovers(t: TargetPattern, pane: { session: string; window: string; index: number }): boolean {
  if (t.session !== pane.session) return false;
  if (t.window !== undefined && t.window !== pane.window) return false;
  return t.index === undefined || t.index === pane.index;
}
