import { observe } from '../../observe/snapshot.js';
import type { ObservedState } from '../../observe/types.js';
import { ownedPaneStatuses, paneStatuses, type PaneStatus, unmanagedSessionStatuses } from '../../plan/status.js';
import { parseTarget, targetCovers } from '../../plan/targets.js';
import { type ProcSample, sampleProcs, treeUsage, type UsageSample } from '../../process/usage.js';
import { processTrees } from '../../process/table.js';
import { cpuSampleFile, readCpuSample, writeCpuSample } from '../../state/cpu-sample.js';
import type { DesiredState } from '../../spec/types.js';
import { anyPathExists, loadOrFail, specPaths, type Context } from '../context.js';
import { displayPath } from '../../spec/display-path.js';
import type { OutputFormat } from '../options.js';
import { formatBytes, formatDuration, renderTable } from '../table.js';
import { UsageError } from '../../errors.js';

export interface StatusOptions {
  file?: string[];
  output: OutputFormat;
  all?: boolean;
  watch?: boolean;
}

/** CPU is measured over this long when there is no earlier look to measure from. */
const SAMPLE_MS = 1000;
const WATCH_EVERY_MS = 2000;

/** A status row with what the process table and the session say about it. */
interface StatusRow extends PaneStatus {
  cpuPercent: number | null;
  rssBytes: number | null;
  attachedClients: number | null;
}

export async function statusCommand(ctx: Context, names: string[], opts: StatusOptions): Promise<number> {
  const desired = await desiredOrNone(ctx, opts.file);
  const targets = names.map((n) => {
    const t = parseTarget(n);
    if (!t) throw new UsageError(`invalid target ${JSON.stringify(n)}: write session, session:window or session:window.N`);
    return { name: n, t };
  });
  if (!opts.watch) {
    const observed = await observe(ctx.machine);
    const rows = selectRows(rowsOf(desired, observed, opts.all === true), targets);
    const sampleFile = cpuSampleFile(ctx.stateDir, ctx.logDir);
    // CPU since the previous look (kept in the state dir) when there is a recent one; otherwise over
    // a second of its own. Nothing runs (nothing started yet, every pane dead): no second to wait.
    let before = readCpuSample(sampleFile);
    if (!before) {
      before = sampleProcs();
      if (rows.some((r) => r.pid !== null || r.state === 'unmanaged')) await sleep(SAMPLE_MS);
    }
    const after = sampleProcs();
    const measured = measure(rows, observed, before, after);
    writeCpuSample(
      sampleFile,
      after,
      treesOf(
        after,
        rows.flatMap((r) => rootsOf(r, observed)),
      ),
    );
    print(ctx, opts, measured, observed.at);
    return 0;
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
  while (!stop.signal.aborted) {
    await sleep(wait, stop.signal);
    if (stop.signal.aborted) break;
    const observed = await observe(ctx.machine);
    const rows = selectRows(rowsOf(desired, observed, opts.all === true), targets);
    const after = sampleProcs();
    // On a terminal the table is redrawn in place; into a file or pipe each table follows the last.
    if (ctx.io.tty) ctx.io.out('\x1b[H\x1b[2J');
    print(ctx, opts, measure(rows, observed, before, after), observed.at);
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

function selectRows(rows: PaneStatus[], targets: { name: string; t: NonNullable<ReturnType<typeof parseTarget>> }[]): PaneStatus[] {
  if (targets.length === 0) return rows;
  const covers = (r: PaneStatus, t: (typeof targets)[number]['t']) =>
    r.state === 'unmanaged' ? t.session === r.session && t.window === undefined : targetCovers(t, { session: r.session, window: r.window, index: r.pane });
  const unknown = targets.filter(({ t }) => !rows.some((r) => covers(r, t))).map(({ name }) => name);
  if (unknown.length > 0) throw new UsageError(`not declared and not managed by tmuxctl: ${unknown.join(', ')}`);
  return rows.filter((r) => targets.some(({ t }) => covers(r, t)));
}

/** CPU and memory of each row's process tree (an unmanaged session: all its panes), and its clients. */
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

function measure(rows: PaneStatus[], observed: ObservedState, before: UsageSample, after: UsageSample): StatusRow[] {
  const usage = treeUsage(
    before,
    after,
    rows.flatMap((r) => rootsOf(r, observed)),
  );
  return rows.map((r) => {
    const roots = rootsOf(r, observed);
    const used = roots.map((pid) => usage.get(pid)!);
    return {
      ...r,
      cpuPercent: roots.length === 0 ? null : Math.round(used.reduce((a, u) => a + u.cpuPercent, 0) * 10) / 10,
      rssBytes: roots.length === 0 ? null : used.reduce((a, u) => a + u.rssBytes, 0),
      attachedClients: observed.sessions.get(r.session)?.attached ?? null,
    };
  });
}

function print(ctx: Context, opts: StatusOptions, rows: StatusRow[], now: number): void {
  if (opts.output === 'json') {
    ctx.io.out(JSON.stringify({ sessions: rows.map(jsonRow) }, null, 2) + '\n');
  } else {
    ctx.io.out(
      renderTable(
        ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'HEALTH', 'CPU', 'MEM', 'ATTACHED', 'WINDOW', 'PANE', 'SOURCE'],
        rows.map((r) => textRow(ctx, r, now)),
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
