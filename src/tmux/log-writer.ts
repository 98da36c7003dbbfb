import { dirname } from 'node:path';
import { shQuote } from './quote.js';
import { LOG_CAP_BYTES } from '../session-log/files.js';

/** The writer re-checks the file (size, rotation, a vanished or full disk) at least every this many bytes. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * The shell script `pipe-pane` runs to keep a session's output: it enforces the cap while writing.
 * A pass-time check let 200 MB of output grow a 10 MiB-capped log to 204 MB, and rotating it then
 * copied 200 MB. No node process per session: `sh`, with `head -c` taking at most the bytes left
 * before the cap (or a chunk), `tee -a` appending them and `wc -c` counting them (GNU coreutils).
 * `stdbuf -o0`: head's stdio would hold output in a 4 KiB buffer, and a quiet session's lines would
 * reach the file (and the output health check, which reads its mtime) only much later.
 *
 * - The size is the file's own (`stat`), not a count of what was written: tmuxctl appends markers
 *   to the same file, and a pass may rotate it too. At the cap, NAME.log becomes NAME.log.1 (a
 *   rename: nothing is copied, nothing lost) and the next chunk opens a fresh NAME.log.
 * - End of output is a chunk of 0 bytes (`head` blocks until output comes or the pipe closes), never
 *   a small file: so the writer exits when tmux closes the pipe (the pane died or was respawned),
 *   and never spins.
 * - A failed write (a full disk) ends the chunk at once (`--output-error=exit`), and the writer
 *   pauses a second whenever a chunk did not grow the file; the next chunk reopens the file, so
 *   writing resumes with the first output after room returns. A removed folder is made again.
 * - umask 077: the folder and the file it creates are the user's alone (0700, 0600).
 * - Without GNU coreutils' stdbuf and `tee --output-error`, it falls back to `cat >>`.
 */
export function logWriterScript(logFile: string, capBytes = LOG_CAP_BYTES): string {
  const cap = Math.max(1, Math.floor(capBytes));
  const chunk = Math.min(CHUNK_BYTES, cap);
  // One line: tmux reads the pipe-pane command as one argument of a command line.
  return [
    `umask 077; d=${shQuote(dirname(logFile))}; f=${shQuote(logFile)};`,
    // Without GNU stdbuf and tee (BusyBox), the loop below would end at its first chunk and the log
    // would stop for good: keep every byte with a plain append instead (the pass-time rotation backstop
    // still caps it).
    '{ command -v stdbuf && tee --output-error=exit </dev/null; } >/dev/null 2>&1 || exec cat >> "$f";',
    'while :; do',
    '[ -d "$d" ] || mkdir -p -- "$d" 2>/dev/null;',
    's=$(stat -c %s -- "$f" 2>/dev/null) || s=0;',
    `if [ "$s" -ge ${cap} ]; then mv -f -- "$f" "$f.1" 2>/dev/null || sleep 1; continue; fi;`,
    `k=$((${cap} - s)); [ "$k" -le ${chunk} ] || k=${chunk};`,
    'n=$(stdbuf -o0 head -c "$k" | tee --output-error=exit -a -- "$f" 2>/dev/null | wc -c);',
    '[ "$n" -gt 0 ] || exit 0;',
    't=$(stat -c %s -- "$f" 2>/dev/null) || t=0; [ "$t" -gt "$s" ] || sleep 1;',
    'done',
  ].join(' ');
}
