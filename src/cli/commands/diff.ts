import { withProcesses } from '../../observe/orphan-candidates.js';
import { observe } from '../../observe/snapshot.js';
import { plan } from '../../plan/plan.js';
import { loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine } from '../format-plan.js';
import type { OutputFormat } from '../options.js';

/** The plan only, like `kubectl diff`: exit 0 in sync, 1 when changes are pending. */
export async function diffCommand(ctx: Context, opts: { file?: string[]; output: OutputFormat }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const observed = withProcesses(await observe(ctx.tmux), desired.sessions.some((s) => s.orphans));
  const p = plan(desired, observed, { now: observed.at, honourBackoff: false });
  const inSync = p.actions.length === 0;
  if (opts.output === 'json') {
    ctx.io.out(JSON.stringify({ actions: p.actions.map(actionJson), inSync }, null, 2) + '\n');
  } else {
    const lines = p.actions.map((a) => actionLine(ctx.io, a));
    const n = desired.sessions.length;
    lines.push(inSync ? `in sync: ${n} session${n === 1 ? '' : 's'}` : `${p.actions.length} change${p.actions.length === 1 ? '' : 's'} pending`);
    ctx.io.out(lines.join('\n') + '\n');
  }
  return inSync ? 0 : 1;
}
