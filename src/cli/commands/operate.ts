import { executePlan } from '../../apply/execute.js';
import { exitFields } from '../../apply/reconcile.js';
import { verifyStarted } from '../../apply/verify.js';
import { UsageError } from '../../errors.js';
import { observe } from '../../observe/snapshot.js';
import { paneSlot } from '../../observe/types.js';
import { planVerb, type Verb, type VerbPane } from '../../plan/operate.js';
import { ownedSessionNames, parseVerbTargets, selectPanes } from '../../plan/select-targets.js';
import type { DesiredState } from '../../spec/types.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine, failureJson, failureLines } from '../format-plan.js';
import type { OutputFormat } from '../options.js';
import { paint } from '../io.js';
import type { Action } from '../../plan/types.js';

export interface OperateOptions {
  output: OutputFormat;
  lockTimeout: number;
}

/**
 * `tmuxctl restart|stop|start TARGET...`, on what tmuxctl owns only. Under the server lock, as apply:
 * a running watch waits for it, then sees the stamps it left (a hold, a new start) and keeps them. A
 * pane is started from the spec file its session records, so the verbs work from any folder; that
 * file is loaded whole first, and a problem in it changes nothing (exit 2).
 */
export async function operateCommand(ctx: Context, verb: Verb, texts: string[], opts: OperateOptions): Promise<number> {
  const { targets, invalid } = parseVerbTargets(texts);
  if (invalid.length > 0)
    throw new UsageError(
      `invalid target ${invalid.map((t) => JSON.stringify(t)).join(', ')}: write session, session:window or session:window.N (session may be a glob)`,
    );
  const events = eventLog(ctx, false);
  const lock = await ctx.lock(opts.lockTimeout);
  try {
    const observed = await observe(ctx.machine);
    const selection = selectPanes(targets, observed);
    if (selection.unmatched.length > 0) {
      const owned = ownedSessionNames(observed);
      throw new UsageError(
        `nothing tmuxctl owns matches ${selection.unmatched.map((t) => JSON.stringify(t)).join(', ')}; sessions tmuxctl owns: ${owned.join(', ') || 'none'}`,
      );
    }
    const desired = verb === 'stop' ? undefined : await recordedSpecs(ctx, selection.panes);
    const panes: VerbPane[] = selection.panes.map((m) => {
      const session = desired?.sessions.find((s) => s.name === m.session.name && s.source === m.session.source);
      const spec = session?.windows.flatMap((w) => w.panes).find((p) => paneSlot(p.window, p.index) === paneSlot(m.stamp.window, m.stamp.index));
      return { managed: m, ...(spec && { spec }) };
    });
    const plan = planVerb(verb, panes);
    if (plan.actions.some((a) => a.kind !== 'conflict')) await ctx.tmux.checkVersion();
    for (const a of plan.actions) events.record({ event: a.kind, session: a.target, reason: a.reason }, a.kind === 'conflict' ? 'warn' : 'info');
    const { started, errors } = await executePlan(ctx.machine, plan, { logDir: ctx.logDir, serverSessions: observed.sessions.size });
    for (const e of errors) events.record({ event: 'tmux-error', reason: e }, 'error');
    const failures = await verifyStarted(ctx.machine, started, errors);
    for (const f of failures) events.record({ event: 'start-failed', session: f.session, reason: f.reason, ...exitFields(f) }, 'error');

    // A start is a respawn to the executor; people asked for `start` and read that word.
    const label = (a: Action) => (verb === 'start' && a.kind === 'restart' ? 'start' : a.kind);
    if (opts.output === 'json') {
      const actions = plan.actions.map((a) => ({ ...actionJson(a), action: label(a) }));
      ctx.io.out(JSON.stringify({ actions, unchanged: plan.unchanged, failures: failures.map(failureJson), errors }, null, 2) + '\n');
    } else {
      const lines = [
        ...plan.actions.map((a) => (label(a) === 'start' ? `${paint(ctx.io, 'green', '+ start')} ${a.target} (${a.reason})` : actionLine(ctx.io, a))),
        ...plan.unchanged.map((u) => `= ${u.target} (${u.reason})`),
        ...failures.flatMap((f) => failureLines(ctx.io, f)),
        ...errors.map((e) => `tmux: ${e}`),
      ];
      ctx.io.out(lines.join('\n') + '\n');
    }
    return failures.length > 0 || errors.length > 0 || plan.actions.some((a) => a.kind === 'conflict') ? 3 : 0;
  } finally {
    await lock.release();
    await events.close();
  }
}

/** The spec files the selected sessions record, loaded all-or-nothing (a pane starts as its file now declares it). */
async function recordedSpecs(ctx: Context, panes: ReturnType<typeof selectPanes>['panes']): Promise<DesiredState | undefined> {
  const files = [...new Set(panes.flatMap((m) => (m.session.source !== undefined ? [m.session.source] : [])))];
  return files.length > 0 ? loadOrFail(ctx.io, files) : undefined;
}
