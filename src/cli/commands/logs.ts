import { existsSync, readdirSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { sessionLogFile } from '../../session-log/files.js';
import { followLines, tailLines } from '../../session-log/read.js';
import { parseTarget } from '../../plan/targets.js';
import type { Context } from '../context.js';

export interface LogsOptions {
  lines: number;
  follow?: boolean;
}

/** A pane's kept output, whether its process is running, dead, or restarted since. */
export async function logsCommand(ctx: Context, name: string, opts: LogsOptions): Promise<number> {
  // Only a target a spec could declare has a log: `logs ../../events` read a file outside the log folder.
  const target = parseTarget(name);
  if (!target) {
    throw new UsageError(`invalid target ${JSON.stringify(name)}: write session (a session of one pane) or session:window.N`);
  }
  const file = sessionLogFile(ctx.logDir, name);
  if (!existsSync(file) && !existsSync(`${file}.1`)) {
    const panes = paneLogsOf(ctx.logDir, name);
    if (panes.length > 0) throw new UsageError(`${name} has ${panes.length} panes: name one of ${panes.join(', ')}`);
    throw new UsageError(`no logs for "${name}" (looked in ${file})`);
  }
  if (!Number.isInteger(opts.lines) || opts.lines < 0) throw new UsageError('-n must be a whole number of lines');
  if (!opts.follow) {
    printLines(ctx, tailLines(file, opts.lines));
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
  const followed = followLines(file, opts.lines, (t) => ctx.io.out(t), stop.signal);
  printLines(ctx, followed.lines);
  await followed.done;
  return 0;
}

function printLines(ctx: Context, lines: string[]): void {
  if (lines.length > 0) ctx.io.out(`${lines.join('\n')}\n`);
}

/** The pane logs under a session or window target (`shop` → `shop:editor.0`, `shop:servers.1`, ...). */
function paneLogsOf(logDir: string, name: string): string[] {
  const prefix = name.includes(':') ? `${name}.` : `${name}:`;
  try {
    return readdirSync(logDir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.log'))
      .map((f) => f.slice(0, -'.log'.length))
      .sort();
  } catch {
    return [];
  }
}
