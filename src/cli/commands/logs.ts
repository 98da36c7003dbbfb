import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { sessionLogFile } from '../../session-log/files.js';
import { fileSize, follow, tailLines } from '../../session-log/read.js';
import type { Context } from '../context.js';

export interface LogsOptions {
  lines: number;
  follow?: boolean;
}

/** A session's kept output, whether its process is running, dead, or restarted since. */
export async function logsCommand(ctx: Context, name: string, opts: LogsOptions): Promise<number> {
  const file = sessionLogFile(ctx.logDir, name);
  if (!existsSync(file) && !existsSync(`${file}.1`)) throw new UsageError(`no logs for session "${name}" (looked in ${file})`);
  if (!Number.isInteger(opts.lines) || opts.lines < 0) throw new UsageError('-n must be a whole number of lines');
  const lines = tailLines(file, opts.lines);
  if (lines.length > 0) ctx.io.out(lines.join('\n') + '\n');
  if (!opts.follow) return 0;
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await follow(file, fileSize(file), (t) => ctx.io.out(t), stop.signal);
  return 0;
}
