import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { LOG_CAP_BYTES } from '../session-log/files.js';
import { shQuote } from './quote.js';

/**
 * The shell script `pipe-pane` runs to keep a session's output: it enforces the cap while writing.
 * A pass-time check let 200 MB of output grow a 10 MiB-capped log to 204 MB, and rotating it then
 * copied 200 MB. No node process per session: GNU `split` cuts the output into chunks of the cap
 * and hands each to a filter that appends it to NAME.log, renaming the full one to NAME.log.1 first.
 * Three small processes per session (`split`, the filter's `sh`, its `cat`), three spawns at start;
 * an earlier `head | tee | wc` loop cost five and seven, which more than doubled a cold apply.
 *
 * - split writes what it reads as it reads it (no stdio buffer), so a quiet session's line reaches
 *   the file (and the output health check, which reads its mtime) at once.
 * - Each run starts counting afresh: a log that already held output from earlier runs may reach up
 *   to twice the cap before this run's first cut (the pass-time rotation in reconcile still applies).
 * - End of output closes the filter's input: `cat` ends, the filter ends, split ends; nothing spins.
 * - A failed write (a full disk) ends `cat`; the filter waits a second and starts another on the
 *   rest of the chunk, so writing resumes with the first output after room returns (what arrived
 *   meanwhile is lost). A removed folder is made again.
 * - umask 077: the folder and the files it creates are the user's alone (0700, 0600).
 * - The filter runs under /bin/sh whatever the user's SHELL is (split runs it with $SHELL).
 * - Without GNU split (BusyBox has no --filter), a plain `cat >>`: every byte kept, capped only by
 *   the pass-time rotation.
 */
export function logWriterScript(logFile: string, capBytes = LOG_CAP_BYTES, gnuSplit = hasGnuSplit(), firstLine?: string): string {
  const cap = Math.max(1, Math.floor(capBytes));
  // firstLine: a start's marker (host/files.ts startMarkersByWriter), in the log before any output
  // of the run, since the writer reads none before it. A failed write does not stop the writer.
  const marker = firstLine === undefined ? '' : ` printf '%s\\n' ${shQuote(firstLine)} >> "$f";`;
  const setup = `umask 077; d=${shQuote(dirname(logFile))}; f=${shQuote(logFile)}; [ -d "$d" ] || mkdir -p -- "$d";${marker}`;
  if (!gnuSplit) return `${setup} exec cat >> "$f"`;
  const filter = [
    'case $FILE in *000000000) ;; *) mv -f -- "$f" "$f.1" 2>/dev/null;; esac;',
    'while :; do [ -d "$d" ] || mkdir -p -- "$d" 2>/dev/null; cat >> "$f" && exit 0; sleep 1; done',
  ].join(' ');
  // One line: tmux reads the pipe-pane command as one argument of a command line.
  return `${setup} export d f; SHELL=/bin/sh exec split -b ${cap} -a 9 -d --filter=${shQuote(filter)} - "$f."`;
}

let gnu: boolean | undefined;

/** Whether `split` is GNU's (it has --filter); asked once per process, and only by a command that starts panes. */
export function hasGnuSplit(): boolean {
  gnu ??= /GNU coreutils/.test(spawnSync('split', ['--version'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).stdout ?? '');
  return gnu;
}
