import { observe } from '../../observe/snapshot.js';
import type { ObservedState } from '../../observe/types.js';
import { ownedPaneStatuses, paneStatuses, type PaneStatus, unmanagedSessionStatuses } from '../../plan/status.js';
import { parseHostTarget, targetCovers, type TargetPattern } from '../../plan/targets.js';
import { type ProcSample, sampleProcs, type TreeUsage, treeUsage, type UsageSample } from '../../process/usage.js';
import { processTrees } from '../../process/table.js';
import { cpuSampleFile, readCpuSample, writeCpuSample } from '../../state/cpu-sample.js';
import type { DesiredState } from '../../spec/types.js';
import { anyPathExists, loadOrFail, specPaths, type Context } from '../context.js';
import { displayPath } from '../../spec/display-path.js';
import type { OutputFormat } from '../options.js';
import { formatBytes, formatDuration, renderTable } from '../table.js';
import { type HostUnreachableError, UsageError } from '../../errors.js';
import { LOCAL_HOST, type Machine } from '../../host/machine.js';
import { desiredOn, openHosts } from '../hosts.js';
import { onEachHost } from '../each-host.js';

export interface StatusOptions {
  file?: string[];
  output: OutputFormat;
  all?: boolean;
  watch?: boolean;
  host?: string[];
}

/** CPU is measured over this long when there is no earlier look to measure from. */
const SAMPLE_MS = 1000;
const WATCH_EVERY_MS = 2000;

/** A status row with what the process table and the session say about it. */
interface StatusRow extends PaneStatus {
  /** `local`, or the host it runs on. */
  host: string;
  cpuPercent: number | null;
  rssBytes: number | null;
  attachedClients: number | null;
}

/** What one look at every host saw. */
interface Look {
  /** Rows of the hosts reached, in host order; then the sessions of the hosts not reached, `unknown`. */
  rows: (PaneStatus & { host: string })[];
  /** Per host reached: its snapshot. */
  observed: Map<string, ObservedState>;
  /** Per host reached: the machine, whose process table a host's CPU and memory come from. */
  machines: Map<string, Machine>;
  lost: HostUnreachableError[];
  at: number;
}

export async function statusCommand(ctx: Context, names: string[], opts: StatusOptions): Promise<number> {
  const desired = await desiredOrNone(ctx, opts.file);
  const targets = names.map((n) => {
    const p = parseHostTarget(n);
    if (!p) throw new UsageError(`invalid target ${JSON.stringify(n)}: write session, session:window or session:window.N, after host/ for a session on a host`);
    return { name: n, host: p.host, t: p.target };
  });
  // Targets that all name their host need look at those hosts only.
  const named = targets.every((x) => x.host !== undefined) && targets.length > 0 ? [...new Set(targets.map((x) => x.host!))] : undefined;
  const opened = await openHosts(ctx, desired, opts.host ?? named);
  const look = async (): Promise<Look> => {
    const { done: reached, lost } = await onEachHost(opened, async (s) => ({ s, observed: await observe(s.ctx.machine) }));
    const rows = reached.flatMap(({ s, observed }) => rowsOf(s.desired, observed, opts.all === true).map((r) => ({ ...r, host: s.host })));
    // A host not reached: its declared panes, state unknown (nothing is known of them, not even whether they run).
    for (const e of lost)
      if (desired)
        rows.push(
          ...paneStatuses(desiredOn(desired, e.host), { sessions: new Map(), serverRunning: false, at: Date.now() }).map((r) => ({
            ...r,
            host: e.host,
            state: 'unknown' as const,
            waiting: null,
          })),
        );
    return {
      rows: selectRows(rows, targets),
      observed: new Map(reached.map(({ s, observed }) => [s.host, observed])),
      machines: new Map(reached.map(({ s }) => [s.host, s.ctx.machine])),
      lost,
      at: Date.now(),
    };
  };
  const withHosts = (desired?.hosts.length ?? 0) > 0;
  if (!opts.watch) {
    const seen = await look();
    const localObserved = seen.observed.get(LOCAL_HOST);
    const localRows = seen.rows.filter((r) => r.host === LOCAL_HOST);
    const sampleFile = cpuSampleFile(ctx.stateDir, ctx.logDir);
    // CPU since the previous look (kept in the state dir) when there is a recent one; otherwise over
    // a second of its own. Nothing runs (nothing started yet, every pane dead): no second to wait.
    let before = readCpuSample(sampleFile);
    // A host's CPU is measured over the same second, from two looks at its process table there.
    const hostsBefore = await hostSamples(seen);
    const measuredHere = before !== undefined;
    before ??= sampleProcs();
    if ((!measuredHere && localRows.some((r) => r.pid !== null || r.state === 'unmanaged')) || hostsBefore.size > 0) await sleep(SAMPLE_MS);
    const after = sampleProcs();
    const measured = measure(seen, before, after, await hostUsages(seen, hostsBefore));
    if (localObserved)
      writeCpuSample(
        sampleFile,
        after,
        treesOf(
          after,
          localRows.flatMap((r) => rootsOf(r, localObserved)),
        ),
      );
    print(ctx, opts, measured, seen.at, withHosts);
    for (const e of seen.lost) ctx.io.err(`tmuxctl: ${e.message}\n`);
    return seen.lost.length > 0 ? 3 : 0;
  }
  // Until SIGINT/SIGTERM, or until nobody reads (`status --watch | head`): then exit 0.
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  ctx.io.onOutputLost?.((stream) => {
    if (stream === 'stdout') end();
  });
  let before = sampleProcs();
  let wait = SAMPLE_MS; // the first table measures over a second; later ones since the previous look
  let hostsBefore = new Map<string, UsageSample>();
  while (!stop.signal.aborted) {
    await sleep(wait, stop.signal);
    if (stop.signal.aborted) break;
    const seen = await look();
    const after = sampleProcs();
    // A host's first table has no look before it: its CPU shows from the second table on.
    const hostsAfter = await hostSamples(seen);
    const usages = await hostUsages(seen, hostsBefore, hostsAfter);
    // On a terminal the table is redrawn in place; into a file or pipe each table follows the last.
    if (ctx.io.tty) ctx.io.out('\x1b[H\x1b[2J');
    print(ctx, opts, measure(seen, before, after, usages), seen.at, withHosts);
    hostsBefore = hostsAfter;
    for (const e of seen.lost) ctx.io.out(`${e.message}\n`);
    if (!ctx.io.tty) ctx.io.out('\n');
    before = after;
    wait = WATCH_EVERY_MS;
  }
  process.removeListener('SIGINT', end);
  process.removeListener('SIGTERM', end);
  return 0;
}

/**
 * The specs, or none when no -f was given and no default spec path exists (`status` from any
 * folder): then every owned pane is shown from its stamps. apply and diff keep failing there.
 */
async function desiredOrNone(ctx: Context, files: string[] | undefined): Promise<DesiredState | undefined> {
  if ((!files || files.length === 0) && !anyPathExists(ctx.io, specPaths(ctx.io))) return undefined;
  return loadOrFail(ctx.io, files, 'inspect');
}

function rowsOf(desired: DesiredState | undefined, observed: ObservedState, all: boolean): PaneStatus[] {
  const rows = desired ? paneStatuses(desired, observed) : ownedPaneStatuses(observed);
  if (!all) return rows;
  // A declared name taken by a session of someone else's is already there, as a conflict.
  const shown = new Set(rows.map((r) => r.session));
  return [...rows, ...unmanagedSessionStatuses(observed).filter((r) => !shown.has(r.session))];
}

function selectRows<R extends PaneStatus & { host: string }>(rows: R[], targets: { name: string; host?: string; t: TargetPattern }[]): R[] {
  if (targets.length === 0) return rows;
  const covers = (r: R, { host, t }: (typeof targets)[number]) =>
    (host === undefined || host === r.host) &&
    (r.state === 'unmanaged' ? t.session === r.session && t.window === undefined : targetCovers(t, { session: r.session, window: r.window, index: r.pane }));
  const unknown = targets.filter((x) => !rows.some((r) => covers(r, x))).map(({ name }) => name);
  if (unknown.length > 0) throw new UsageError(`not declared and not managed by tmuxctl: ${unknown.join(', ')}`);
  return rows.filter((r) => targets.some((x) => covers(r, x)));
}

/** The pane processes a row's CPU and memory are measured from. */
function rootsOf(r: PaneStatus, observed: ObservedState): number[] {
  if (r.state !== 'unmanaged') return r.pid === null ? [] : [r.pid];
  const live = observed.sessions.get(r.session);
  return live ? live.windows.flatMap((w) => w.panes.filter((p) => !p.dead).map((p) => p.pid)) : [];
}

/** The processes of these trees in a sample: what the next look needs to measure CPU since this one. */
function treesOf(sample: UsageSample, roots: readonly number[]): ProcSample[] {
  const trees = processTrees(sample.procs);
  const seen = new Map<number, ProcSample>();
  for (const root of roots) for (const p of trees(root) as ProcSample[]) seen.set(p.pid, p);
  return [...seen.values()];
}

/** A look at the process table of each host reached that has rows running there (one round trip each, side by side). */
async function hostSamples(look: Look): Promise<Map<string, UsageSample>> {
  const hosts = [...look.machines.keys()].filter(
    (h) => h !== LOCAL_HOST && look.rows.some((r) => r.host === h && rootsOf(r, look.observed.get(h)!).length > 0),
  );
  const samples = await Promise.all(
    hosts.map(async (h) => {
      const procs = await look.machines
        .get(h)!
        .procs.list()
        .catch(() => undefined);
      return procs ? ([[h, { at: Date.now(), procs }]] as const) : [];
    }),
  );
  return new Map(samples.flat());
}

/**
 * CPU and memory of a host's rows, by treeUsage as this machine's: CPU between two looks at its
 * process table (`before`, and `after` or one taken now), memory from the host's own look at its
 * trees (machine.checks, as memoryLimitMB reads it). A host that does not answer, or has no look before: its rows show `-`.
 */
async function hostUsages(look: Look, before: Map<string, UsageSample>, after?: Map<string, UsageSample>): Promise<Map<string, Map<number, TreeUsage>>> {
  const now = after ?? (await hostSamples(look));
  const usages = await Promise.all(
    [...before].map(async ([host, first]) => {
      const last = now.get(host);
      const observed = look.observed.get(host);
      if (!last || !observed) return [];
      const roots = look.rows.filter((r) => r.host === host).flatMap((r) => rootsOf(r, observed));
      const rss = await look.machines
        .get(host)!
        .checks.treeRss(roots)
        .catch(() => undefined);
      return rss ? [[host, treeUsage(first, last, roots, rss)] as const] : [];
    }),
  );
  return new Map(usages.flat());
}

/** CPU and memory of each row's process tree (this machine's, and a host's from `hostUsage`), and its clients. */
function measure(look: Look, before: UsageSample, after: UsageSample, hostUsage: Map<string, Map<number, TreeUsage>>): StatusRow[] {
  const local = look.observed.get(LOCAL_HOST);
  const usage = local
    ? treeUsage(
        before,
        after,
        look.rows.filter((r) => r.host === LOCAL_HOST).flatMap((r) => rootsOf(r, local)),
      )
    : new Map<number, { cpuPercent: number; rssBytes: number }>();
  return look.rows.map((r) => {
    const observed = look.observed.get(r.host);
    const measured = r.host === LOCAL_HOST ? usage : hostUsage.get(r.host);
    const roots = measured && observed ? rootsOf(r, observed) : [];
    const used = roots.map((pid) => measured!.get(pid)!);
    return {
      ...r,
      cpuPercent: roots.length === 0 ? null : Math.round(used.reduce((a, u) => a + u.cpuPercent, 0) * 10) / 10,
      rssBytes: roots.length === 0 ? null : used.reduce((a, u) => a + u.rssBytes, 0),
      attachedClients: observed?.sessions.get(r.session)?.attached ?? null,
    };
  });
}

/** `withHosts`: the specs declare hosts, so a HOST column says where each row runs. */
function print(ctx: Context, opts: StatusOptions, rows: StatusRow[], now: number, withHosts: boolean): void {
  if (opts.output === 'json') {
    ctx.io.out(JSON.stringify({ sessions: rows.map(jsonRow) }, null, 2) + '\n');
  } else {
    const headers = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'HEALTH', 'CPU', 'MEM', 'ATTACHED', 'WINDOW', 'PANE', 'SOURCE'];
    ctx.io.out(
      renderTable(
        withHosts ? ['HOST', ...headers] : headers,
        rows.map((r) => (withHosts ? [r.host, ...textRow(ctx, r, now)] : textRow(ctx, r, now))),
      ) + '\n',
    );
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function jsonRow(r: StatusRow) {
  const unmanaged = r.state === 'unmanaged';
  return {
    name: r.name,
    host: r.host,
    session: r.session,
    window: unmanaged ? null : r.window,
    pane: unmanaged ? null : r.pane,
    state: r.state,
    pid: r.pid,
    restarts: r.restarts,
    lastExitStatus: r.lastExitStatus,
    startedAt: r.startedAt,
    source: r.source,
    lastExitSignal: r.lastExitSignal,
    nextRestartAt: r.nextRestartAt,
    health: r.health,
    waiting: r.waiting,
    cpuPercent: r.cpuPercent,
    rssBytes: r.rssBytes,
    attachedClients: r.attachedClients,
  };
}

function textRow(ctx: Context, r: StatusRow, now: number): string[] {
  const uptime = (r.pid !== null || r.state === 'unmanaged') && r.startedAt ? formatDuration(now - Date.parse(r.startedAt)) : '-';
  const lastExit = r.lastExitSignal !== null ? `signal ${r.lastExitSignal}` : r.lastExitStatus !== null ? String(r.lastExitStatus) : '-';
  const state =
    r.state === 'backoff' && r.nextRestartAt
      ? `backoff (restart in ${formatDuration(Date.parse(r.nextRestartAt) - now)})`
      : r.waiting !== null
        ? // `waiting (for db to be healthy)`, not `waiting (waiting for ...)`
          `${r.state} (${r.state === 'waiting' ? r.waiting.replace(/^waiting /, '') : r.waiting})`
        : r.state;
  // The verdict only (`unhealthy`); its detail is in the JSON and the event log.
  const health = r.health === null ? '-' : r.health.split(':')[0]!;
  const unmanaged = r.state === 'unmanaged';
  return [
    r.name,
    state,
    r.pid === null ? '-' : String(r.pid),
    uptime,
    unmanaged ? '-' : String(r.restarts),
    lastExit,
    health,
    r.cpuPercent === null ? '-' : `${r.cpuPercent.toFixed(1)}%`,
    r.rssBytes === null ? '-' : formatBytes(r.rssBytes),
    r.attachedClients === null ? '-' : String(r.attachedClients),
    unmanaged ? '-' : r.window,
    unmanaged ? '-' : String(r.pane),
    r.source ? displayPath(r.source, ctx.io.cwd) : '-',
  ];
}
