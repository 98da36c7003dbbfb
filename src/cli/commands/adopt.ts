import { executePlan } from '../../apply/execute.js';
import { listPanes } from '../../freeze/list-panes.js';
import { type PaneProcess, readPaneProcess } from '../../freeze/pane-process.js';
import { planAdopt } from '../../plan/adopt.js';
import type { Action } from '../../plan/types.js';
import { UsageError } from '../../errors.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionLine } from '../format-plan.js';

/**
 * `tmuxctl adopt [-f PATH]... NAME...`: takes ownership of live sessions the specs declare, without
 * restarting anything, when their windows, panes and commands match. All or nothing: when any named
 * session differs, nothing is stamped and every difference is listed (exit 3).
 */
export async function adoptCommand(ctx: Context, names: string[], opts: { file?: string[]; lockTimeout: number }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const specs = names.map((n) => desired.sessions.find((s) => s.name === n));
  const undeclared = names.filter((_, i) => !specs[i]);
  if (undeclared.length > 0) {
    const known = desired.sessions.map((s) => s.name).join(', ') || 'none';
    throw new UsageError(`not declared in the specs: ${undeclared.join(', ')} (declared: ${known})`);
  }
  const events = eventLog(ctx, false);
  const lock = await ctx.lock(opts.lockTimeout);
  try {
    const rows = await listPanes(ctx.tmux);
    const actions: Action[] = [];
    const lines: string[] = [];
    const differences: string[] = [];
    for (const spec of specs) {
      const mine = rows.filter((r) => r.session === spec!.name);
      if (mine.length === 0) {
        differences.push(`${spec!.name}: not running`);
        continue;
      }
      if (mine[0]!.owned) {
        lines.push(`  ${spec!.name}: already managed by tmuxctl, nothing to adopt`);
        continue;
      }
      const processes = new Map<number, PaneProcess>();
      for (const r of mine) if (!r.dead) processes.set(r.pid, readPaneProcess(r.pid));
      const verdict = planAdopt(spec!, mine, processes);
      if (verdict.ok) actions.push(verdict.action);
      else differences.push(...verdict.differences.map((d) => `${spec!.name}: ${d}`));
    }
    if (differences.length > 0) {
      ctx.io.out(
        [...differences.map((d) => `! ${d}`), 'adopted nothing: the sessions differ from the specs as listed (apply would report them as conflicts)'].join(
          '\n',
        ) + '\n',
      );
      return 3;
    }
    for (const a of actions) events.record({ event: 'adopt', session: a.target, reason: a.reason });
    const { errors } = actions.length > 0 ? await executePlan(ctx.machine, { actions }, { logDir: ctx.logDir }) : { errors: [] };
    lines.push(...actions.map((a) => actionLine(ctx.io, a)), ...errors.map((e) => `tmux: ${e}`));
    lines.push(`adopted: ${actions.length} session${actions.length === 1 ? '' : 's'}`);
    ctx.io.out(lines.join('\n') + '\n');
    return errors.length > 0 ? 3 : 0;
  } finally {
    await lock.release();
    await events.close();
  }
}
