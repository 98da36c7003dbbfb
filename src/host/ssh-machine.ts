import { HostUnreachableError } from '../errors.js';
import { lockPath, serverTag, sessionLogDir } from '../state/paths.js';
import { type ServerAddress, TmuxClient, type TmuxLauncher } from '../tmux/client.js';
import { type RemoteStream, remoteFiles } from './files.js';
import type { Machine } from './machine.js';
import { remoteChecks } from './remote-checks.js';
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
}

/**
 * What one round trip learns at connect: the state dir with `~` expanded by the host itself, and
 * the socket tmux there uses for `-L NAME` (its uid and TMUX_TMPDIR are the host's, not ours), so
 * locks and logs are named per server exactly as they are here.
 */
function helloScript(stateDir: string, server: ServerAddress): string {
  const dir = remotePath(stateDir);
  const dirText = typeof dir === 'string' ? remoteCommand([dir]) : dir.shellText;
  const socket = server.socketPath
    ? remoteCommand([server.socketPath])
    : `"\${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/"${remoteCommand([server.socketName ?? 'default'])}`;
  return `printf '%s\\n' ${dirText} ${socket}\n`;
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
): Promise<ConnectedHost> {
  const conn = new SshConnection(target);
  const runFor = async (script: string, ms: number) => {
    const r = await conn.run(['sh', '-s'], { input: script, timeoutMs: ms });
    if (r.code !== 0) throw new HostUnreachableError(host.name, `a shell script failed there: ${lastLine(r.stderr) ?? `exit status ${r.code}`}`);
    return r.stdout;
  };
  const shell: RemoteShell = { run: (script) => runFor(script, timeoutMs) };
  const [stateDir, socket] = (await shell.run(helloScript(host.stateDir, server))).split('\n');
  if (!stateDir?.startsWith('/') || !socket)
    throw new HostUnreachableError(host.name, 'could not learn its home or tmux socket (is its login shell a POSIX shell?)');
  const launcher: TmuxLauncher = {
    // coreutils `timeout` ends the client there a little after we stop waiting for it: ssh going away
    // does not (no terminal, no hang-up), and a `wait-for` given up on each resync would pile up.
    command: (argv, timeoutMs) => sshCommand(target, ['timeout', '-s', 'KILL', String(Math.ceil(timeoutMs / 1000) + 2), 'tmux', ...argv]),
    settle: (r) => {
      const failed = sshFailure(target, r.code, r.stderr);
      if (failed) return failed;
      // ssh's notices about the shared connection are not tmux's words (a master killed and gone is
      // started again by the host's next script call, which sees the same notice: ssh-connection.ts).
      return { ...r, stderr: splitMuxNotice(r.stderr).stderr };
    },
    // sshd takes so many sessions per connection: the host's clients share the connection's slots.
    session: (call) => conn.session(call),
    where: `${host.name}: `,
  };
  const tmux = new TmuxClient(server, env, 'tmux', launcher);
  // A long-lived script holds one of the connection's session slots for its life, as a tmux client does.
  const stream: RemoteStream = (script, onText, signal) => conn.session(() => streamOverSsh(conn, ['sh', '-c', script], onText, signal, timeoutMs));
  const tag = serverTag(socket);
  return {
    machine: {
      host: host.name,
      tmux,
      // Long-lived scripts (a followed log, the SIGCHLD nudge) travel in sh -c's argv (paths and
      // integers only): their stdin tells them when we are gone.
      procs: remoteProcs(shell, stream),
      files: remoteFiles(shell, stream),
      // A health check may take longer than one look: its own timeout bounds its call.
      checks: remoteChecks(runFor, timeoutMs),
    },
    conn,
    stateDir,
    lockFile: lockPath(stateDir, tag),
    logDir: sessionLogDir(stateDir, tag),
  };
}
