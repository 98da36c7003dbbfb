import { existsSync } from 'node:fs';
import { reconcile, type ReconcileResult } from '../../apply/reconcile.js';
import { applyWaitingForDependencies, describeTimedOut } from '../../apply/wait-dependencies.js';
import { logIsLarge } from '../../session-log/files.js';
import { displayPath } from '../../spec/display-path.js';
import { socketPath } from '../../state/paths.js';
import type { DesiredState } from '../../spec/types.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine, failureJson, failureLines, summarise, summaryLine, waitingLine } from '../format-plan.js';
import type { OutputFormat } from '../options.js';
import { onHost, openHosts } from '../hosts.js';
import type { HostUnreachableError } from '../../errors.js';
import { isLocal, LOCAL_HOST } from '../../host/machine.js';
import { onEachHost } from '../each-host.js';
import { eventsOnHost } from '../host-watchers.js';
import type { EventLog } from '../../log/events.js';
import type { Notifier, WatcherNotifier } from '../../notify/notifier.js';

export interface ApplyOptions {
  file?: string[];
  dryRun?: boolean;
  takeOver?: boolean;
  /** Apply changes at once, whatever each pane's `update` strategy says. */
  force?: boolean;
  output: OutputFormat;
  lockTimeout: number;
  /** Seconds apply waits for `dependsOn` conditions before it gives up (exit 3). */
  waitTimeout?: number;
  /** `--host NAME`, repeatable: only these hosts (`local` is this machine). */
  host?: string[];
}

/** How long apply waits for its notifications at the end: one try's timeout and a little. */
const APPLY_NOTIFY_MS = 12_000;

export async function applyCommand(ctx: Context, opts: ApplyOptions): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const dryRun = opts.dryRun ?? false;
  // Every host at once: one batch each, so the slowest host is what a many-host apply costs.
  const { done: applied, lost } = await onEachHost(
    await openHosts(ctx, desired, opts.host),
    async (s): Promise<HostApply> => ({
      host: s.host,
      ...(await applyOnHost(s.ctx, s.desired!, opts)),
    }),
  );
  printApply(ctx, desired, applied, lost, dryRun, opts.output);
  for (const a of applied) {
    // What was attempted is printed above; the batch's own failure last, as one line.
    if (a.result.batchError) ctx.io.err(`tmuxctl: ${where(a.host)}${a.result.batchError.message}\n`);
    if (a.gaveUp) ctx.io.err(`tmuxctl: ${where(a.host)}${a.gaveUp}\n`);
  }
  for (const e of lost) ctx.io.err(`tmuxctl: ${e.message}\n`);
  const failed =
    lost.length > 0 ||
    applied.some(
      (a) =>
        a.result.failures.length > 0 || a.result.batchError !== undefined || a.gaveUp !== undefined || a.result.plan.actions.some((x) => x.kind === 'conflict'),
    );
  return failed ? 3 : 0;
}

/** What apply did on one host. */
interface HostApply {
  host: string;
  result: ReconcileResult;
  /** Why it stopped waiting for dependencies, when it did. */
  gaveUp?: string;
}

/** `gpu1: ` before a message about a host; nothing for this machine. */
function where(host: string): string {
  return host === LOCAL_HOST ? '' : `${host}: `;
}

async function applyOnHost(ctx: Context, desired: DesiredState, opts: ApplyOptions): Promise<Omit<HostApply, 'host'>> {
  const dryRun = opts.dryRun ?? false;
  const waitSeconds = opts.waitTimeout ?? 60;
  const waited = dryRun
    ? { result: await reconcile(ctx.machine, desired, { dryRun, honourBackoff: false, verify: false, logDir: ctx.logDir, ...planning(ctx, opts) }) }
    : await applyWaitingForDependencies({
        desired,
        pass: (healthy, first) => applyLocked(ctx, desired, opts, { healthy, honourBackoff: !first }),
        timeoutMs: waitSeconds * 1000,
        checks: ctx.machine.checks,
        logDir: ctx.logDir,
        env: ctx.io.env as NodeJS.ProcessEnv,
      });
  const result = waited.result;
  const gaveUp =
    'blocked' in waited && waited.blocked !== undefined
      ? `${describeTimedOut((result.plan.waiting ?? []).filter((w) => w.dependencies))} cannot start: ${waited.blocked}`
      : 'timedOut' in waited && waited.timedOut
        ? `gave up after ${waitSeconds}s (--wait-timeout) waiting for dependencies: ${describeTimedOut(waited.timedOut)}`
        : undefined;
  return { result, ...(gaveUp && { gaveUp }) };
}

/** What a pass of apply adds while it waits for dependencies: the checks passed so far, and backoff after the first pass. */
interface PassState {
  healthy: ReadonlyMap<string, number>;
  honourBackoff: boolean;
}

async function applyLocked(ctx: Context, desired: DesiredState, opts: ApplyOptions, pass: PassState): Promise<ReconcileResult> {
  // Most applies find nothing to do (a deploy step, a cron job). One observation without the lock
  // tells, and spares them the lock's process. Anything to do, a log to rotate included, is planned
  // again under the lock from a fresh observation, so no two reconcilers act on one view. With no
  // server socket there is nothing to look at yet (a cold start): straight to the lock, unless
  // nothing is declared here either (specs of remote hosts only): then the look finds nothing to do.
  if (ctx.machine.host !== LOCAL_HOST || desired.sessions.length === 0 || existsSync(socketPath(ctx.server, ctx.io.env))) {
    const look = await reconcile(ctx.machine, desired, { dryRun: true, verify: false, logDir: ctx.logDir, ...pass, ...planning(ctx, opts) });
    const owned = [...look.observed.sessions.values()].filter((s) => s.owned);
    // A log grown past its cap is rotated by a pass, here. A host's writer cuts its logs as it
    // writes (host/files.ts), and ctx.logDir is a path there, not one to look at here.
    const rotate = isLocal(ctx.machine) && owned.some((s) => logIsLarge(ctx.logDir, s.name));
    if (look.plan.actions.length === 0 && !rotate) return look;
  }
  const file = eventLog(ctx, false);
  // A host's events name it, as watch's do (`gpu1/agent-a`, `"host":"gpu1"`).
  const log = eventsOnHost(file, ctx.machine.host);
  const notifier = await startFailedNotifier(ctx, desired, file, log);
  const events = notifier?.events ?? log;
  const lock = await ctx.lock(opts.lockTimeout);
  try {
    return await reconcile(ctx.machine, desired, { dryRun: false, verify: true, logDir: ctx.logDir, events, ...pass, ...planning(ctx, opts) });
  } finally {
    await lock.release();
    // After the lock: a slow channel holds up this command only, never another reconciler.
    await notifier?.drain(APPLY_NOTIFY_MS);
    await file.close();
  }
}

/**
 * apply tells `start-failed` (its verify's verdict) through the specs' notify channels; a host's
 * sessions as watch tells them: targets `gpu1/agent-a`, the last lines read from the host's log.
 */
async function startFailedNotifier(
  ctx: Context,
  desired: DesiredState,
  file: EventLog,
  log: EventLog,
): Promise<(WatcherNotifier & Pick<Notifier, 'drain'>) | undefined> {
  if (!desired.sessions.some((s) => s.notify?.length)) return undefined;
  const { createNotifier } = await import('../../notify/notifier.js');
  const host = ctx.machine.host;
  const here = host === LOCAL_HOST;
  const notifier = createNotifier({
    events: file,
    desired: here ? desired : { ...desired, sessions: [] },
    logDir: ctx.logDir,
    env: ctx.io.env as NodeJS.ProcessEnv,
    only: new Set(['start-failed']),
  });
  if (here) return notifier;
  const feed = notifier.forHost({ host, events: log, desired, files: ctx.machine.files, logDir: ctx.logDir });
  return { ...feed, drain: (ms) => notifier.drain(ms) };
}

/** Planning choices of this command: --take-over, and paths in reasons as the user would type them. */
function planning(ctx: Context, opts: ApplyOptions) {
  return { takeOver: opts.takeOver ?? false, force: opts.force ?? false, displayPath: (p: string) => displayPath(p, ctx.io.cwd) };
}

function printApply(
  ctx: Context,
  desired: DesiredState,
  applied: readonly HostApply[],
  lost: readonly HostUnreachableError[],
  dryRun: boolean,
  output: OutputFormat,
): void {
  const all = applied.map((a) => ({ host: a.host, plan: a.result.plan, failures: a.result.failures }));
  const summary = summarise(
    { actions: all.flatMap((a) => a.plan.actions), waiting: all.flatMap((a) => a.plan.waiting ?? []) },
    all.flatMap((a) => a.failures),
  );
  const unknown = lost.flatMap((e) => desired.sessions.filter((s) => s.host === e.host).map((s) => ({ host: e.host, session: s.name, reason: e.message })));
  if (output === 'json') {
    const errors = applied.flatMap((a) => (a.result.batchError ? [a.result.batchError.message] : a.gaveUp ? [a.gaveUp] : []));
    const json = {
      actions: all.flatMap((a) => a.plan.actions.map((x) => ({ ...actionJson(x), host: a.host }))),
      failures: all.flatMap((a) => a.failures.map((f) => ({ ...failureJson(f), host: a.host }))),
      waiting: all.flatMap((a) => (a.plan.waiting ?? []).map((w) => ({ ...w, host: a.host }))),
      summary,
      dryRun,
      ...(errors.length > 0 && { error: errors.join('; ') }),
      ...(lost.length > 0 && { unreachable: lost.map((e) => ({ host: e.host, error: e.message })), unknown }),
    };
    ctx.io.out(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const a of all) {
    const on = (target: string) => onHost(a.host, target);
    lines.push(...a.plan.actions.map((x) => actionLine(ctx.io, { ...x, target: on(x.target) })));
    for (const w of a.plan.waiting ?? []) lines.push(waitingLine(ctx.io, { ...w, target: on(w.target) }));
    for (const f of a.failures) lines.push(...failureLines(ctx.io, { ...f, session: on(f.session) }));
  }
  for (const u of unknown) lines.push(`? unknown ${onHost(u.host, u.session)} (nothing done on ${u.host})`);
  lines.push(summaryLine(summary, desired.sessions.length, dryRun));
  ctx.io.out(lines.join('\n') + '\n');
}
