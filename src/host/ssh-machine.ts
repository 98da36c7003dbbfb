import { HostUnreachableError } from '../errors.js';
import { lockPath, serverTag, sessionLogDir } from '../state/paths.js';
import { randomBytes } from 'node:crypto';
import { type ServerAddress, TmuxClient, type TmuxLauncher, type TmuxResult } from '../tmux/client.js';
import { type RemoteStream, remoteFiles } from './files.js';
import { type HelloPrefetch, helloScript, lookScript, parseHello, parseLook } from './host-hello.js';
import type { Machine } from './machine.js';
import { remoteChecks } from './remote-checks.js';
import { controlClientWords } from './remote-control-client.js';
import { remoteProcs, type RemoteShell } from './remote-procs.js';
import { sshCommand } from './ssh/ssh-args.js';
import { remoteCommand } from './ssh/remote-words.js';
import { SshConnection } from './ssh/ssh-connection.js';
import { keptShellOver } from './ssh/ssh-shell.js';
import { LookAnswers } from './look-answers.js';
import type { ShellAnswer, ShellRequest } from './remote-shell.js';
import { type LookOnWake, waitThere } from './remote-wait.js';
import { streamOverSsh } from './ssh/ssh-stream.js';
import { lastLine, splitMuxNotice, sshFailure } from './ssh/ssh-run.js';
import type { SshTarget } from './ssh/target.js';

export type { HelloPrefetch } from './host-hello.js';

/** `tmux -V`: asked in the connect's script, answered from there (checkVersion's one call). */
const VERSION_ARGS: readonly string[] = ['-V'];

/**
 * `timeout -s KILL N tmux ARGV`: coreutils `timeout` ends the client there a little after we stop
 * waiting for it: ssh going away does not (no terminal, no hang-up), and a `wait-for` given up on
 * each resync would pile up.
 */
function remoteTmux(argv: readonly string[], timeoutMs: number): string[] {
  return ['timeout', '-s', 'KILL', String(Math.ceil(timeoutMs / 1000) + 2), 'tmux', ...argv];
}

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
  /**
   * The host's lock was taken or let go (watch's kept lock): a look the host took at a wake-up
   * before that may have missed what someone else did under it, and is dropped.
   */
  lockChanged(): void;
}

/** How long a posted log write may take there (a hung NFS home): its marker is lost past it, not the request after it. */
const POST_LIMIT_MS = 3000;

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
  // Every short call of this host goes through one kept shell there (remote-shell.ts): a pass's
  // looks and batches cost a round trip each, not a new ssh session each.
  const kept = keptShellOver(conn);
  // watch's `wait-for` rides a kept shell of its own: a wake-up, then the next wait, spawn nothing
  // here (an ssh client each, ~10 ms of CPU taken from the repair that the wake-up starts).
  const waits = keptShellOver(conn);
  const scriptFailed = (code: number, stderr: string) =>
    new HostUnreachableError(host.name, `a shell script failed there: ${lastLine(stderr) ?? `exit status ${code}`}`);
  // Looks taken ahead of their calls (the connect's, a pass's, a wake-up's) and when they may stand.
  const answers = new LookAnswers();
  /** A request to the host's tmux or shell (not a wait), told to the looks' bookkeeping. */
  const counted = async <T>(send: () => Promise<T>): Promise<T> => {
    const done = answers.requestSent();
    try {
      return await send();
    } finally {
      done();
    }
  };
  const keptRun = (req: ShellRequest): Promise<ShellAnswer> => counted(() => kept.run(req));
  const runFor = async (script: string, ms: number) => {
    const r = await keptRun({ command: 'sh -s', input: script, timeoutMs: ms });
    if (r.kind === 'timed-out') throw new HostUnreachableError(host.name, `no answer over ssh within ${Math.round(ms / 100) / 10} s`);
    if (r.code !== 0) throw scriptFailed(r.code, r.stderr);
    return r.stdout;
  };
  // A health check's command may run for its whole timeout: on a session of its own, so that the
  // kept shell (one request at a time) is not held by it.
  const runApart = async (script: string, ms: number) => {
    const r = await conn.run(['sh', '-s'], { input: script, timeoutMs: ms });
    if (r.code !== 0) throw scriptFailed(r.code, r.stderr);
    return r.stdout;
  };
  const shell: RemoteShell = {
    run: (script) => runFor(script, timeoutMs),
    post: (script) => counted(() => kept.post(script, POST_LIMIT_MS)),
  };
  const nonce = `tmuxctl-${randomBytes(8).toString('hex')}`;
  const tmuxTimeoutSec = Math.ceil(timeoutMs / 1000) + 2;
  // `tmux -V` too: the version is checked before the first batch (TmuxClient.checkVersion), and a
  // binary's version is no view of the host that could go stale, so it is kept past the lock.
  const calls = [VERSION_ARGS, ...(prefetch.tmux ? [prefetch.tmux] : [])];
  const script = helloScript(host.stateDir, server, calls, prefetch.dirs, nonce, tmuxTimeoutSec);
  const hello = parseHello(await shell.run(script), calls.length, prefetch.dirs, nonce);
  if (!hello?.stateDir.startsWith('/') || !hello.socket)
    throw new HostUnreachableError(host.name, 'could not learn its home or tmux socket (is its login shell a POSIX shell?)');
  const { stateDir, socket } = hello;
  let version: TmuxResult | undefined = hello.tmux[0];
  // The prefetched look, each answer given once, to the first identical call, while young; dropped
  // at the lock (forgetHello).
  if (prefetch.tmux && hello.tmux[1]) answers.store('hello', { tmuxArgs: prefetch.tmux, result: hello.tmux[1], dirs: prefetch.dirs, missing: hello.dirs });
  /** The look of the last pass: what a wake-up's look takes, so that the next pass can use it. */
  let lastLook: { tmuxArgs: readonly string[]; dirs: readonly string[] | undefined } | undefined;
  const lookOnWake = (): LookOnWake | undefined => {
    if (!lastLook) return undefined;
    const { tmuxArgs, dirs } = lastLook;
    const since = answers.waitStarted();
    return {
      script: lookScript(server, [tmuxArgs], dirs, nonce, tmuxTimeoutSec),
      onLook: (out) => {
        const look = parseLook(out, 1, dirs, nonce);
        if (look?.tmux[0]) answers.offerWake(since, { tmuxArgs, result: look.tmux[0], dirs, missing: look.dirs ?? new Set() });
      },
    };
  };
  const launcher: TmuxLauncher = {
    // Clients started on their own (a control client): a session each, their own ssh.
    command: (argv, timeoutMs) => sshCommand(target, remoteTmux(argv, timeoutMs)),
    // Short calls and batches: through the kept shell; the batch's lines as its input (stdin there).
    async run(argv, timeoutMs, input) {
      const r = await keptRun({ command: remoteCommand(remoteTmux(argv, timeoutMs)), timeoutMs, ...(input !== undefined && { input }) });
      return r.kind === 'timed-out' ? 'timed-out' : { stdout: r.stdout, stderr: r.stderr, code: r.code };
    },
    wait: (argv, timeoutMs, signal) => waitThere(waits, argv, timeoutMs, signal, lookOnWake()),
    abandon: () => {
      kept.close();
      waits.close();
    },
    settle: (r) => {
      const failed = sshFailure(target, r.code, r.stderr);
      if (failed) return failed;
      // ssh's notices about the shared connection are not tmux's words. A master killed and gone:
      // the call went direct; the next call starts a master again (ssh-connection.ts).
      const { stderr, masterLost } = splitMuxNotice(r.stderr);
      if (masterLost) conn.lostMaster();
      return { ...r, stderr };
    },
    // watch's control client there: `ssh … -- tmux -C attach-session …`, one session of the
    // connection for its life (beside the kept shells, outside the slots below). Its requests count
    // as the kept shell's do: a wake-up's look taken while one ran may not show its effect. While a
    // log write posted on the kept shell may not have run yet (an exit or stop marker, a log's
    // move), calls go through the kept shell, behind it: on the control client, another channel, a
    // batch could start a pane before the marker of its last run, or write to a log about to be
    // moved over. (A start's own marker is its log writer's: files.ts startMarkersByWriter.)
    control: {
      // Started on the shared connection, never a direct one of its own for its whole life.
      connect: () => conn.connect(timeoutMs),
      command: (argv) => sshCommand(target, controlClientWords(argv)),
      ready: () => !kept.postsPending,
      request: counted,
    },
    // sshd takes so many sessions per connection: the host's clients share the connection's slots.
    session: (call) => conn.session(call),
    answered: (args) => {
      if (version && args.length === 1 && args[0] === VERSION_ARGS[0]) {
        const v = version;
        version = undefined;
        return v;
      }
      return answers.takeTmux(args);
    },
    where: `${host.name}: `,
  };
  const tmux = new TmuxClient(server, env, 'tmux', launcher);
  // A long-lived script holds one of the connection's session slots for its life, as a tmux client does.
  const stream: RemoteStream = (script, onText, signal) => conn.session(() => streamOverSsh(conn, ['sh', '-c', script], onText, signal, timeoutMs));
  const tag = serverTag(socket);
  // Long-lived scripts (a followed log, the SIGCHLD nudge) travel in sh -c's argv (paths and
  // integers only): their stdin tells them when we are gone.
  const files = remoteFiles(shell, stream);
  const missingDirs = files.missingDirs.bind(files);
  files.missingDirs = (paths) => {
    const known = answers.takeDirs(paths);
    return known ? Promise.resolve(known) : missingDirs(paths);
  };
  return {
    machine: {
      host: host.name,
      tmux,
      procs: remoteProcs(shell, stream),
      files,
      // A health check may take longer than one look: its own timeout bounds its call.
      // A command's call is given more than a look (remote-checks.ts): that one goes apart.
      checks: remoteChecks((script, ms) => (ms > timeoutMs ? runApart(script, ms) : runFor(script, ms)), timeoutMs),
      async lookAhead(tmuxArgs, dirs) {
        lastLook = { tmuxArgs, dirs };
        // The connect's script or the wake-up took this very look a moment ago: nothing to ask again.
        if (answers.holds(tmuxArgs, dirs)) return;
        const look = parseLook(await shell.run(lookScript(server, [tmuxArgs], dirs, nonce, tmuxTimeoutSec)), 1, dirs, nonce);
        if (!look?.tmux[0]) throw new HostUnreachableError(host.name, 'a look there printed something unexpected');
        answers.store('look', { tmuxArgs, result: look.tmux[0], dirs, missing: look.dirs ?? new Set() });
      },
    },
    conn,
    stateDir,
    lockFile: lockPath(stateDir, tag),
    logDir: sessionLogDir(stateDir, tag),
    forgetHello: () => answers.forgetHello(),
    lockChanged: () => answers.lockChanged(),
  };
}
