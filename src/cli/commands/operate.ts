import { executePlan } from '../../apply/execute.js';
import type { HeldLock } from '../../apply/lock.js';
import { exitFields } from '../../apply/reconcile.js';
import { type StartFailure, verifyStarted } from '../../apply/verify.js';
import { HostUnreachableError, UsageError } from '../../errors.js';
import { LOCAL_HOST } from '../../host/machine.js';
import type { EventLog } from '../../log/events.js';
import { observe } from '../../observe/snapshot.js';
import { type ObservedState, paneSlot } from '../../observe/types.js';
import { planVerb, type Verb, type VerbPane, type VerbPlan } from '../../plan/operate.js';
import { ownedSessionNames, parseVerbTargets, type Selection, selectPanes } from '../../plan/select-targets.js';
import type { Action } from '../../plan/types.js';
import type { DesiredState } from '../../spec/types.js';
import { eventLog, loadOrFail, type Context } from '../context.js';
import { actionJson, actionLine, failureJson, failureLines } from '../format-plan.js';
import { type HostScope, onHost, openHosts } from '../hosts.js';
import { asLost } from '../each-host.js';
import { paint } from '../io.js';
import type { OutputFormat } from '../options.js';
import { specsInPlay } from '../specs-in-play.js';

export interface OperateOptions {
  output: OutputFormat;
  lockTimeout: number;
  /** The specs that declare the hosts (default: the default spec paths, when they exist). */
  file?: string[];
  /** Only these hosts (repeatable). */
  host?: string[];
}

type VerbTarget = ReturnType<typeof parseVerbTargets>['targets'][number];

/** A target as typed: `gpu1/agent-a:main.0` (that host only), or without `host/` (every host in play). */
interface HostVerbTarget {
  host?: string;
  target: VerbTarget;
}

/** A host where the targets were looked for: its lock is held from the look until the end. */
interface Looked {
  scope: HostScope;
  lock: HeldLock;
  observed: ObservedState;
  selection: Selection;
}

/** What the verb did on one host. */
interface Done {
  host: string;
  plan: VerbPlan;
  failures: StartFailure[];
  errors: string[];
}

/**
 * `tmuxctl restart|stop|start TARGET...`, on what tmuxctl owns only. Under the server lock, as apply:
 * a running watch waits for it, then sees the stamps it left (a hold, a new start) and keeps them. A
 * pane is started from the spec file its session records, so the verbs work from any folder; that
 * file is loaded whole first, and a problem in it changes nothing (exit 2).
 *
 * With hosts in the specs, a target without `host/` is looked for on every host in play (`--host`
 * limits them), each under its own lock, in parallel. Every host is looked at before anything is
 * done anywhere, so a target found on no host is the usage error it always was, with nothing changed.
 * A host that cannot be reached is reported (exit 3) and the others are done.
 */
export async function operateCommand(ctx: Context, verb: Verb, texts: string[], opts: OperateOptions): Promise<number> {
  const { targets, invalid } = parseHostVerbTargets(texts);
  if (invalid.length > 0)
    throw new UsageError(
      `invalid target ${invalid.map((t) => JSON.stringify(t)).join(', ')}: write session, session:window or session:window.N (session may be a glob), after host/ for a session on a host`,
    );
  const remote = (h: string | undefined) => h !== undefined && h !== LOCAL_HOST;
  const desired = await specsInPlay(ctx, opts.file, (opts.host ?? []).some(remote));
  const known = [LOCAL_HOST, ...(desired?.hosts ?? []).map((h) => h.name)];
  const strange = targets.flatMap((t) => (t.host !== undefined && !known.includes(t.host) ? [t] : []));
  if (strange.length > 0)
    throw new UsageError(
      `unknown host in ${strange.map((t) => JSON.stringify(t.target.text)).join(', ')}: the specs declare ${known.join(', ')}${desired ? '' : ' (no specs loaded: name them with -f)'}`,
    );
  // Targets that all name their host need only those hosts reached.
  const named = targets.every((t) => t.host !== undefined) ? [...new Set(targets.map((t) => t.host!))] : undefined;
  const { scopes, unreachable } = await openHosts(ctx, desired, opts.host ?? named);
  const forHost = (host: string) => targets.filter((t) => t.host === undefined || t.host === host).map((t) => t.target);
  const several = scopes.length + unreachable.length > 1;

  const events = eventLog(ctx, false);
  const looks = await Promise.allSettled(scopes.map((scope) => lookOn(scope, forHost(scope.host), opts.lockTimeout)));
  const looked = looks.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const lost = [...unreachable];
    for (const [i, r] of looks.entries()) if (r.status === 'rejected') lost.push(asLost(scopes[i]!.host, r.reason, several));
    checkMatched(targets, looked, lost);
    const recorded = verb === 'stop' ? undefined : await recordedSpecs(ctx, looked);
    const done = await Promise.all(
      looked.map(async (l) => {
        try {
          return await actOn(l, verb, recorded, events);
        } catch (e) {
          return asLost(l.scope.host, e, several);
        }
      }),
    );
    lost.push(...done.filter((d): d is HostUnreachableError => d instanceof HostUnreachableError));
    const results = done.filter((d): d is Done => !(d instanceof HostUnreachableError));
    report(ctx, verb, results, opts.output);
    for (const e of lost) ctx.io.err(`tmuxctl: ${e.message}\n`);
    const failed = results.some((r) => r.failures.length > 0 || r.errors.length > 0 || r.plan.actions.some((a) => a.kind === 'conflict'));
    return failed || lost.length > 0 ? 3 : 0;
  } finally {
    await Promise.all(looked.map((l) => l.lock.release()));
    await events.close();
  }
}

/** `gpu1/agent-*:main`: the host ends at the first '/' (session names never hold one). */
function parseHostVerbTargets(texts: readonly string[]): { targets: HostVerbTarget[]; invalid: string[] } {
  const targets: HostVerbTarget[] = [];
  const invalid: string[] = [];
  for (const text of texts) {
    const slash = text.indexOf('/');
    const host = slash < 0 ? undefined : text.slice(0, slash);
    const parsed = parseVerbTargets([slash < 0 ? text : text.slice(slash + 1)]).targets[0];
    if (!parsed || host === '') invalid.push(text);
    else targets.push({ ...(host !== undefined && { host }), target: { ...parsed, text } });
  }
  return { targets, invalid };
}

/** Takes the host's lock, then looks: what the targets cover there. The lock is released on a failure. */
async function lookOn(scope: HostScope, targets: VerbTarget[], lockTimeout: number): Promise<Looked> {
  const lock = await scope.ctx.lock(lockTimeout);
  try {
    const observed = await observe(scope.ctx.machine);
    return { scope, lock, observed, selection: selectPanes(targets, observed) };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/**
 * A target that matched nothing on any host it was looked for is a usage error, before anything is
 * done. One that may be on a host not reached is not: that host is reported instead.
 */
function checkMatched(targets: readonly HostVerbTarget[], looked: readonly Looked[], lost: readonly HostUnreachableError[]): void {
  const unmatched = targets.filter(({ host, target }) => {
    if (lost.some((e) => host === undefined || e.host === host)) return false;
    return looked.every((l) => (host !== undefined && l.scope.host !== host) || l.selection.unmatched.includes(target.text));
  });
  if (unmatched.length === 0) return;
  const owned = looked.flatMap((l) => ownedSessionNames(l.observed).map((n) => onHost(l.scope.host, n)));
  throw new UsageError(
    `nothing tmuxctl owns matches ${unmatched.map((t) => JSON.stringify(t.target.text)).join(', ')}; sessions tmuxctl owns: ${owned.join(', ') || 'none'}`,
  );
}

/** Does the verb on one host, under the lock taken when it was looked at. */
async function actOn(l: Looked, verb: Verb, recorded: DesiredState | undefined, events: EventLog): Promise<Done> {
  const { ctx, host } = l.scope;
  const panes: VerbPane[] = l.selection.panes.map((m) => {
    // `hosts: [a, b]` declares one session per host, alike but for its host: take this host's.
    const session = recorded?.sessions.find((s) => s.name === m.session.name && s.source === m.session.source && s.host === host);
    const spec = session?.windows.flatMap((w) => w.panes).find((p) => paneSlot(p.window, p.index) === paneSlot(m.stamp.window, m.stamp.index));
    return { managed: m, ...(spec && { spec }) };
  });
  const plan = planVerb(verb, panes);
  if (plan.actions.length === 0 && plan.unchanged.length === 0) return { host, plan, failures: [], errors: [] };
  if (plan.actions.some((a) => a.kind !== 'conflict')) await ctx.tmux.checkVersion();
  const on = host === LOCAL_HOST ? {} : { host };
  for (const a of plan.actions) events.record({ event: a.kind, session: a.target, reason: a.reason, ...on }, a.kind === 'conflict' ? 'warn' : 'info');
  const { started, errors } = await executePlan(ctx.machine, plan, { logDir: ctx.logDir, serverSessions: l.observed.sessions.size });
  for (const e of errors) events.record({ event: 'tmux-error', reason: e, ...on }, 'error');
  const failures = await verifyStarted(ctx.machine, started, errors);
  for (const f of failures) events.record({ event: 'start-failed', session: f.session, reason: f.reason, ...exitFields(f), ...on }, 'error');
  return { host, plan, failures, errors };
}

/** The spec files the selected sessions record, on every host, loaded once and all-or-nothing (a pane starts as its file now declares it). */
async function recordedSpecs(ctx: Context, looked: readonly Looked[]): Promise<DesiredState | undefined> {
  const files = [...new Set(looked.flatMap((l) => l.selection.panes.flatMap((m) => (m.session.source !== undefined ? [m.session.source] : []))))];
  return files.length > 0 ? loadOrFail(ctx.io, files) : undefined;
}

/** Lines (or JSON) in host order; a remote pane is written `gpu1/agent-a`, and JSON items carry their host. */
function report(ctx: Context, verb: Verb, results: readonly Done[], output: OutputFormat): void {
  // A start is a respawn to the executor; people asked for `start` and read that word.
  const label = (a: Action) => (verb === 'start' && a.kind === 'restart' ? 'start' : a.kind);
  const where = (host: string) => (host === LOCAL_HOST ? '' : `${host}: `);
  if (output === 'json') {
    const actions = results.flatMap((r) => r.plan.actions.map((a) => ({ ...actionJson(a), action: label(a), host: r.host })));
    const unchanged = results.flatMap((r) => r.plan.unchanged.map((u) => ({ ...u, host: r.host })));
    const failures = results.flatMap((r) => r.failures.map((f) => ({ ...failureJson(f), host: r.host })));
    const errors = results.flatMap((r) => r.errors.map((e) => `${where(r.host)}${e}`));
    ctx.io.out(JSON.stringify({ actions, unchanged, failures, errors }, null, 2) + '\n');
    return;
  }
  const lines = results.flatMap((r) => {
    const named = <T extends { target: string }>(x: T): T => ({ ...x, target: onHost(r.host, x.target) });
    return [
      ...r.plan.actions
        .map(named)
        .map((a) => (label(a) === 'start' ? `${paint(ctx.io, 'green', '+ start')} ${a.target} (${a.reason})` : actionLine(ctx.io, a))),
      ...r.plan.unchanged.map(named).map((u) => `= ${u.target} (${u.reason})`),
      ...r.failures.flatMap((f) => failureLines(ctx.io, { ...f, session: onHost(r.host, f.session) })),
      ...r.errors.map((e) => `tmux: ${where(r.host)}${e}`),
    ];
  });
  ctx.io.out(lines.join('\n') + '\n');
}
