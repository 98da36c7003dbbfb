import { UsageError } from '../../errors.js';
import { controlDir, controlPathOption } from './control-path.js';
import { type RemoteWord, remoteCommand } from './remote-words.js';
import type { SshTarget } from './target.js';

/**
 * Pure: the ssh command line of one call. Every call goes through here (commands, the master, the
 * tmux launcher), so every one gets the same options:
 * - BatchMode=yes: never a password or host-key prompt; ssh fails instead (no terminal to ask on).
 * - ConnectTimeout: a host that does not answer fails in N s instead of the kernel's ~2 minutes.
 * - ServerAliveInterval/CountMax: a connection that dies silently is noticed in ~15 s.
 * - ControlPath under the state dir: calls ride the host's one shared (master) connection when it
 *   is there; ControlMaster=no on calls, so a missing master means a direct connection, never a hang.
 * - -T: no terminal on the remote; `--` ends ssh's options before the remote command.
 * - The user's ssh config is honoured for where and how to connect (HostName, User, Port,
 *   IdentityFile, ProxyJump...), but not for what would change or break a call: RemoteCommand
 *   (ssh refuses a command line with it), LocalCommand, port, agent and X11 forwarding (a second
 *   connection would fail to bind the user's forwarded ports). LogLevel=ERROR keeps ssh's notices
 *   ("Warning: Permanently added ...") out of the remote command's stderr; its errors still show.
 */

export const SERVER_ALIVE_INTERVAL_SEC = 5;
export const SERVER_ALIVE_COUNT_MAX = 3;

/** Options that keep a user's ssh config from changing what a call does (see above). */
const NEUTRAL = ['RemoteCommand=none', 'PermitLocalCommand=no', 'ClearAllForwardings=yes', 'ForwardAgent=no', 'ForwardX11=no', 'LogLevel=ERROR'];

/** A file to run and its arguments, for spawn (and for TmuxClient as a launcher of remote tmux). */
export interface Command {
  file: string;
  args: string[];
}

/** Why a destination cannot be passed to ssh, or undefined when it can. For the spec's validation too. */
export function destinationProblem(dest: string): string | undefined {
  if (dest === '') return 'the ssh destination is empty';
  // ssh would read a destination starting with `-` as an option (`-oProxyCommand=...`).
  if (dest.startsWith('-')) return `the ssh destination "${dest}" starts with "-"; it would be read as an ssh option`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\s\x00-\x1f\x7f]/.test(dest)) return `the ssh destination ${JSON.stringify(dest)} contains a blank or a control character`;
  return undefined;
}

/** The options every ssh invocation for this target starts with (config file, batch mode, timeouts, control path). */
export function baseOptions(target: SshTarget, uid: number = currentUid()): string[] {
  const problem = destinationProblem(target.ssh);
  if (problem) throw new UsageError(`${target.name}: ${problem}`);
  return [
    ...(target.configFile ? ['-F', target.configFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${Math.max(1, Math.ceil(target.connectTimeoutSec))}`,
    '-o',
    `ServerAliveInterval=${SERVER_ALIVE_INTERVAL_SEC}`,
    '-o',
    `ServerAliveCountMax=${SERVER_ALIVE_COUNT_MAX}`,
    '-o',
    `ControlPath=${controlPathOption(controlDir(target.stateDir, uid))}`,
    ...NEUTRAL.flatMap((o) => ['-o', o]),
  ];
}

/**
 * `ssh <options> -o ControlMaster=no -T DEST -- REMOTE`: runs `remoteArgv` on the target, through
 * its master connection when there is one. REMOTE is one string quoted for the remote POSIX shell
 * (remote-words.ts). Pure; the caller spawns it (ssh-run.ts, or TmuxClient for `tmux ...`).
 */
export function sshCommand(target: SshTarget, remoteArgv: readonly RemoteWord[], uid: number = currentUid()): Command {
  return { file: 'ssh', args: [...baseOptions(target, uid), '-o', 'ControlMaster=no', '-T', target.ssh, '--', remoteCommand(remoteArgv)] };
}

/**
 * The master: `ssh <options> -o ControlMaster=yes -o ControlPersist=N -N DEST`. No `-f`: with
 * ControlPersist ssh forks to the background by itself once its control socket is bound; a master
 * that could not bind it (a socket of that name already there) stays in the foreground as our
 * child, where the start's timeout ends it, instead of forking into a plain connection that would
 * never exit.
 */
export function masterCommand(target: SshTarget, persistSec: number, uid: number = currentUid()): Command {
  return {
    file: 'ssh',
    args: [...baseOptions(target, uid), '-o', 'ControlMaster=yes', '-o', `ControlPersist=${Math.max(1, Math.round(persistSec))}`, '-N', target.ssh],
  };
}

/** `ssh -O check|exit`: asks the master (through its socket) whether it runs, or to exit. */
export function controlCommand(target: SshTarget, op: 'check' | 'exit', uid: number = currentUid()): Command {
  return { file: 'ssh', args: [...baseOptions(target, uid), '-O', op, target.ssh] };
}

function currentUid(): number {
  return process.getuid?.() ?? 0;
}
