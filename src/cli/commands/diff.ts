import { reconcile } from '../../apply/reconcile.js';
import { displayPath } from '../../spec/display-path.js';
import { loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine, waitingLine } from '../format-plan.js';
import type { OutputFormat } from '../options.js';

/** The plan only, like `kubectl diff`: exit 0 in sync, 1 when changes are pending. */
export async function diffCommand(ctx: Context, opts: { file?: string[]; output: OutputFormat }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  // Exactly what `apply --dry-run` plans: one code path for "what would apply do".
  const { plan: p } = await reconcile(ctx.machine, desired, {
    dryRun: true,
    honourBackoff: false,
    verify: false,
    logDir: ctx.logDir,
    displayPath: (path) => displayPath(path, ctx.io.cwd),
  });
  // A change held back by its pane's `update` strategy is still a difference: the pane is not as declared.
  const waiting = p.waiting ?? [];
  const inSync = p.actions.length === 0 && waiting.length === 0;
  if (opts.output === 'json') {
    ctx.io.out(JSON.stringify({ actions: p.actions.map(actionJson), waiting, inSync }, null, 2) + '\n');
  } else {
    const lines = [...p.actions.map((a) => actionLine(ctx.io, a)), ...waiting.map((w) => waitingLine(ctx.io, w))];
    const n = desired.sessions.length;
    const pending = [
      ...(p.actions.length > 0 ? [`${p.actions.length} change${p.actions.length === 1 ? '' : 's'} pending`] : []),
      ...(waiting.length > 0 ? [`${waiting.length} waiting`] : []),
    ];
    lines.push(inSync ? `in sync: ${n} session${n === 1 ? '' : 's'}` : pending.join(', '));
    ctx.io.out(lines.join('\n') + '\n');
  }
  return inSync ? 0 : 1;
}
