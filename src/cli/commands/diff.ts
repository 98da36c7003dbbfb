import { reconcile } from '../../apply/reconcile.js';
import { displayPath } from '../../spec/display-path.js';
import { loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine, waitingLine } from '../format-plan.js';
import { onEachHost } from '../each-host.js';
import { onHost, openHosts } from '../hosts.js';
import type { OutputFormat } from '../options.js';

/** The plan only, like `kubectl diff`: exit 0 in sync, 1 when changes are pending, 3 when a host could not be looked at. */
export async function diffCommand(ctx: Context, opts: { file?: string[]; output: OutputFormat; host?: string[] }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const { done: plans, lost } = await onEachHost(await openHosts(ctx, desired, opts.host), async (s) => {
    // Exactly what `apply --dry-run` plans: one code path for "what would apply do".
    const { plan } = await reconcile(s.ctx.machine, s.desired!, {
      dryRun: true,
      honourBackoff: false,
      verify: false,
      logDir: s.ctx.logDir,
      displayPath: (path) => displayPath(path, ctx.io.cwd),
    });
    return { host: s.host, plan };
  });
  const actions = plans.flatMap((p) => p.plan.actions.map((a) => ({ host: p.host, a })));
  // A change held back by its pane's `update` strategy is still a difference: the pane is not as declared.
  const waiting = plans.flatMap((p) => (p.plan.waiting ?? []).map((w) => ({ host: p.host, w })));
  const inSync = actions.length === 0 && waiting.length === 0;
  if (opts.output === 'json') {
    const json = {
      actions: actions.map(({ host, a }) => ({ ...actionJson(a), host })),
      waiting: waiting.map(({ host, w }) => ({ ...w, host })),
      inSync,
      ...(lost.length > 0 && { unreachable: lost.map((e) => ({ host: e.host, error: e.message })) }),
    };
    ctx.io.out(JSON.stringify(json, null, 2) + '\n');
  } else {
    const lines = [
      ...actions.map(({ host, a }) => actionLine(ctx.io, { ...a, target: onHost(host, a.target) })),
      ...waiting.map(({ host, w }) => waitingLine(ctx.io, { ...w, target: onHost(host, w.target) })),
    ];
    for (const e of lost)
      for (const s of desired.sessions.filter((x) => x.host === e.host)) lines.push(`? unknown ${onHost(e.host, s.name)} (${e.host} not reached)`);
    const n = desired.sessions.length;
    const pending = [
      ...(actions.length > 0 ? [`${actions.length} change${actions.length === 1 ? '' : 's'} pending`] : []),
      ...(waiting.length > 0 ? [`${waiting.length} waiting`] : []),
    ];
    lines.push(
      inSync
        ? `in sync: ${n} session${n === 1 ? '' : 's'}${lost.length > 0 ? ` (${lost.length} host${lost.length === 1 ? '' : 's'} not reached)` : ''}`
        : pending.join(', '),
    );
    ctx.io.out(lines.join('\n') + '\n');
  }
  for (const e of lost) ctx.io.err(`tmuxctl: ${e.message}\n`);
  return lost.length > 0 ? 3 : inSync ? 0 : 1;
}
