import type { MachineFiles } from '../host/files.js';
import { sessionLogFile } from '../session-log/files.js';
import { tailLines } from '../session-log/read.js';
import { readableLines } from '../session-log/readable.js';

/** How many lines of a pane's output a message carries. */
export const PAYLOAD_LINES = 20;

/**
 * The last lines a pane printed, as `tmuxctl logs` shows them (control sequences removed), from its
 * log (it outlives the pane's restarts). Read from the end: a large log costs what is printed. None
 * when there is no log: a message is worth sending without them.
 */
export function lastLines(logDir: string, target: string, n = PAYLOAD_LINES): string[] {
  try {
    // Read more than n: lines that held only control sequences are dropped.
    return tailLines(sessionLogFile(logDir, target), n * 2)
      .flatMap(readableLines)
      .slice(-n);
  } catch {
    return [];
  }
}

/**
 * The same lines from the log on the machine the pane runs on (a host: one `tail` there, over its
 * connection, through the Machine's files). Rejects when the host cannot be reached.
 */
export async function lastLinesOn(files: Pick<MachineFiles, 'readLogs'>, logDir: string, target: string, n = PAYLOAD_LINES): Promise<string[]> {
  const read = await files.readLogs(logDir, [target], { lines: n * 2 });
  return (read.get(target) ?? []).flatMap(readableLines).slice(-n);
}

/**
 * The lines `read` gives within `ms`, else none: a host lost while a message is prepared must not
 * hold the message (nor the outbox's slot) for longer than that, and a failed read is no failed send.
 */
export async function linesWithin(ms: number, read: () => Promise<string[]>): Promise<string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(read)
        .catch((): string[] => []),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
