import { existsSync, readdirSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { sessionLogFile } from '../../session-log/files.js';
import { eachLineFrom, followLines, tailLines } from '../../session-log/read.js';
import { watchNewLogs } from '../../session-log/new-logs.js';
import { readableLines } from '../../session-log/readable.js';
import { firstMarkerSince, parseSince } from '../../session-log/since.js';
import { parseTarget } from '../../plan/targets.js';
import type { Context } from '../context.js';
import { linePrefix } from '../log-prefix.js';

export interface LogsOptions {
  /** Lines from the end of each log; default 100, or all since --since. */
  lines?: number;
  follow?: boolean;
  /** `10m`: the runs that started since then (from the first start marker at or after it). */
  since?: string;
  /** Keep terminal control sequences. */
  raw?: boolean;
}

/**
 * Panes' kept output, whether their processes are running, dead, or restarted since. No target:
 * every pane log of this server; a session or window target: each of its panes. With more than one
 * log (or none named) each line carries its target as a prefix, as `docker compose logs` does.
 */
export async function logsCommand(ctx: Context, names: string[], opts: LogsOptions): Promise<number> {
  const { targets, grows } = logTargets(ctx.logDir, names, opts.follow === true);
  if (opts.lines !== undefined && (!Number.isInteger(opts.lines) || opts.lines < 0)) throw new UsageError('-n must be a whole number of lines');
  let since: number | undefined;
  if (opts.since !== undefined) {
    const ago = parseSince(opts.since);
    if (ago === undefined) throw new UsageError(`--since must be a whole number and a unit (s, m, h, d), as 90s, 10m, 2h, 1d (got "${opts.since}")`);
    since = Date.now() - ago;
  }
  const n = opts.lines ?? (since !== undefined ? Number.POSITIVE_INFINITY : 100);
  // A selection that may grow (every log, a session's or a window's) shows whose each line is from.
  const prefixed = names.length === 0 || targets.length > 1 || (opts.follow === true && grows !== undefined);
  let width = Math.max(0, ...targets.map((t) => t.length));
  const sinkFor = (t: string) => lineSink((s) => ctx.io.out(s), prefixed ? linePrefix(t, width, ctx.io.color) : '', opts.raw === true);
  const sinks = targets.map(sinkFor);

  if (!opts.follow) {
    targets.forEach((t, i) => {
      const file = sessionLogFile(ctx.logDir, t);
      const lines = since === undefined ? tailLines(file, n) : linesSince(file, since, n);
      for (const line of lines) sinks[i]!.line(line);
    });
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  // Its reader is gone (`logs NAME --follow | grep -m1 ready` found its line): nobody is left to
  // follow for, and following on would never end.
  ctx.io.onOutputLost?.((stream) => {
    if (stream === 'stdout') stop.abort();
  });
  const followed = targets.map((t, i) => {
    const file = sessionLogFile(ctx.logDir, t);
    const sink = sinks[i]!;
    // One log, as it was written: the bytes go through untouched, partial lines included.
    const write = !prefixed && opts.raw ? (text: string) => ctx.io.out(text) : sink.text;
    if (since === undefined) return followLines(file, n, write, stop.signal);
    const from = startSince(file, since);
    if (from.older !== undefined) eachLineFrom(`${file}.1`, from.older, sink.line);
    return followLines(file, from.current === undefined ? 0 : n, write, stop.signal, 200, from.current);
  });
  followed.forEach((f, i) => {
    for (const line of f.lines) sinks[i]!.line(line);
  });
  // A pane (or session) that starts after following began: its log is followed from its first byte.
  if (grows !== undefined) {
    if (targets.length === 0)
      ctx.io.err(`no pane logs${names.length > 0 ? ` for ${names.map((n) => JSON.stringify(n)).join(', ')}` : ''} yet: waiting for them (in ${ctx.logDir})\n`);
    watchNewLogs(
      () => logsIn(ctx.logDir, grows),
      new Set(targets),
      (t) => {
        width = Math.max(width, t.length);
        const sink = sinkFor(t);
        sinks.push(sink);
        followed.push(followLines(sessionLogFile(ctx.logDir, t), 0, sink.text, stop.signal, 200, 0));
      },
      stop.signal,
    );
  }
  await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
  await Promise.all(followed.map((f) => f.done));
  for (const s of sinks) s.flush();
  return 0;
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

/** Where `--since` starts: in FILE.1 (then all of FILE follows), or in FILE; neither when no run started since. */
function startSince(file: string, since: number): { older?: number; current?: number } {
  const older = firstMarkerSince(`${file}.1`, since);
  if (older !== undefined) return { older, current: 0 };
  const current = firstMarkerSince(file, since);
  return current === undefined ? {} : { current };
}

/** The last `n` lines of the runs that started at or after `since`. */
function linesSince(file: string, since: number, n: number): string[] {
  const from = startSince(file, since);
  const out: string[] = [];
  const keep = (l: string) => {
    out.push(l);
    if (out.length > n) out.shift();
  };
  if (from.older !== undefined) eachLineFrom(`${file}.1`, from.older, keep);
  if (from.current !== undefined) eachLineFrom(file, from.current, keep);
  return out;
}

/** The logs to print, and (when more may appear) which targets a log that appears later must have to be followed too. */
interface LogSelection {
  targets: string[];
  grows?: (target: string) => boolean;
}

/**
 * The pane logs the targets name, sorted and without repeats. Only a target a spec could declare
 * has a log (`logs ../../events` read a file outside the log folder). A session or window target
 * with no log of its own stands for its panes' logs, those that exist and, when following, those
 * that appear later; so does no target at all, for every log. Following, a selection with no log
 * yet waits for one instead of failing.
 */
function logTargets(logDir: string, names: string[], follow: boolean): LogSelection {
  if (names.length === 0) {
    const all = logsIn(logDir, () => true);
    if (all.length === 0 && !follow) throw new UsageError(`no pane logs on this server yet (looked in ${logDir})`);
    return { targets: all, grows: () => true };
  }
  const out = new Set<string>();
  const groups: Array<(target: string) => boolean> = [];
  for (const name of names) {
    if (!parseTarget(name)) throw new UsageError(`invalid target ${JSON.stringify(name)}: write session, session:window or session:window.N`);
    const file = sessionLogFile(logDir, name);
    if (existsSync(file) || existsSync(`${file}.1`)) {
      out.add(name);
      continue;
    }
    const prefix = name.includes(':') ? `${name}.` : `${name}:`;
    const inGroup = (t: string) => t === name || t.startsWith(prefix);
    const panes = logsIn(logDir, inGroup);
    if (panes.length === 0 && !follow) throw new UsageError(`no logs for "${name}" (looked in ${file})`);
    for (const p of panes) out.add(p);
    groups.push(inGroup);
  }
  return { targets: [...out].sort(), ...(groups.length > 0 && { grows: (t: string) => groups.some((g) => g(t)) }) };
}

/** Targets with a log (or only its rotated copy) in the folder, sorted. */
function logsIn(logDir: string, keep: (target: string) => boolean): string[] {
  let files: string[];
  try {
    files = readdirSync(logDir);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const f of files) {
    const base = f.endsWith('.log.1') ? f.slice(0, -2) : f;
    if (!base.endsWith('.log')) continue;
    const target = base.slice(0, -'.log'.length);
    if (parseTarget(target) && keep(target)) names.add(target);
  }
  return [...names].sort();
}
