import { closeSync, openSync, readFileSync, readSync, statSync, watchFile, unwatchFile } from 'node:fs';

/** The last `n` lines of a log and of its rotated predecessor, oldest first. */
export function tailLines(file: string, n: number): string[] {
  const lines = readLines(file);
  if (lines.length < n) lines.unshift(...readLines(`${file}.1`));
  return lines.slice(-n);
}

function readLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // Pane output arrives as a terminal writes it: \r\n line ends.
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Follows a log as it grows, like `tail -F`: a rotation (copytruncate) shrinks the file, and reading
 * starts again from its beginning. Stops when the signal aborts.
 */
export function follow(file: string, from: number, write: (text: string) => void, signal: AbortSignal): Promise<void> {
  let offset = from;
  const readNew = () => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0;
    if (size === offset) return;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      write(buf.toString('utf8').replace(/\r\n/g, '\n'));
    } finally {
      closeSync(fd);
    }
  };
  watchFile(file, { interval: 200 }, readNew);
  return new Promise((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        unwatchFile(file, readNew);
        resolve();
      },
      { once: true },
    );
  });
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
