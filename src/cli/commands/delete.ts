import { executePlan } from '../../apply/execute.js';
import { observe } from '../../observe/snapshot.js';
import { planDelete, stopWaves } from '../../plan/delete.js';
import { parseTarget, targetCovers } from '../../plan/targets.js';
import { managedPanes } from '../../observe/types.js';
import { panesOf } from '../../spec/types.js';
import { UsageError } from '../../errors.js';
import { displayPath } from '../../spec/display-path.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionLine } from '../format-plan.js';

/**
 * Stops and removes owned sessions: the named ones, or else every session the specs declare. A name
 * that is not there is reported and is not an error (deleting is idempotent, like
 * `kubectl delete --ignore-not-found`).
 */
export async function deleteCommand(ctx: Context, names: string[], opts: { file?: string[]; lockTimeout: number }): Promise<number> {
  const fromSpecs = names.length === 0 || (opts.file?.length ?? 0) > 0;
  const desired = fromSpecs ? await loadOrFail(ctx.io, opts.file, 'inspect') : undefined;
  const targets = (names.length > 0 ? names : (desired?.sessions.map((s) => s.name) ?? [])).map((n) => {
    const t = parseTarget(n);
    if (!t) throw new UsageError(`invalid target ${JSON.stringify(n)}: write session, session:window or session:window.N`);
    return t;
  });
  const timeouts = new Map((desired?.sessions ?? []).flatMap(panesOf).map((p) => [`${p.session}:${p.window}.${p.index}`, p.stopTimeoutSeconds]));

  const events = eventLog(ctx, false);
  const lock = await ctx.lock(opts.lockTimeout);
  try {
    const observed = await observe(ctx.machine);
    // Names that come from specs (or with -f) are limited to what those specs own.
    const scope = desired && { roots: desired.roots, displayPath: (path: string) => displayPath(path, ctx.io.cwd) };
    const p = planDelete(targets, observed, timeouts, scope);
    for (const a of p.actions) events.record({ event: a.kind === 'conflict' ? a.kind : 'delete', session: a.target, reason: a.reason });
    // Dependents first: each wave is stopped to its end before what it depends on is stopped.
    const errors: string[] = [];
    const waves = stopWaves(p, desired);
    for (const wave of waves) errors.push(...(await executePlan(ctx.machine, wave, { logDir: ctx.logDir })).errors);
    // In the order they were stopped.
    const lines = waves.flatMap((w) => w.actions.map((a) => actionLine(ctx.io, a)));
    for (const t of targets) {
      const live = observed.sessions.get(t.session);
      if (!live) lines.push(`  ${t.session}: not found, nothing to delete`);
      // A window or pane that is not there is reported too, not passed over in silence.
      else if (
        t.window !== undefined &&
        live.owned &&
        ![...managedPanes(live).values()].some((m) => targetCovers(t, { session: t.session, window: m.stamp.window, index: m.stamp.index }))
      )
        lines.push(`  ${t.session}:${t.window}${t.index === undefined ? '' : `.${t.index}`}: not found, nothing to delete`);
    }
    for (const e of errors) lines.push(`tmux: ${e}`);
    const count = (kind: string, word: string) => {
      const n = p.actions.filter((a) => a.kind === kind).length;
      return n > 0 ? [`${n} ${word}${n === 1 ? '' : 's'}`] : [];
    };
    const parts = [...count('kill', 'session'), ...count('kill-window', 'window'), ...count('kill-pane', 'pane')];
    lines.push(`deleted: ${parts.length > 0 ? parts.join(', ') : '0 sessions'}`);
    ctx.io.out(lines.join('\n') + '\n');
    return p.actions.some((a) => a.kind === 'conflict') || errors.length > 0 ? 3 : 0;
  } finally {
    await lock.release();
    await events.close();
  }
}
