import { shQuote } from '../tmux/quote.js';

/**
 * Pure: the POSIX shell scripts that read session logs on a host (host/files.ts runs them). Each
 * prints only what is asked for: `tail` reads a log from its end, and the `--since` scan (awk)
 * prints from the first start marker on, so no whole log ever travels. Marker times are
 * `toISOString()` (fixed width, UTC), so comparing them as text compares them as times.
 */

/** Every log file name in the folder, one per line (nothing when there is no folder). */
export function listLogsScript(logDir: string): string {
  return `cd -- ${shQuote(logDir)} 2>/dev/null || exit 0\nfor f in *.log *.log.1; do [ -f "$f" ] && printf '%s\\n' "$f"; done\nexit 0\n`;
}

/** `n` whole lines, or every line when n is Infinity. */
function lastLines(n: number): string {
  return Number.isFinite(n) ? ` | tail -n ${Math.max(0, Math.floor(n))}` : '';
}

/**
 * The last `n` lines of FILE, topped up from FILE.1 when FILE has fewer (or is missing), as
 * tailLines does here. `awk 1` ends FILE.1's last line, so it never runs into FILE's first.
 */
export function tailScript(file: string, n: number): string {
  const [f, old] = [shQuote(file), shQuote(`${file}.1`)];
  return `{ if [ -f ${old} ]; then tail -n ${n} -- ${old} | LC_ALL=C awk 1; fi; if [ -f ${f} ]; then tail -n ${n} -- ${f}; fi; } 2>/dev/null${lastLines(n)}\nexit 0\n`;
}

/** The awk that prints from the first marker at or after `sinceIso` on, across the files it is given in turn. */
function sinceAwk(sinceIso: string): string {
  return `LC_ALL=C awk -v s=${shQuote(sinceIso)} 'f || (index($0, "[tmuxctl ") == 1 && substr($0, 10, 24) >= s) { f = 1; print }' "$@"`;
}

/** Lines of the files that exist, among FILE.1 and FILE (awk stops at a missing file on some systems). */
function existing(file: string): string {
  return `set --; for g in ${shQuote(`${file}.1`)} ${shQuote(file)}; do [ -f "$g" ] && set -- "$@" "$g"; done`;
}

/**
 * The runs that started at or after `since`: from the first marker since in FILE.1 (and then all
 * of FILE), or else in FILE, as linesSince does here; the last `n` lines of them.
 */
export function sinceScript(file: string, since: number, n: number): string {
  return `${existing(file)}\nif [ $# -gt 0 ]; then ${sinceAwk(new Date(since).toISOString())} 2>/dev/null${lastLines(n)}; fi\nexit 0\n`;
}

/** The header `tail` prints before a file's lines when it follows several (`-v`: also for one). */
export function tailHeader(file: string): string {
  return `==> ${file} <==`;
}

/**
 * Always last in a follow: GNU tail takes the last file named as the one it printed last, so the
 * first lines of a last log that only appears later would come with no header and read as another
 * log's. /dev/null is always there and never prints.
 */
export const FOLLOW_SENTINEL = '/dev/null';

/**
 * Follows the files with one `tail -F` (by name: a rotated or re-created log is picked up), from
 * their last `n` lines, or (with `since`) from the first marker since, printed first under the
 * header tail itself would print. It ends when its stdin ends (ssh's, which ends when the ssh
 * client is stopped or dies) or when tail does; tail is never left behind on the host.
 */
export function followScript(files: readonly string[], from: { lines: number; since?: number }): string {
  const quoted = [...files, FOLLOW_SENTINEL].map(shQuote).join(' ');
  const head =
    from.since === undefined
      ? []
      : files.map(
          (f) =>
            `printf '\\n%s\\n' ${shQuote(tailHeader(f))}\n${existing(f)}\nif [ $# -gt 0 ]; then ${sinceAwk(new Date(from.since!).toISOString())} 2>/dev/null${lastLines(from.lines)}; fi`,
        );
  const n = from.since !== undefined ? '0' : Number.isFinite(from.lines) ? String(Math.max(0, Math.floor(from.lines))) : '+1';
  return [
    ...head,
    'exec 3<&0',
    `tail -v -n ${n} -F -- ${quoted} &`,
    't=$!',
    // An asynchronous list's stdin is /dev/null: the watcher reads ssh's stdin through fd 3.
    '( cat <&3 >/dev/null 2>&1; kill $t 2>/dev/null ) &',
    'exec 3<&-',
    'wait $t',
    '',
  ].join('\n');
}

/** The text a script printed as lines, as tailLines gives them: \r\n line ends read as \n, no empty last line. */
export function splitLogText(text: string): string[] {
  if (text === '') return [];
  let t = text.replace(/\r\n/g, '\n');
  if (t.endsWith('\n')) t = t.slice(0, -1);
  return t.split('\n');
}

/**
 * Splits what one `tail -v -F` over several files prints into each file's lines. A line that is
 * exactly the header of one of the files switches to that file; the blank line tail writes before
 * every header but the first is its own, not the file's, and is dropped. Lines arrive whole (a piece
 * without its newline waits for the rest).
 */
export class TailSplitter {
  /** The target of the lines that come now; null: the sentinel's (none come). */
  private current: string | null | undefined;
  private pending = '';
  private blank = false;
  private readonly byHeader: Map<string, string | null>;

  constructor(
    /** Path on the host -> its target. */
    files: ReadonlyMap<string, string>,
    private readonly onLine: (target: string, line: string) => void,
  ) {
    this.byHeader = new Map<string, string | null>([...files].map(([path, target]) => [tailHeader(path), target]));
    if (!files.has(FOLLOW_SENTINEL)) this.byHeader.set(tailHeader(FOLLOW_SENTINEL), null);
  }

  /** More of the text; every line it completes is handed over. */
  push(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop()!;
    for (const p of parts) this.line(p.endsWith('\r') ? p.slice(0, -1) : p);
  }

  /** The end: a last line without its newline, and a blank line held back, are handed over. */
  flush(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
    if (this.blank && typeof this.current === 'string') this.onLine(this.current, '');
    this.blank = false;
  }

  private line(l: string): void {
    const header = this.byHeader.get(l);
    if (header !== undefined) {
      this.blank = false;
      this.current = header;
      return;
    }
    if (this.blank && typeof this.current === 'string') this.onLine(this.current, '');
    this.blank = l === '';
    if (!this.blank && typeof this.current === 'string') this.onLine(this.current, l);
  }
}
