import { MAX_START_BYTES, START_LIMIT_RULE, startSize } from './argument-limits.js';
import { DEFAULTS } from './defaults.js';
import { checkLevel, type LevelContext, type LevelSettings } from './check-level.js';
import { type InheritedPane, inherit } from './inherit.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import { placesOf, whoNeeds } from './pane-groups.js';
import type { RawSession } from './raw-spec.js';
import { type Level, type PanePlace, sessionTree } from './session-tree.js';
import type { DependencyCondition, SessionSpec } from './types.js';

/** A `dependsOn` entry where it is written, and the panes that take it (those for which it is the nearest). */
export interface DependencyEntry {
  path: DocPath;
  dependents: string[];
  target: string;
  condition: DependencyCondition;
}

/** A session as normalised, before it is placed on each of its hosts (load.ts). */
export type UnplacedSession = Omit<SessionSpec, 'host'>;

export interface SessionContext extends LevelContext {
  /** Absolute path of the spec file. */
  source: string;
  /** The shell a `keys` pane runs when no level names one (LoadOptions.loginShell). */
  loginShell: string;
  /** The line a node starts on, for messages that name a second place in the file. */
  lineOf(at: DocPath): number;
}

/**
 * One session made into a SessionSpec: its windows and panes, each pane's settings inherited
 * session → window → pane, and the checks the schema cannot express (paths that must exist, env
 * files, required variables, regular expressions, layouts, unique window names). `schemaIssues` are
 * the schema's findings for the document: each check runs only on keys the schema accepted, so every
 * problem is reported at once without a check tripping over a value of the wrong type. A check on
 * something a level declares runs once for that level, however many panes inherit it. A spec is
 * returned only when the session has no problem at all.
 */
export async function normaliseSession(
  name: string,
  raw: RawSession,
  ctx: SessionContext,
  schemaIssues: readonly Issue[],
): Promise<{ spec: UnplacedSession; issues: []; dependencies: DependencyEntry[] } | { spec?: undefined; issues: Issue[] }> {
  const at: DocPath = ['sessions', name];
  const mine = schemaIssues.filter((i) => startsWith(i.path, at));
  const accepted = (path: DocPath) => !mine.some((i) => startsWith(i.path, path));
  const valid = (path: DocPath) => !mine.some((i) => i.path.length === path.length && startsWith(i.path, path));
  const tree = sessionTree(name, raw, { valid, lineOf: ctx.lineOf });
  const issues: Issue[] = [...tree.issues];

  const settings = new Map<Level, LevelSettings>();
  for (const level of tree.levels) {
    const checked = await checkLevel(level.raw, level.at, (key) => accepted([...level.at, key]), ctx);
    settings.set(level, checked.settings);
    issues.push(...checked.issues);
  }

  const panes = new Map<PanePlace, InheritedPane | undefined>();
  // requiredEnv misses, one problem per requiredEnv entry and state, naming the panes concerned.
  const missing = new Map<string, { at: DocPath; name: string; state: string; panes: PanePlace[] }>();
  for (const pane of tree.windows.flatMap((w) => w.panes)) {
    // On a remote host, this machine's folders and login shell mean nothing.
    const inherited = inherit(
      pane.chain.map((level) => settings.get(level) as LevelSettings),
      ctx.remote ? { defaultCwd: DEFAULTS.remoteCwd, loginShell: DEFAULTS.shell } : { defaultCwd: ctx.specDir, loginShell: ctx.loginShell },
    );
    panes.set(pane, inherited.pane);
    for (const miss of inherited.missing) {
      const path = [...miss.at, miss.index];
      const key = JSON.stringify([path, miss.state]);
      const entry = missing.get(key) ?? { at: path, name: miss.name, state: miss.state, panes: [] };
      entry.panes.push(pane);
      missing.set(key, entry);
    }
  }
  for (const miss of missing.values()) {
    const level = tree.levels.find((l) => startsWith(miss.at, l.at) && miss.at.length === l.at.length + 2) as Level;
    issues.push({
      path: miss.at,
      at: 'value',
      message:
        `${formatPath(miss.at)}: ${whoNeeds(tree, level, miss.panes, { one: 'requires', many: 'require' })} ${miss.name}, which ${miss.state} ` +
        `(set it under env, in an env file, or in the environment tmuxctl runs in)`,
    });
  }

  if (mine.length > 0 || issues.length > 0) return { issues };

  // Each string may be under the kernel's limit while all of them together are over it.
  const sizes = new Map<PanePlace, number>();
  for (const [pane, inherited] of panes) {
    if (!inherited) continue;
    const command = inherited.command;
    const bytes = startSize(command.kind === 'shell' ? ['sh', '-c', command.script] : command.argv, inherited.env);
    if (bytes > MAX_START_BYTES) sizes.set(pane, bytes);
  }
  if (sizes.size > 0) {
    for (const place of placesOf(tree, new Set(sizes.keys()))) {
      const largest = Math.max(...place.panes.map((p) => sizes.get(p) as number));
      const what =
        place.panes.length === 1
          ? `its command and environment add up to ${largest} bytes`
          : `each of its ${place.panes.length} panes has a command and environment over the limit (the largest: ${largest} bytes)`;
      issues.push({ path: place.at, at: 'key', message: `${formatPath(place.at)}: ${what}; ${START_LIMIT_RULE}` });
    }
    return { issues };
  }

  // Checked against every session of every file once all are loaded (dependency-check.ts).
  const dependencies: DependencyEntry[] = [];
  for (const level of tree.levels) {
    const entries = settings.get(level)?.dependsOn;
    if (!entries) continue;
    const dependents = tree.windows
      .flatMap((w) => w.panes)
      .filter((p) => p.chain.findLast((l) => l.raw.dependsOn !== undefined) === level)
      .map((p) => p.target);
    for (const e of entries) dependencies.push({ path: [...level.at, 'dependsOn', e.target], dependents, ...e });
  }

  return {
    dependencies,
    spec: {
      name,
      source: ctx.source,
      windowsDeclared: tree.windowsDeclared,
      windows: tree.windows.map((window) => ({
        name: window.name,
        ...(window.layout !== undefined && { layout: window.layout }),
        panes: window.panes.map((pane) => ({
          session: name,
          window: pane.window,
          index: pane.index,
          target: pane.target,
          source: ctx.source,
          ...(panes.get(pane) as InheritedPane),
        })),
      })),
    },
    issues: [],
  };
}

function startsWith(path: DocPath, prefix: DocPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(path[i]) === String(segment));
}
