import { executePlan } from '../../apply/execute.js';
import { observe } from '../../observe/snapshot.js';
import { planDelete, stopWaves } from '../../plan/delete.js';
import { parseHostTarget, targetCovers, type TargetPattern } from '../../plan/targets.js';
import { managedPanes } from '../../observe/types.js';
import { panesOf } from '../../spec/types.js';
import { UsageError } from '../../errors.js';
import { LOCAL_HOST } from '../../host/machine.js';
import type { EventLog } from '../../log/events.js';
import type { Plan } from '../../plan/types.js';
import type { DesiredState } from '../../spec/types.js';
import { desiredOn, onHost, openHosts } from '../hosts.js';
import { onEachHost } from '../each-host.js';
import { displayPath } from '../../spec/display-path.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionLine } from '../format-plan.js';

/**
 * Stops and removes owned sessions: the named ones, or else every session the specs declare. A name
 * that is not there is reported and is not an error (deleting is idempotent, like
 * `kubectl delete --ignore-not-found`).
 */
export async function deleteCommand(ctx: Context, names: string[], opts: { file?: string[]; lockTimeout: number; host?: string[] }): Promise<number> {
  // A target on a host (`gpu1/api`) needs the specs: they say how to reach gpu1.
  const fromSpecs = names.length === 0 || (opts.file?.length ?? 0) > 0 || names.some((n) => n.includes('/'));
  const desired = fromSpecs ? await loadOrFail(ctx.io, opts.file, 'inspect') : undefined;
  // Declared sessions are deleted on their own host; a name typed without `host/` on every host in play.
  const targets: HostTarget[] =
    names.length > 0
      ? names.map((n) => {
          const p = parseHostTarget(n);
          if (!p)
            throw new UsageError(`invalid target ${JSON.stringify(n)}: write session, session:window or session:window.N, after host/ for a session on a host`);
          return { name: n, host: p.host, t: p.target };
        })
      : (desired?.sessions ?? []).map((s) => ({ name: onHost(s.host, s.name), host: s.host, t: { session: s.name } }));
  const named = targets.length > 0 && targets.every((x) => x.host !== undefined) ? [...new Set(targets.map((x) => x.host!))] : undefined;
  const opened = await openHosts(ctx, desired, opts.host ?? named);
  const events = eventLog(ctx, false);
  try {
    const { done: results, lost } = await onEachHost(opened, (s) =>
      deleteOnHost(
        s.ctx,
        s.host,
        desired && desiredOn(desired, s.host),
        targets.filter((x) => x.host === undefined || x.host === s.host),
        events,
        opts.lockTimeout,
      ),
    );
    const lines = results.flatMap((r) => r.lines);
    // Not found anywhere it was looked for: said once, not once per host.
    for (const x of targets) {
      const hosts = results.filter((r) => x.host === undefined || r.host === x.host);
      if (hosts.length > 0 && hosts.every((r) => r.notFound.includes(x.name))) lines.push(`  ${x.name}: not found, nothing to delete`);
    }
    for (const r of results) for (const e of r.errors) lines.push(`tmux: ${where(r.host)}${e}`);
    for (const e of lost)
      for (const x of targets.filter((t) => t.host === e.host))
        lines.push(`? unknown ${onHost(e.host, x.t.session)} (${e.host} not reached: nothing deleted there)`);
    const count = (kind: string, word: string) => {
      const n = results.reduce((sum, r) => sum + r.plan.actions.filter((a) => a.kind === kind).length, 0);
      return n > 0 ? [`${n} ${word}${n === 1 ? '' : 's'}`] : [];
    };
    const parts = [...count('kill', 'session'), ...count('kill-window', 'window'), ...count('kill-pane', 'pane')];
    lines.push(`deleted: ${parts.length > 0 ? parts.join(', ') : '0 sessions'}`);
    ctx.io.out(lines.join('\n') + '\n');
    for (const e of lost) ctx.io.err(`tmuxctl: ${e.message}\n`);
    const failed = lost.length > 0 || results.some((r) => r.plan.actions.some((a) => a.kind === 'conflict') || r.errors.length > 0);
    return failed ? 3 : 0;
  } finally {
    await events.close();
  }
}

/** A target as typed: `gpu1/api:main.0`, or without a host (every host). */
interface HostTarget {
  name: string;
  host?: string;
  t: TargetPattern;
}

interface HostDelete {
  host: string;
  plan: Plan;
  lines: string[];
  errors: string[];
  /** Names of the targets not found on this host. */
  notFound: string[];
}

function where(host: string): string {
  return host === LOCAL_HOST ? '' : `${host}: `;
}

/** Deletes the targets on one host, under that host's lock. */
async function deleteOnHost(
  ctx: Context,
  host: string,
  desired: DesiredState | undefined,
  targets: readonly HostTarget[],
  events: EventLog,
  lockTimeout: number,
): Promise<HostDelete> {
  const timeouts = new Map((desired?.sessions ?? []).flatMap(panesOf).map((p) => [`${p.session}:${p.window}.${p.index}`, p.stopTimeoutSeconds]));
  const lock = await ctx.lock(lockTimeout);
  try {
    const observed = await observe(ctx.machine);
    // Names that come from specs (or with -f) are limited to what those specs own.
    const scope = desired && { roots: desired.roots, displayPath: (path: string) => displayPath(path, ctx.io.cwd) };
    const p = planDelete(
      targets.map((x) => x.t),
      observed,
      timeouts,
      scope,
    );
    for (const a of p.actions)
      events.record({ event: a.kind === 'conflict' ? a.kind : 'delete', session: a.target, reason: a.reason, ...(host !== LOCAL_HOST && { host }) });
    // Dependents first: each wave is stopped to its end before what it depends on is stopped.
    const errors: string[] = [];
    const waves = stopWaves(p, desired);
    for (const wave of waves) errors.push(...(await executePlan(ctx.machine, wave, { logDir: ctx.logDir })).errors);
    // In the order they were stopped.
    const lines = waves.flatMap((w) => w.actions.map((a) => actionLine(ctx.io, { ...a, target: onHost(host, a.target) })));
    const notFound: string[] = [];
    for (const { name, t } of targets) {
      const live = observed.sessions.get(t.session);
      if (!live) notFound.push(name);
      // A window or pane that is not there is reported too, not passed over in silence.
      else if (
        t.window !== undefined &&
        live.owned &&
        ![...managedPanes(live).values()].some((m) => targetCovers(t, { session: t.session, window: m.stamp.window, index: m.stamp.index }))
      )
        lines.push(`  ${onHost(host, `${t.session}:${t.window}${t.index === undefined ? '' : `.${t.index}`}`)}: not found, nothing to delete`);
    }
    return { host, plan: p, lines, errors, notFound };
  } finally {
    await lock.release();
  }
}
