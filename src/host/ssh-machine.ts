import { HostUnreachableError } from '../errors.js';
import { lockPath, serverTag, sessionLogDir } from '../state/paths.js';
import { randomBytes } from 'node:crypto';
import { type ServerAddress, serverArgs, TmuxClient, type TmuxLauncher, type TmuxResult } from '../tmux/client.js';
import { missingDirsTests, missingFromOutput, remoteFiles } from './files.js';
import type { Machine } from './machine.js';
import { remoteProcs, type RemoteShell } from './remote-procs.js';
import { remotePath, remoteCommand } from './ssh/remote-words.js';
import { sshCommand } from './ssh/ssh-args.js';
import { SshConnection } from './ssh/ssh-connection.js';
import { streamOverSsh } from './ssh/ssh-stream.js';
import { lastLine, splitMuxNotice, sshFailure } from './ssh/ssh-run.js';
import type { SshTarget } from './ssh/target.js';

/** A host as the specs declare it. */
export interface RemoteHostSpec {
  name: string;
  /** The ssh destination, as written. */
  ssh: string;
  /** tmuxctl's state dir on the host, as written (`~` is the remote home). */
  stateDir: string;
}

/** A host reached: its machine, and where its state lives there. */
export interface ConnectedHost {
  machine: Machine;
  conn: SshConnection;
  /** Absolute paths on the host. */
  stateDir: string;
  lockFile: string;
  logDir: string;
  /**
   * Drops what the connect fetched ahead (HelloPrefetch). Call it before taking the host's lock:
   * whatever is planned under the lock must come from a look taken under it.
   */
  forgetHello(): void;
}

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

/**
 * What one round trip learns at connect: the state dir with `~` expanded by the host itself, and
 * the socket tmux there uses for `-L NAME` (its uid and TMUX_TMPDIR are the host's, not ours), so
 * locks and logs are named per server exactly as they are here. Then, when asked, the prefetched
 * calls: tmux's stdout as is, a line `NONCE CODE`, its stderr, a line `NONCE`, then the
 * directory test's lines. NONCE is random per call: no output can forge the frame.
 */
function helloScript(stateDir: string, server: ServerAddress, prefetch: HelloPrefetch, nonce: string, tmuxTimeoutSec: number): string {
  const dir = remotePath(stateDir);
  const dirText = typeof dir === 'string' ? remoteCommand([dir]) : dir.shellText;
  const socket = server.socketPath
    ? remoteCommand([server.socketPath])
    : `"\${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/"${remoteCommand([server.socketName ?? 'default'])}`;
  const lines = [`printf '%s\\n' ${dirText} ${socket}`];
  if (prefetch.tmux) {
    const tmux = remoteCommand(['timeout', '-s', 'KILL', String(tmuxTimeoutSec), 'tmux', ...serverArgs(server), ...prefetch.tmux]);
    // stdout straight out (fd 3), stderr captured, so the two stay apart without a temporary file.
    lines.push('exec 3>&1', `e=$(${tmux} 2>&1 >&3 3>&-); c=$?`, `printf '\\n%s %s\\n' ${nonce} "$c"`, `printf '%s\\n%s\\n' "$e" ${nonce}`);
  }
  return `${lines.join('\n')}\n${prefetch.dirs && prefetch.dirs.length > 0 ? missingDirsTests(prefetch.dirs) : ''}exit 0\n`;
}

interface HelloAnswer {
  stateDir: string;
  socket: string;
  tmux?: TmuxResult;
  dirs?: Set<string>;
}

function parseHello(out: string, prefetch: HelloPrefetch, nonce: string): HelloAnswer | undefined {
  const first = out.indexOf('\n');
  const second = out.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  const answer: HelloAnswer = { stateDir: out.slice(0, first), socket: out.slice(first + 1, second) };
  let rest = out.slice(second + 1);
  if (prefetch.tmux) {
    const codeAt = rest.indexOf(`\n${nonce} `);
    const codeEnd = rest.indexOf('\n', codeAt + 1);
    const errEnd = rest.indexOf(`\n${nonce}\n`, codeEnd);
    if (codeAt < 0 || codeEnd < 0 || errEnd < 0) return undefined;
    const code = Number(rest.slice(codeAt + nonce.length + 2, codeEnd));
    if (!Number.isInteger(code)) return undefined;
    const stderr = rest.slice(codeEnd + 1, errEnd);
    answer.tmux = { stdout: rest.slice(0, codeAt), stderr: stderr === '' ? '' : `${stderr}\n`, code };
    rest = rest.slice(errEnd + nonce.length + 2);
  }
  if (prefetch.dirs) answer.dirs = missingFromOutput(rest, prefetch.dirs);
  return answer;
}

/**
 * Connects to a host (its shared ssh connection, then one call) and returns its machine: tmux
 * there through `ssh ... tmux`, its process table and logs through shell scripts on ssh's stdin.
 * Rejects with HostUnreachableError when the host cannot be reached.
 */
export async function connectHost(
  host: RemoteHostSpec,
  target: SshTarget,
  server: ServerAddress,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  prefetch: HelloPrefetch = {},
): Promise<ConnectedHost> {
  const conn = new SshConnection(target);
  const shell: RemoteShell = {
    async run(script) {
      const r = await conn.run(['sh', '-s'], { input: script, timeoutMs });
      if (r.code !== 0) throw new HostUnreachableError(host.name, `a shell script failed there: ${lastLine(r.stderr) ?? `exit status ${r.code}`}`);
      return r.stdout;
    },
  };
  const nonce = `tmuxctl-${randomBytes(8).toString('hex')}`;
  const tmuxTimeoutSec = Math.ceil(timeoutMs / 1000) + 2;
  const hello = parseHello(await shell.run(helloScript(host.stateDir, server, prefetch, nonce, tmuxTimeoutSec)), prefetch, nonce);
  if (!hello?.stateDir.startsWith('/') || !hello.socket)
    throw new HostUnreachableError(host.name, 'could not learn its home or tmux socket (is its login shell a POSIX shell?)');
  const { stateDir, socket } = hello;
  // The prefetched answers, each given once, to the first identical call, while young (see forgetHello).
  const fetchedAt = Date.now();
  let answers: { tmux?: { key: string; result: TmuxResult }; dirs?: { key: string; missing: Set<string> } } | undefined = {
    ...(prefetch.tmux && hello.tmux && { tmux: { key: JSON.stringify(prefetch.tmux), result: hello.tmux } }),
    ...(prefetch.dirs && hello.dirs && { dirs: { key: JSON.stringify(prefetch.dirs), missing: hello.dirs } }),
  };
  const young = () => Date.now() - fetchedAt <= HELLO_ANSWER_MAX_AGE_MS;
  const launcher: TmuxLauncher = {
    // coreutils `timeout` ends the client there a little after we stop waiting for it: ssh going away
    // does not (no terminal, no hang-up), and a `wait-for` given up on each resync would pile up.
    command: (argv, timeoutMs) => sshCommand(target, ['timeout', '-s', 'KILL', String(Math.ceil(timeoutMs / 1000) + 2), 'tmux', ...argv]),
    settle: (r) => {
      const failed = sshFailure(target, r.code, r.stderr);
      if (failed) return failed;
      // ssh's notices about the shared connection are not tmux's words. A master killed and gone:
      // the call went direct; the next call starts a master again (ssh-connection.ts).
      const { stderr, masterLost } = splitMuxNotice(r.stderr);
      if (masterLost) conn.lostMaster();
      return { ...r, stderr };
    },
    // sshd takes so many sessions per connection: the host's clients share the connection's slots.
    session: (call) => conn.session(call),
    answered: (args) => {
      const a = answers?.tmux;
      if (!a || a.key !== JSON.stringify(args)) return undefined;
      answers = { ...answers, tmux: undefined };
      return young() ? a.result : undefined;
    },
    where: `${host.name}: `,
  };
  const tmux = new TmuxClient(server, env, 'tmux', launcher);
  const tag = serverTag(socket);
  // A followed log's script travels in sh -c's argv (paths only): its stdin tells it when we are gone.
  const files = remoteFiles(shell, (script, onText, signal) => streamOverSsh(conn, ['sh', '-c', script], onText, signal, timeoutMs));
  const missingDirs = files.missingDirs.bind(files);
  files.missingDirs = (paths) => {
    const a = answers?.dirs;
    if (!a || a.key !== JSON.stringify(paths)) return missingDirs(paths);
    answers = { ...answers, dirs: undefined };
    return young() ? Promise.resolve(new Set(a.missing)) : missingDirs(paths);
  };
  return {
    machine: { host: host.name, tmux, procs: remoteProcs(shell), files },
    conn,
    stateDir,
    lockFile: lockPath(stateDir, tag),
    logDir: sessionLogDir(stateDir, tag),
    forgetHello: () => {
      answers = undefined;
    },
  };
}
