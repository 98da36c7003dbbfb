import { reconcile } from '../../apply/reconcile.js';
import { displayPath } from '../../spec/display-path.js';
import { loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine } from '../format-plan.js';
import type { OutputFormat } from '../options.js';

/** The plan only, like `kubectl diff`: exit 0 in sync, 1 when changes are pending. */
export async function diffCommand(ctx: Context, opts: { file?: string[]; output: OutputFormat }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  // Exactly what `apply --dry-run` plans: one code path for "what would apply do".
  const { plan: p } = await reconcile(ctx.tmux, desired, {
    dryRun: true,
    honourBackoff: false,
    verify: false,
    logDir: ctx.logDir,
    displayPath: (path) => displayPath(path, ctx.io.cwd),
  });
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
