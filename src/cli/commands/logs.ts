import { HostUnreachableError, UsageError } from '../../errors.js';
import type { LogFollow } from '../../host/files.js';
import { LOCAL_HOST } from '../../host/machine.js';
import { sessionLogFile } from '../../session-log/files.js';
import { logTargetsIn } from '../../session-log/log-names.js';
import { watchNewLogs } from '../../session-log/new-logs.js';
import { readableLines } from '../../session-log/readable.js';
import { parseSince } from '../../session-log/since.js';
import { parseHostTarget, type TargetPattern } from '../../plan/targets.js';
import type { Context } from '../context.js';
import { type HostScope, onHost, openHosts } from '../hosts.js';
import { asLost } from '../each-host.js';
import { linePrefix } from '../log-prefix.js';
import { specsInPlay } from '../specs-in-play.js';

export interface LogsOptions {
  /** Lines from the end of each log; default 100, or all since --since. */
  lines?: number;
  follow?: boolean;
  /** `10m`: the runs that started since then (from the first start marker at or after it). */
  since?: string;
  /** Keep terminal control sequences. */
  raw?: boolean;
  /** The specs that declare the hosts (default: the default spec paths, when they exist). */
  file?: string[];
  /** Only these hosts (repeatable). */
  host?: string[];
}

/** How often `logs --follow` looks for new pane logs on a host (one round trip each). */
const REMOTE_NEW_LOG_POLL_MS = 2000;

/** A name as typed: `gpu1/agent-a:main`, or without `host/` (every host in play). */
interface LogName {
  text: string;
  host?: string;
  target: TargetPattern;
}

/** One host's logs to print, and (when more may appear) which that appear later are followed too. */
interface HostLogs {
  scope: HostScope;
  targets: string[];
  grows?: (target: string) => boolean;
}

/**
 * Panes' kept output, whether their processes are running, dead, or restarted since. No target:
 * every pane log of this server (and of every host the specs declare); a session or window target:
 * each of its panes. With more than one log (or none named) each line carries its target as a
 * prefix, as `docker compose logs` does; a host's as `gpu1/agent-a`. A host's logs are read there,
 * through its machine's files (a bounded `tail` per log, `tail -F` to follow).
 */
export async function logsCommand(ctx: Context, names: string[], opts: LogsOptions): Promise<number> {
  const parsed: LogName[] = names.map((text) => {
    const p = parseHostTarget(text);
    if (!p || p.host === '') throw new UsageError(`invalid target ${JSON.stringify(text)}: write session, session:window or session:window.N`);
    return { text, target: p.target, ...(p.host !== undefined && { host: p.host }) };
  });
  const remote = (h: string | undefined) => h !== undefined && h !== LOCAL_HOST;
  const desired = await specsInPlay(ctx, opts.file, (opts.host ?? []).some(remote));
  const known = [LOCAL_HOST, ...(desired?.hosts ?? []).map((h) => h.name)];
  // Without hosts in the specs a '/' is no part of a target (`logs ../events` reads nothing outside the log folder).
  const strange = parsed.filter((n) => n.host !== undefined && !known.includes(n.host));
  if (strange.length > 0)
    throw new UsageError(
      `invalid target ${JSON.stringify(strange[0]!.text)}: write session, session:window or session:window.N${known.length > 1 ? `, after host/ for one of the hosts ${known.join(', ')}` : ''}`,
    );
  const named = parsed.length > 0 && parsed.every((n) => n.host !== undefined) ? [...new Set(parsed.map((n) => n.host!))] : undefined;
  const { scopes, unreachable } = await openHosts(ctx, desired, opts.host ?? named);
  const lost = [...unreachable];
  const several = scopes.length + unreachable.length > 1;
  const listed = await Promise.all(
    scopes.map(async (scope) => {
      try {
        return { scope, available: await scope.ctx.machine.files.listLogs(scope.ctx.logDir) };
      } catch (e) {
        lost.push(asLost(scope.host, e, several));
        return undefined;
      }
    }),
  );
  const reached = listed.filter((x): x is NonNullable<typeof x> => x !== undefined);
  const selected = selectLogs(reached, parsed, lost, opts.follow === true);

  if (opts.lines !== undefined && (!Number.isInteger(opts.lines) || opts.lines < 0)) throw new UsageError('-n must be a whole number of lines');
  let since: number | undefined;
  if (opts.since !== undefined) {
    const ago = parseSince(opts.since);
    if (ago === undefined) throw new UsageError(`--since must be a whole number and a unit (s, m, h, d), as 90s, 10m, 2h, 1d (got "${opts.since}")`);
    since = Date.now() - ago;
  }
  const n = opts.lines ?? (since !== undefined ? Number.POSITIVE_INFINITY : 100);
  const from = { lines: n, ...(since !== undefined && { since }) };
  const shown = (h: HostLogs, t: string) => onHost(h.scope.host, t);
  const count = selected.reduce((sum, h) => sum + h.targets.length, 0);
  // A selection that may grow (every log, a session's or a window's) shows whose each line is from.
  const prefixed = names.length === 0 || count > 1 || (opts.follow === true && selected.some((h) => h.grows !== undefined));
  let width = Math.max(0, ...selected.flatMap((h) => h.targets.map((t) => shown(h, t).length)));
  const sinks = new Map<string, ReturnType<typeof lineSink>>();
  const sinkFor = (name: string) => {
    let sink = sinks.get(name);
    if (!sink) sinks.set(name, (sink = lineSink((s) => ctx.io.out(s), prefixed ? linePrefix(name, width, ctx.io.color) : '', opts.raw === true)));
    return sink;
  };
  for (const h of selected) for (const t of h.targets) sinkFor(shown(h, t));
  const reportLost = (e: HostUnreachableError) => ctx.io.err(`tmuxctl: ${e.message}\n`);

  if (!opts.follow) {
    const read = await Promise.all(
      selected.map(async (h) => {
        try {
          return await h.scope.ctx.machine.files.readLogs(h.scope.ctx.logDir, h.targets, from);
        } catch (e) {
          lost.push(asLost(h.scope.host, e, several));
          return undefined;
        }
      }),
    );
    selected.forEach((h, i) => {
      for (const t of h.targets) for (const line of read[i]?.get(t) ?? []) sinkFor(shown(h, t)).line(line);
    });
    for (const e of lost) reportLost(e);
    return lost.length > 0 ? 3 : 0;
  }
  for (const e of lost) reportLost(e);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  // Its reader is gone (`logs NAME --follow | grep -m1 ready` found its line): nobody is left to
  // follow for, and following on would never end.
  ctx.io.onOutputLost?.((stream) => {
    if (stream === 'stdout') stop.abort();
  });
  // One log, as it was written: the bytes go through untouched, partial lines included.
  const writeFor = (name: string) => (!prefixed && opts.raw ? (text: string) => ctx.io.out(text) : sinkFor(name).text);
  const follows: LogFollow[] = [];
  let hostLost = false;
  if (count === 0 && selected.some((h) => h.grows !== undefined))
    ctx.io.err(
      `no pane logs${names.length > 0 ? ` for ${names.map((n) => JSON.stringify(n)).join(', ')}` : ''} yet: waiting for them (in ${selected.map((h) => (h.scope.host === LOCAL_HOST ? h.scope.ctx.logDir : `${h.scope.host}:${h.scope.ctx.logDir}`)).join(', ')})\n`,
    );
  for (const h of selected) {
    const { host, ctx: hctx } = h.scope;
    let gone = false;
    const follow = hctx.machine.files.followLogs(
      hctx.logDir,
      h.targets,
      from,
      {
        line: (t, l) => sinkFor(onHost(host, t)).line(l),
        text: (t, text) => writeFor(onHost(host, t))(text),
        lost: (why) => {
          if (gone) return;
          gone = hostLost = true;
          reportLost(new HostUnreachableError(host, why));
        },
      },
      stop.signal,
    );
    follows.push(follow);
    const grows = h.grows;
    if (grows === undefined) continue;
    // A pane (or session) that starts after following began: its log is followed from its first byte.
    const onNew = (t: string) => {
      width = Math.max(width, onHost(host, t).length);
      sinkFor(onHost(host, t));
      follow.add([t]);
    };
    if (host === LOCAL_HOST) watchNewLogs(() => logTargetsIn(hctx.logDir).filter(grows), new Set(h.targets), onNew, stop.signal);
    else
      pollNewLogs(
        () => hctx.machine.files.listLogs(hctx.logDir),
        new Set(h.targets),
        (t) => grows(t) && onNew(t),
        () => gone,
        stop.signal,
      );
  }
  await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
  await Promise.all(follows.map((f) => f.finished()));
  for (const s of sinks.values()) s.flush();
  return lost.length > 0 || hostLost ? 3 : 0;
}

/**
 * watchNewLogs for a host: one listing per round, the next only after the last answered (a slow
 * host is never asked twice at once), until the signal aborts or the host is lost. A listing that
 * fails is tried again next round.
 */
function pollNewLogs(list: () => Promise<string[]>, known: Set<string>, onNew: (target: string) => void, gone: () => boolean, signal: AbortSignal): void {
  const round = (): void => {
    const timer = setTimeout(async () => {
      signal.removeEventListener('abort', cancel);
      if (signal.aborted || gone()) return;
      try {
        for (const t of await list()) {
          if (known.has(t) || signal.aborted) continue;
          known.add(t);
          onNew(t);
        }
      } catch {
        // The host did not answer: its follower reports a lost host; the next round asks again.
      }
      if (!signal.aborted && !gone()) round();
    }, REMOTE_NEW_LOG_POLL_MS);
    const cancel = () => clearTimeout(timer);
    signal.addEventListener('abort', cancel, { once: true });
  };
  round();
}

/** Writes whole lines, each prefixed, made readable unless raw; `text` takes output in any pieces. */
function lineSink(write: (s: string) => void, prefix: string, raw: boolean) {
  let pending = '';
  const line = (l: string): void => {
    if (raw || l.trim() === '') write(`${prefix}${l}\n`);
    else for (const shown of readableLines(l)) write(`${prefix}${shown}\n`);
  };
  return {
    line,
    text: (t: string): void => {
      const parts = (pending + t).split('\n');
      pending = parts.pop()!;
      for (const p of parts) line(p);
    },
    flush: (): void => {
      if (pending !== '') line(pending);
      pending = '';
    },
  };
}

/**
 * The pane logs the names cover on each host, sorted and without repeats. Only a target a spec
 * could declare has a log (`logs ../../events` read a file outside the log folder). A session or
 * window target with no log of its own stands for its panes' logs, those that exist and, when
 * following, those that appear later; so does no target at all, for every log. A name without
 * `host/` is looked for on every host. Following, a selection with no log yet waits for one
 * instead of failing; otherwise a name found on no host it was looked for is a usage error (unless
 * a host it may be on was not reached: that host is reported instead).
 */
function selectLogs(
  reached: readonly { scope: HostScope; available: string[] }[],
  names: readonly LogName[],
  lost: readonly HostUnreachableError[],
  follow: boolean,
): HostLogs[] {
  if (names.length === 0) {
    const all = reached.map(({ scope, available }) => ({ scope, targets: available, grows: () => true }));
    if (all.every((h) => h.targets.length === 0) && !follow && lost.length === 0) {
      const dirs = reached.map(({ scope }) => (scope.host === LOCAL_HOST ? scope.ctx.logDir : `${scope.host}:${scope.ctx.logDir}`));
      throw new UsageError(`no pane logs on ${reached.length > 1 ? 'any host' : 'this server'} yet (looked in ${dirs.join(', ')})`);
    }
    return all;
  }
  const found = new Map<LogName, boolean>();
  const selected = reached.map(({ scope, available }) => {
    const out = new Set<string>();
    const groups: Array<(target: string) => boolean> = [];
    for (const name of names) {
      if (name.host !== undefined && name.host !== scope.host) continue;
      const text = name.text.slice(name.text.indexOf('/') + 1);
      if (available.includes(text)) {
        out.add(text);
        found.set(name, true);
        continue;
      }
      const prefix = text.includes(':') ? `${text}.` : `${text}:`;
      const inGroup = (t: string) => t === text || t.startsWith(prefix);
      const panes = available.filter(inGroup);
      if (panes.length > 0) found.set(name, true);
      for (const p of panes) out.add(p);
      groups.push(inGroup);
    }
    return { scope, targets: [...out].sort(), ...(groups.length > 0 && { grows: (t: string) => groups.some((g) => g(t)) }) };
  });
  if (!follow)
    for (const name of names) {
      if (found.get(name) || lost.some((e) => name.host === undefined || e.host === name.host)) continue;
      const text = name.text.slice(name.text.indexOf('/') + 1);
      const looked = reached.filter(({ scope }) => name.host === undefined || scope.host === name.host);
      const files = looked.map(({ scope }) => `${scope.host === LOCAL_HOST ? '' : `${scope.host}:`}${sessionLogFile(scope.ctx.logDir, text)}`);
      throw new UsageError(`no logs for "${name.text}" (looked in ${files.join(', ')})`);
    }
  return selected;
}
