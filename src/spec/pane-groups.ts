import type { DocPath } from './issue.js';
import type { Level, PanePlace, SessionTree } from './session-tree.js';

/**
 * Where a problem that several panes share is reported, so that it is said once per place in the
 * file: the whole session when every pane has it, else each window all of whose panes have it,
 * else each pane. A session-level `env` too large for six panes is one line, not six.
 */
export function placesOf(tree: SessionTree, failing: ReadonlySet<PanePlace>): { at: DocPath; panes: PanePlace[] }[] {
  const all = tree.windows.flatMap((w) => w.panes);
  if (all.length > 0 && all.every((p) => failing.has(p))) return [{ at: tree.at, panes: all }];
  const places: { at: DocPath; panes: PanePlace[] }[] = [];
  for (const window of tree.windows) {
    const mine = window.panes.filter((p) => failing.has(p));
    if (mine.length === 0) continue;
    if (mine.length === window.panes.length) places.push({ at: window.at, panes: mine });
    else for (const pane of mine) places.push({ at: pane.chain[pane.chain.length - 1].at, panes: [pane] });
  }
  return places;
}

/**
 * Who needs something, for messages: the level that asks for it when all its panes are concerned
 * (`session "shop"`, `window "shop:servers"`, `pane "shop:servers.1"`), else the panes by target.
 */
export function whoNeeds(tree: SessionTree, level: Level, failing: readonly PanePlace[], verb: { one: string; many: string }): string {
  const under = tree.windows.flatMap((w) => w.panes).filter((p) => p.chain.includes(level));
  if (under.length === failing.length) {
    if (level.kind === 'session') return `session ${JSON.stringify(tree.name)} ${verb.one}`;
    const first = failing[0];
    if (level.kind === 'window') return `window ${JSON.stringify(`${tree.name}:${first.window}`)} ${verb.one}`;
    return `pane ${JSON.stringify(first.target)} ${verb.one}`;
  }
  const targets = failing.map((p) => JSON.stringify(p.target));
  if (failing.length === 1) return `pane ${targets[0]} ${verb.one}`;
  return `panes ${targets.slice(0, -1).join(', ')} and ${targets.at(-1)} ${verb.many}`;
}
