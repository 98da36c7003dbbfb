import { type ServerAddress, serverArgs, type TmuxResult } from '../tmux/client.js';
import { missingDirsTests, missingFromOutput } from './files.js';
import { remoteCommand, remotePath } from './ssh/remote-words.js';

/**
 * Calls the caller will make first, answered by the connect's own round trip instead of one each:
 * a command's first observation (`tmux list-panes ...`) and its working-directory test. A no-op
 * apply on a host is then this one ssh call.
 */
export interface HelloPrefetch {
  /** A tmux argv (server flags left out): the first call with exactly these words gets this answer. */
  tmux?: readonly string[];
  /** Directories (as declared): the first missingDirs of exactly this list gets this answer. */
  dirs?: readonly string[];
}

/**
 * How long an answer fetched at connect may wait for its call. Past it the call asks again:
 * a command that connected long ago (a watch) looks at the host as it is, not as it was.
 */
export const HELLO_ANSWER_MAX_AGE_MS = 5000;

/** What the connect learned. */
export interface HelloAnswer {
  /** tmuxctl's state dir there, absolute (`~` expanded by the host). */
  stateDir: string;
  /** The socket of the tmux server there (`-L NAME` resolved with the host's uid and TMUX_TMPDIR). */
  socket: string;
  /** The answers of the tmux calls asked for, in order. */
  tmux: TmuxResult[];
  /** Of the directories asked for, those missing there. */
  dirs?: Set<string>;
}

/**
 * The connect's one script: the state dir with `~` expanded by the host itself and the socket tmux
 * there uses for `-L NAME` (its uid and TMUX_TMPDIR are the host's, not ours), so locks and logs
 * are named per server exactly as they are here; then each tmux call (as the launcher runs it,
 * under coreutils `timeout`) framed as: its stdout as is, a line `NONCE CODE`, its stderr, a line
 * `NONCE`; then the directory test's lines. NONCE is random per connect: no output can forge a frame.
 */
export function helloScript(
  stateDir: string,
  server: ServerAddress,
  calls: readonly (readonly string[])[],
  dirs: readonly string[] | undefined,
  nonce: string,
  tmuxTimeoutSec: number,
): string {
  const dir = remotePath(stateDir);
  const dirText = typeof dir === 'string' ? remoteCommand([dir]) : dir.shellText;
  const socket = server.socketPath
    ? remoteCommand([server.socketPath])
    : `"\${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/"${remoteCommand([server.socketName ?? 'default'])}`;
  return `printf '%s\\n' ${dirText} ${socket}\n${lookScript(server, calls, dirs, nonce, tmuxTimeoutSec)}`;
}

/**
 * Tmux calls and the directory test in one script, run in that order on the host: each call framed
 * as helloScript says, then the test's lines (what parseLook reads).
 */
export function lookScript(
  server: ServerAddress,
  calls: readonly (readonly string[])[],
  dirs: readonly string[] | undefined,
  nonce: string,
  tmuxTimeoutSec: number,
): string {
  const lines: string[] = [];
  // stdout straight out (fd 3), stderr captured, so the two stay apart without a temporary file.
  if (calls.length > 0) lines.push('exec 3>&1');
  for (const args of calls) {
    const tmux = remoteCommand(['timeout', '-s', 'KILL', String(tmuxTimeoutSec), 'tmux', ...serverArgs(server), ...args]);
    lines.push(`e=$(${tmux} 2>&1 >&3 3>&-); c=$?`, `printf '\\n%s %s\\n' ${nonce} "$c"`, `printf '%s\\n%s\\n' "$e" ${nonce}`);
  }
  return `${lines.join('\n')}\n${dirs && dirs.length > 0 ? missingDirsTests(dirs) : ''}exit 0\n`;
}

/** Reads what helloScript printed; undefined when it is not that (a login shell that is not POSIX). */
export function parseHello(out: string, calls: number, dirs: readonly string[] | undefined, nonce: string): HelloAnswer | undefined {
  const first = out.indexOf('\n');
  const second = out.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  const answer: HelloAnswer = { stateDir: out.slice(0, first), socket: out.slice(first + 1, second), tmux: [] };
  const look = parseLook(out.slice(second + 1), calls, dirs, nonce);
  return look && { ...answer, ...look };
}

/** Reads what lookScript printed; undefined when it is not that. */
export function parseLook(out: string, calls: number, dirs: readonly string[] | undefined, nonce: string): Pick<HelloAnswer, 'tmux' | 'dirs'> | undefined {
  const answer: Pick<HelloAnswer, 'tmux' | 'dirs'> = { tmux: [] };
  let rest = out;
  for (let i = 0; i < calls; i++) {
    const codeAt = rest.indexOf(`\n${nonce} `);
    const codeEnd = rest.indexOf('\n', codeAt + 1);
    const errEnd = rest.indexOf(`\n${nonce}\n`, codeEnd);
    if (codeAt < 0 || codeEnd < 0 || errEnd < 0) return undefined;
    const code = Number(rest.slice(codeAt + nonce.length + 2, codeEnd));
    if (!Number.isInteger(code)) return undefined;
    const stderr = rest.slice(codeEnd + 1, errEnd);
    answer.tmux.push({ stdout: rest.slice(0, codeAt), stderr: stderr === '' ? '' : `${stderr}\n`, code });
    rest = rest.slice(errEnd + nonce.length + 2);
  }
  if (dirs) answer.dirs = missingFromOutput(rest, dirs);
  return answer;
}
