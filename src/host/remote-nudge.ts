import type { RemoteStream } from './files.js';

/**
 * The SIGCHLD nudge of supervise/pane-liveness.ts, run on the host itself: one long-lived ssh per
 * watched host whose script signals the host's tmux server every `everyMs`, so a pane exit that
 * tmux 3.3a lost to libutempter's helper (observe/lost-exits.ts) is reaped within a tick instead of
 * at the next resync, at the cost of no round trip per nudge.
 *
 * The script, all shell builtins but the `sleep` of each tick:
 * - learns the server's start time once and compares it before every signal (read from
 *   /proc/PID/stat, field 22), so a pid recycled after the server ended is never signalled: the
 *   loop ends instead;
 * - runs the loop in the background and reads its stdin, ssh's, in the foreground: when we close
 *   it (stop), or our ssh, its connection or this process dies, the read ends and the shell ends
 *   the loop; the loop also checks every tick that the shell is still there (a shell killed outright
 *   by sshd), so nothing is ever left signalling on the host. (`sh -c`, no terminal: a hang-up
 *   would not reach it.)
 * - where the host has bash, it runs the loop instead: `read -t` on ssh's stdin is its tick, so
 *   a tick starts no process (a `sleep` per tick is 50 processes a second, a few % of a core on
 *   every watched host) and the end of the input ends it the same way;
 * - `sleep` of a fraction of a second is GNU, busybox and BSD; a host whose `sleep` refuses it
 *   nudges once a second rather than spinning.
 * - with bash, about once a second it also reads the server's children (one /proc file, a builtin
 *   read) and prints `children PID...` when they changed: the /proc backstop of
 *   supervise/pane-liveness.ts, run there. A pane-died wake-up can be missed on a host: when our
 *   `wait-for` is not armed at that moment and some other client waits on the channel (a stopped
 *   watch's, until its `timeout`; another machine's watch of the same server), that client takes
 *   the signal and tmux keeps nothing for us. (A kernel without the children file prints nothing.)
 * Only integers reach it: the pid and the tick.
 */
export function nudgeLoopScript(serverPid: number, everyMs: number): string {
  if (!Number.isInteger(serverPid) || serverPid <= 1) throw new Error(`not a server pid: ${serverPid}`);
  const tick = (Math.max(1, Math.round(everyMs)) / 1000).toFixed(3);
  const reportEvery = Math.max(1, Math.round(CHILDREN_EVERY_MS / Math.max(1, everyMs)));
  return [
    'set -f',
    `p=${serverPid}; me=$$`,
    // The server as observed; gone already: nothing to nudge (the next pass sees that).
    '{ read -r s </proc/$p/stat; } 2>/dev/null || s=',
    's=${s##*) }; set -- $s; born=${20}',
    '[ -n "$born" ] || exit 0',
    // bash: $1 the server, $2 its start time; read's status 1 is the end of the input, above 128 its timeout.
    `command -v bash >/dev/null 2>&1 && exec bash -c 'set -f; n=${reportEvery}; last=-; while :; do read -r -t ` +
      tick +
      ' _; [ $? -eq 1 ] && exit 0; { read -r s </proc/$1/stat; } 2>/dev/null || exit 0; s=${s##*) }; set -- $1 $2 $s; [ "${22}" = "$2" ] || exit 0; kill -CHLD $1 2>/dev/null || exit 0; ' +
      `n=$((n+1)); [ $n -lt ${reportEvery} ] && continue; n=0; ` +
      'k=; { read -r k </proc/$1/task/$1/children; } 2>/dev/null; [ -e /proc/$1/task/$1/children ] || continue; [ "$k" = "$last" ] && continue; last=$k; echo "children $k"; ' +
      `done' tmuxctl-nudge "$p" "$born"`,
    '{',
    '  while kill -0 $me 2>/dev/null; do',
    '    { read -r s </proc/$p/stat; } 2>/dev/null || break',
    '    s=${s##*) }; set -- $s; [ "${20}" = "$born" ] || break',
    '    kill -CHLD $p 2>/dev/null || break',
    `    sleep ${tick} 2>/dev/null || sleep 1`,
    '  done',
    '} </dev/null >/dev/null 2>&1 &',
    'while read -r _; do :; done',
    // Our child, not reaped yet: its pid cannot have been reused. Ended and reaped here, not left a zombie.
    'kill $! 2>/dev/null; wait',
    'exit 0',
    '',
  ].join('\n');
}

/** How often the loop looks at the server's children (the local backstop's once a second). */
const CHILDREN_EVERY_MS = 1000;

/** The server's children from one line the loop printed; undefined for any other line. Pure. */
export function parseChildrenLine(line: string): Set<number> | undefined {
  const m = /^children((?: \d+)*) *$/.exec(line);
  return m ? new Set(m[1]!.split(' ').filter(Boolean).map(Number)) : undefined;
}

/**
 * Nudges the host's tmux server `serverPid` every `everyMs` until `signal` aborts; resolves with why it ended by
 * itself (the host or the link lost), undefined once aborted. Never rejects. `onChildren` hears the
 * server's children each time they change there (with bash on the host).
 */
export function keepNudgingOver(stream: RemoteStream) {
  return (serverPid: number, everyMs: number, signal: AbortSignal, onChildren?: (pids: Set<number>) => void): Promise<string | undefined> => {
    let pending = '';
    return stream(
      nudgeLoopScript(serverPid, everyMs),
      (text) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const kids = parseChildrenLine(line);
          if (kids) onChildren?.(kids);
        }
      },
      signal,
    );
  };
}
