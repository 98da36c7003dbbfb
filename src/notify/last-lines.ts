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
