import { HostUnreachableError } from '../../errors.js';
import { runBoundedChild } from '../../process/bounded-child.js';
import type { RemoteWord } from './remote-words.js';
import { type Command, sshCommand } from './ssh-args.js';
import type { SshTarget } from './target.js';

export { sshCommand } from './ssh-args.js';

export interface SshRunOptions {
  /** Fed to the remote command on ssh's stdin: secrets travel here, never in an argv on either side. */
  input?: string;
  /** The whole call, connection included; past it the client is killed and the host reported unreachable. */
  timeoutMs: number;
  /** Ends the call early: the client is sent SIGTERM and the call resolves with `aborted`. */
  signal?: AbortSignal;
}

export interface SshRunResult {
  stdout: string;
  stderr: string;
  /** The remote command's exit code (never 255: that is ssh's own failure, thrown instead). */
  code: number;
  aborted?: boolean;
  /** The control socket was there but no master answered on it (killed): the call went direct. */
  masterLost?: boolean;
}

/** ssh's own exit code: the connection or the authentication failed (the remote command never ran, or the link dropped). */
export const SSH_FAILED = 255;

/**
 * Runs `remoteArgv` on the target: resolves with its output and exit code whatever the code, and
 * rejects with HostUnreachableError when ssh itself failed (exit 255: one line, the host's name and
 * ssh's own last stderr line) or nothing came back within `timeoutMs` (the client is killed).
 * A remote command's own exit code 255 cannot be told from ssh's and is read as unreachable.
 */
export function runOverSsh(target: SshTarget, remoteArgv: readonly RemoteWord[], opts: SshRunOptions): Promise<SshRunResult> {
  return runSshCommand(target, sshCommand(target, remoteArgv), opts);
}

/** runOverSsh for an ssh command line made elsewhere (ssh-args.ts). */
export async function runSshCommand(target: SshTarget, cmd: Command, opts: SshRunOptions): Promise<SshRunResult> {
  const end = await runBoundedChild(cmd.file, cmd.args, {
    timeoutMs: opts.timeoutMs,
    ...(opts.input !== undefined && { input: opts.input }),
    ...(opts.signal && { signal: opts.signal }),
  });
  switch (end.kind) {
    case 'failed':
      throw new HostUnreachableError(
        target.name,
        end.error.code === 'ENOENT' ? 'ssh not found on PATH: install the OpenSSH client' : `cannot run ssh: ${end.error.message}`,
      );
    case 'timed-out':
      throw new HostUnreachableError(target.name, `no answer over ssh within ${formatSeconds(opts.timeoutMs)} s`);
    case 'exited': {
      const { stderr, masterLost } = splitMuxNotice(end.stderr);
      const r: SshRunResult = { stdout: end.stdout, stderr, code: end.code, ...(masterLost && { masterLost }) };
      if (end.aborted) return { ...r, aborted: true };
      const failure = sshFailure(target, end.code, stderr);
      if (failure) throw failure;
      return r;
    }
  }
}

/**
 * ssh's own failure as the error to throw, or undefined when the exit code is the remote
 * command's. For any spawner of sshCommand (TmuxClient launching `ssh ... tmux ...` too).
 */
export function sshFailure(target: Pick<SshTarget, 'name'>, code: number, stderr: string): HostUnreachableError | undefined {
  if (code !== SSH_FAILED) return undefined;
  return new HostUnreachableError(target.name, lastLine(stderr) ?? `ssh exited with ${SSH_FAILED}`);
}

/**
 * ssh's own notices about the shared connection, printed before the remote command's stderr when
 * it fell back to a direct connection: a control socket left by a master that was killed
 * (`Control socket connect(PATH): Connection refused`: then `masterLost`, so the caller starts a
 * new master), or a master whose host refused one more session (`mux_client_request_session:
 * session request failed: ...`, past sshd's MaxSessions). They are ssh's, not the remote
 * command's: taken out of stderr.
 */
export function splitMuxNotice(stderr: string): { stderr: string; masterLost: boolean } {
  let rest = stderr;
  let masterLost = false;
  for (;;) {
    const m = /^(Control socket connect\(|mux_client_)[^\n]*\n/.exec(rest);
    if (!m) return { stderr: rest, masterLost };
    if (m[1] === 'Control socket connect(') masterLost = true;
    rest = rest.slice(m[0].length);
  }
}

/** ssh's own last words: the last non-blank stderr line (ssh ends its lines with \r\n at times). */
export function lastLine(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1);
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
