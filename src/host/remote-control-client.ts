/**
 * How a host's control client (TmuxLauncher.control) runs there: `tmux -C` reads its commands from
 * a FIFO that `cat` fills from ssh's stdin, so that the end of that input (ssh gone: watch stopped
 * or killed, or a request given up on) is seen by this script, not only by tmux.
 *
 * Why: tmux ends a control client whose input closed only once it has written what it owes, and
 * with ssh's channel gone that output never drains. A request given up on while the host was still
 * writing its answer left the client attached there for good (hosts-control.test.ts). So once the
 * input ends the script waits 2 s (tmux mostly ends the client by itself meanwhile; and a client
 * still saying hello must not be signalled: tmux before 3.7 crashes, tmux/control/attach-gate.ts),
 * then sends SIGTERM: an attached client told to leave says so to the server, which frees it.
 *
 * The client ending by itself (%exit, the server gone, an attach refused) ends the script, which
 * removes the folder the other half checks before its grace and its SIGTERM: it then neither waits
 * nor signals a pid that is no longer the client's.
 * The other half's output goes nowhere, so ssh's channel closes with the client and watch sees it.
 */
const SCRIPT = [
  'exec 3<&0',
  'd=$(mktemp -d "${TMPDIR:-/tmp}/tmuxctl-control.XXXXXXXXXX") || exit 1',
  // The folder goes with the script however it ends (mkfifo failing, the script killed).
  'trap \'rm -rf "$d"\' EXIT',
  "trap 'exit 143' HUP TERM",
  'mkfifo -m 600 "$d/in" || exit 1',
  '"$@" <"$d/in" & p=$!',
  '{ cat <&3 >"$d/in"; [ -d "$d" ] && sleep 2; [ -d "$d" ] && kill -s TERM "$p"; } >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait "$p"; c=$?',
  'rm -rf "$d"',
  'exit "$c"',
].join('\n');

/** The remote words of a host's control client for this `tmux -C` argv (ssh-machine.ts). */
export function controlClientWords(tmuxArgv: readonly string[]): string[] {
  return ['sh', '-c', SCRIPT, 'sh', 'tmux', ...tmuxArgv];
}
