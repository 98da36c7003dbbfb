import picomatch from 'picomatch';
import { type ManagedPane, managedPanes, type ObservedState } from '../observe/types.js';

/**
 * What the verbs (`restart`, `stop`, `start`) act on: targets as people write them, `session`,
 * `session:window` or `session:window.N`, where the session part may be a shell-style glob
 * (`'claude_*'`). Only sessions tmuxctl owns are ever matched: a glob never reaches a person's own
 * session, however its name reads.
 */
export interface Selection {
  /** Every managed pane a target covers, once, in session, window and pane order. */
  panes: ManagedPane[];
  /** Targets that matched nothing tmuxctl owns, as written. */
  unmatched: string[];
}

/** A target as written: the session part (a name or a glob), then an optional window and pane. */
interface VerbTarget {
  text: string;
  session: (name: string) => boolean;
  window?: string;
  index?: number;
}

/** Parses targets; a malformed one is returned in `invalid` (the caller says what is allowed). */
export function parseVerbTargets(texts: readonly string[]): { targets: VerbTarget[]; invalid: string[] } {
  const targets: VerbTarget[] = [];
  const invalid: string[] = [];
  for (const text of texts) {
    const m = /^([^:]+)(?::([A-Za-z0-9_-]{1,64})(?:\.(\d+))?)?$/.exec(text);
    if (!m) {
      invalid.push(text);
      continue;
    }
    // Session names are [A-Za-z0-9_-]: anything else in the session part is glob syntax.
    const glob = m[1]!;
    const session = /^[A-Za-z0-9_-]+$/.test(glob) ? (name: string) => name === glob : picomatch(glob, { dot: true });
    targets.push({ text, session, ...(m[2] !== undefined && { window: m[2] }), ...(m[3] !== undefined && { index: Number(m[3]) }) });
  }
  return { targets, invalid };
}

/** Pure: the owned panes the targets cover. */
export function selectPanes(targets: readonly VerbTarget[], observed: ObservedState): Selection {
  const chosen = new Set<ManagedPane>();
  const unmatched: string[] = [];
  const owned = [...observed.sessions.values()].filter((s) => s.owned).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const panes = owned.flatMap((s) =>
    [...managedPanes(s).values()].sort((a, b) => (a.stamp.window < b.stamp.window ? -1 : a.stamp.window > b.stamp.window ? 1 : a.stamp.index - b.stamp.index)),
  );
  for (const t of targets) {
    const hits = panes.filter(
      (m) => t.session(m.session.name) && (t.window === undefined || m.stamp.window === t.window) && (t.index === undefined || m.stamp.index === t.index),
    );
    if (hits.length === 0) unmatched.push(t.text);
    for (const m of hits) chosen.add(m);
  }
  return { panes: panes.filter((m) => chosen.has(m)), unmatched };
}

/** The names of the sessions tmuxctl owns, for the message that says what a target could have been. */
export function ownedSessionNames(observed: ObservedState): string[] {
  return [...observed.sessions.values()]
    .filter((s) => s.owned)
    .map((s) => s.name)
    .sort();
}
