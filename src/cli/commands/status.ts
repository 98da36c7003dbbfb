import { observe } from '../../observe/snapshot.js';
import { paneStatuses, type PaneStatus } from '../../plan/status.js';
import { parseTarget, targetCovers } from '../../plan/targets.js';
import { loadOrFail, type Context } from '../context.js';
import { displayPath } from '../../spec/display-path.js';
import type { OutputFormat } from '../options.js';
import { formatDuration, renderTable } from '../table.js';
import { UsageError } from '../../errors.js';

export async function statusCommand(ctx: Context, names: string[], opts: { file?: string[]; output: OutputFormat }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file, 'inspect');
  const observed = await observe(ctx.tmux);
  let rows = paneStatuses(desired, observed);
  if (names.length > 0) {
    const targets = names.map((n) => {
      const t = parseTarget(n);
      if (!t) throw new UsageError(`invalid target ${JSON.stringify(n)}: write session, session:window or session:window.N`);
      return { name: n, t };
    });
    const covers = (r: PaneStatus, t: (typeof targets)[number]['t']) => targetCovers(t, { session: r.session, window: r.window, index: r.pane });
    const unknown = targets.filter(({ t }) => !rows.some((r) => covers(r, t))).map(({ name }) => name);
    if (unknown.length > 0) throw new UsageError(`not declared and not managed by tmuxctl: ${unknown.join(', ')}`);
    rows = rows.filter((r) => targets.some(({ t }) => covers(r, t)));
  }
  if (opts.output === 'json') {
    ctx.io.out(JSON.stringify({ sessions: rows.map(jsonRow) }, null, 2) + '\n');
  } else {
    ctx.io.out(
      renderTable(
        ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'HEALTH', 'WINDOW', 'PANE', 'SOURCE'],
        rows.map((r) => textRow(ctx, r, observed.at)),
      ) + '\n',
    );
  }
  return 0;
}

function jsonRow(r: PaneStatus) {
  return {
    name: r.name,
    session: r.session,
    window: r.window,
    pane: r.pane,
    state: r.state,
    pid: r.pid,
    restarts: r.restarts,
    lastExitStatus: r.lastExitStatus,
    startedAt: r.startedAt,
    source: r.source,
    lastExitSignal: r.lastExitSignal,
    nextRestartAt: r.nextRestartAt,
    health: r.health,
  };
}

function textRow(ctx: Context, r: PaneStatus, now: number): string[] {
  const uptime = r.pid !== null && r.startedAt ? formatDuration(now - Date.parse(r.startedAt)) : '-';
  const lastExit = r.lastExitSignal !== null ? `signal ${r.lastExitSignal}` : r.lastExitStatus !== null ? String(r.lastExitStatus) : '-';
  const state = r.state === 'backoff' && r.nextRestartAt ? `backoff (restart in ${formatDuration(Date.parse(r.nextRestartAt) - now)})` : r.state;
  // The verdict only (`unhealthy`); its detail is in the JSON and the event log.
  const health = r.health === null ? '-' : r.health.split(':')[0]!;
  return [
    r.name,
    state,
    r.pid === null ? '-' : String(r.pid),
    uptime,
    String(r.restarts),
    lastExit,
    health,
    r.window,
    String(r.pane),
    r.source ? displayPath(r.source, ctx.io.cwd) : '-',
  ];
}
