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
}

/** How long apply waits for its notifications at the end: one try's timeout and a little. */
const APPLY_NOTIFY_MS = 12_000;

export async function applyCommand(ctx: Context, opts: ApplyOptions): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const dryRun = opts.dryRun ?? false;
  const waitSeconds = opts.waitTimeout ?? 60;
  const waited = dryRun
    ? { result: await reconcile(ctx.machine, desired, { dryRun, honourBackoff: false, verify: false, logDir: ctx.logDir, ...planning(ctx, opts) }) }
    : await applyWaitingForDependencies({
        desired,
        pass: (healthy, first) => applyLocked(ctx, desired, opts, { healthy, honourBackoff: !first }),
        timeoutMs: waitSeconds * 1000,
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
  printApply(ctx, desired, result, dryRun, opts.output, gaveUp);
  // What was attempted is printed above; the batch's own failure last, as one line.
  if (result.batchError) ctx.io.err(`tmuxctl: ${result.batchError.message}\n`);
  if (gaveUp) ctx.io.err(`tmuxctl: ${gaveUp}\n`);
  const failed =
    result.failures.length > 0 || result.batchError !== undefined || gaveUp !== undefined || result.plan.actions.some((a) => a.kind === 'conflict');
  return failed ? 3 : 0;
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
  // server socket there is nothing to look at yet (a cold start): straight to the lock.
  if (existsSync(socketPath(ctx.server, ctx.io.env))) {
    const look = await reconcile(ctx.machine, desired, { dryRun: true, verify: false, logDir: ctx.logDir, ...pass, ...planning(ctx, opts) });
    const owned = [...look.observed.sessions.values()].filter((s) => s.owned);
    if (look.plan.actions.length === 0 && !owned.some((s) => logIsLarge(ctx.logDir, s.name))) return look;
  }
  const log = eventLog(ctx, false);
  // apply tells `start-failed` (its verify's verdict) through the specs' notify channels.
  const notifier = desired.sessions.some((s) => s.notify?.length)
    ? (await import('../../notify/notifier.js')).createNotifier({
        events: log,
        desired,
        logDir: ctx.logDir,
        env: ctx.io.env as NodeJS.ProcessEnv,
        only: new Set(['start-failed']),
      })
    : undefined;
  const events = notifier?.events ?? log;
  const lock = await ctx.lock(opts.lockTimeout);
  try {
    return await reconcile(ctx.machine, desired, { dryRun: false, verify: true, logDir: ctx.logDir, events, ...pass, ...planning(ctx, opts) });
  } finally {
    await lock.release();
    // After the lock: a slow channel holds up this command only, never another reconciler.
    await notifier?.drain(APPLY_NOTIFY_MS);
    await events.close();
  }
}

/** Planning choices of this command: --take-over, and paths in reasons as the user would type them. */
function planning(ctx: Context, opts: ApplyOptions) {
  return { takeOver: opts.takeOver ?? false, force: opts.force ?? false, displayPath: (p: string) => displayPath(p, ctx.io.cwd) };
}

function printApply(ctx: Context, desired: DesiredState, r: ReconcileResult, dryRun: boolean, output: OutputFormat, gaveUp?: string): void {
  const summary = summarise(r.plan, r.failures);
  if (output === 'json') {
    const json = {
      actions: r.plan.actions.map(actionJson),
      failures: r.failures.map(failureJson),
      waiting: r.plan.waiting ?? [],
      summary,
      dryRun,
      ...(r.batchError && { error: r.batchError.message }),
      ...(gaveUp && !r.batchError && { error: gaveUp }),
    };
    ctx.io.out(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  const lines = r.plan.actions.map((a) => actionLine(ctx.io, a));
  for (const w of r.plan.waiting ?? []) lines.push(waitingLine(ctx.io, w));
  for (const f of r.failures) lines.push(...failureLines(ctx.io, f));
  lines.push(summaryLine(summary, desired.sessions.length, dryRun));
  ctx.io.out(lines.join('\n') + '\n');
}
