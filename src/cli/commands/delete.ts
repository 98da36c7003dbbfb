import { acquireLock } from '../../apply/lock.js';
import { executePlan } from '../../apply/execute.js';
import { observe } from '../../observe/snapshot.js';
import { planDelete } from '../../plan/plan.js';
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
  const targets = names.length > 0 ? names : (desired?.sessions.map((s) => s.name) ?? []);
  const timeouts = new Map((desired?.sessions ?? []).map((s) => [s.name, s.stopTimeoutSeconds]));

  const events = eventLog(ctx, false);
  const lock = await acquireLock(ctx.lockFile, opts.lockTimeout);
  try {
    const observed = await observe(ctx.tmux);
    // Names that come from specs (or with -f) are limited to what those specs own.
    const scope = desired && { roots: desired.roots, displayPath: (path: string) => displayPath(path, ctx.io.cwd) };
    const p = planDelete(targets, observed, timeouts, scope);
    for (const a of p.actions) events.record({ event: a.kind === 'kill' ? 'delete' : a.kind, session: a.session, reason: a.reason });
    const { errors } = await executePlan(ctx.tmux, p, { logDir: ctx.logDir });
    const lines = p.actions.map((a) => actionLine(ctx.io, a));
    for (const n of targets) if (!observed.sessions.has(n)) lines.push(`  ${n}: not found, nothing to delete`);
    for (const e of errors) lines.push(`tmux: ${e}`);
    const killed = p.actions.filter((a) => a.kind === 'kill').length;
    lines.push(`deleted: ${killed} session${killed === 1 ? '' : 's'}`);
    ctx.io.out(lines.join('\n') + '\n');
    return p.actions.some((a) => a.kind === 'conflict') || errors.length > 0 ? 3 : 0;
  } finally {
    await lock.release();
    await events.close();
  }
}
