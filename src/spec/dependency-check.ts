import { parseDependencyTarget, panesCovered } from './dependency-target.js';
import { describeHost, LOCAL_HOST } from './host-name.js';
import { formatPath } from './issue.js';
import type { DependencyEntry } from './normalise.js';
import { closestKey } from './suggest.js';
import type { PaneSpec, SessionSpec, SpecProblem } from './types.js';

/** A `dependsOn` entry as loaded: where it is written (for the message) and what it asks. */
export interface DeclaredDependency extends DependencyEntry {
  /** The spec file as the user names it. */
  file: string;
  line: number;
  col: number;
}

/** A dependency of one copy of a session: the copy on `host`, which waits for a session on that same host. */
export interface PlacedDependency extends DeclaredDependency {
  host: string;
}

const TARGET_RULE = 'a target is a session declared in any spec file loaded together, session:window or session:window.N';

/**
 * What `dependsOn` asks that cannot be: a target no file declares on the dependent's host, a
 * condition the target cannot meet (`healthy` without a healthCheck, `completed` of a pane that
 * restarts always), and cycles. Runs once every file is loaded, since a dependency may be declared
 * in another file. `byHost` holds, per host, every name declared there, mapped to its spec, or to
 * undefined when that session has problems of its own (reported already; only its name is checked
 * then). `unplaced`: names of sessions whose hosts could not be read (never reported as missing).
 * A session on several hosts has its entries checked on each; a problem said alike for several is
 * said once.
 */
export function dependencyProblems(
  declared: readonly PlacedDependency[],
  byHost: ReadonlyMap<string, ReadonlyMap<string, SessionSpec | undefined>>,
  unplaced: ReadonlySet<string> = new Set(),
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const at = (d: DeclaredDependency, message: string): SpecProblem => ({
    file: d.file,
    line: d.line,
    col: d.col,
    message: `${formatPath(d.path)}: ${message}`,
  });
  /**
   * Edges of the pane graph, dependent -> dependency, each with the entry that makes it. Nodes are
   * pane targets, written `host/target` on a remote host (as people write them), so a cycle on one
   * host is never joined with panes of the same name on another.
   */
  const edges = new Map<string, Map<string, DeclaredDependency>>();
  const none = new Map<string, SessionSpec | undefined>();

  for (const d of declared) {
    const target = parseDependencyTarget(d.target);
    const sessions = byHost.get(d.host) ?? none;
    if (!sessions.has(target.session)) {
      if (unplaced.has(target.session)) continue;
      const elsewhere = [...byHost].filter(([, names]) => names.has(target.session)).map(([host]) => host);
      if (elsewhere.length > 0) {
        problems.push(
          at(
            d,
            `session ${JSON.stringify(target.session)} is not declared on ${describeHost(d.host)}, only on ${andList(elsewhere.map(describeHost))}; ` +
              `a dependency is a session on the same host (declare ${JSON.stringify(target.session)} there too, or drop the dependency)`,
          ),
        );
        continue;
      }
      const guess = closestKey(target.session, [...sessions.keys()]);
      const on = d.host === LOCAL_HOST ? '' : ` on host ${JSON.stringify(d.host)}`;
      problems.push(
        at(d, `no session ${JSON.stringify(target.session)} is declared${on}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}; ${TARGET_RULE}`),
      );
      continue;
    }
    // tmux starts a session's panes together (in one create), so none of them can wait for another.
    if (target.session === d.path[1]) {
      problems.push(at(d, `a pane cannot depend on its own session (its panes are started together); put ${JSON.stringify(d.target)} in a session of its own`));
      continue;
    }
    const spec = sessions.get(target.session);
    if (!spec) continue;
    const covered = panesCovered(target, spec);
    if (covered.length === 0) {
      const window = spec.windows.find((w) => w.name === target.window);
      problems.push(
        at(
          d,
          window
            ? `window ${JSON.stringify(`${spec.name}:${window.name}`)} has no pane ${target.index} (its panes are 0 to ${window.panes.length - 1}); ${TARGET_RULE}`
            : `session ${JSON.stringify(spec.name)} has no window ${JSON.stringify(target.window)} (its windows: ${spec.windows.map((w) => w.name).join(', ')}); ${TARGET_RULE}`,
        ),
      );
      continue;
    }
    const conditionProblem = conditionProblemOf(d, covered);
    if (conditionProblem) {
      problems.push(at(d, conditionProblem));
      continue;
    }
    const node = (target: string) => (d.host === LOCAL_HOST ? target : `${d.host}/${target}`);
    for (const from of d.dependents) {
      const out = edges.get(node(from)) ?? new Map<string, DeclaredDependency>();
      for (const p of covered) if (!out.has(node(p.target))) out.set(node(p.target), d);
      edges.set(node(from), out);
    }
  }

  for (const cycle of cyclesOf(edges)) {
    const first = edges.get(cycle[0]!)!.get(cycle[1]!)!;
    problems.push(at(first, `dependency cycle: ${cycle.join(' -> ')}; dependencies may not form a cycle (a pane cannot wait for itself)`));
  }
  const said = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify(p);
    if (said.has(key)) return false;
    said.add(key);
    return true;
  });
}

function andList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function conditionProblemOf(d: DeclaredDependency, covered: readonly PaneSpec[]): string | undefined {
  const names = (panes: readonly PaneSpec[]) => panes.map((p) => JSON.stringify(p.target)).join(', ');
  if (d.condition === 'healthy') {
    const without = covered.filter((p) => !p.healthCheck);
    if (without.length > 0)
      return `"healthy" needs a healthCheck on ${names(without)}, which ${without.length === 1 ? 'has' : 'have'} none; give ${without.length === 1 ? 'it' : 'them'} one, or use "started"`;
  }
  if (d.condition === 'completed') {
    const always = covered.filter((p) => p.restart === 'always');
    if (always.length > 0)
      return `"completed" is for one-shot jobs (restart: never or on-failure), and ${names(always)} ${always.length === 1 ? 'has' : 'have'} restart: always; use "started" or "healthy"`;
  }
  return undefined;
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each as a path of pane targets
 * from its smallest member back to it, so a cycle is reported once, at the same entry every time.
 */
function cyclesOf(edges: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const next = (n: string) => [...(edges.get(n)?.keys() ?? [])].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (n: string) => {
    index.set(n, counter);
    low.set(n, counter);
    counter++;
    stack.push(n);
    onStack.add(n);
    for (const m of next(n)) {
      if (!index.has(m)) {
        visit(m);
        low.set(n, Math.min(low.get(n)!, low.get(m)!));
      } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!));
    }
    if (low.get(n) === index.get(n)) {
      const component: string[] = [];
      let m: string;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        component.push(m);
      } while (m !== n);
      components.push(component);
    }
  };
  for (const n of [...edges.keys()].sort()) if (!index.has(n)) visit(n);

  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...members].sort()[0]!;
    if (members.size === 1 && !edges.get(start)?.has(start)) continue;
    // Breadth-first within the component: the shortest way from start back to start.
    const from = new Map<string, string>();
    const queue = [start];
    let found = false;
    while (queue.length > 0 && !found) {
      const n = queue.shift()!;
      for (const m of next(n)) {
        if (!members.has(m)) continue;
        if (m === start) {
          from.set(start, n);
          found = true;
          break;
        }
        if (!from.has(m)) {
          from.set(m, n);
          queue.push(m);
        }
      }
    }
    // Walked back from start's predecessor: [a, b, start] for start -> a -> b -> start.
    const path = [start];
    for (let n = from.get(start)!; n !== start; n = from.get(n)!) path.unshift(n);
    cycles.push([start, ...path]);
  }
  return cycles;
}
