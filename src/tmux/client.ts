import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileKind } from '../file-kind.js';
import { SocketPathError, TmuxError, TmuxMissingError, TmuxNotRespondingError, TmuxVersionError } from '../errors.js';
import { runBoundedChild } from '../process/bounded-child.js';
import { signalChild } from '../process/signal.js';
import { socketPath } from '../state/paths.js';
import { clientEnv } from './client-env.js';
import { findServerPid, isStopped } from './server-pid.js';
import { batchSize, batchTimeoutMs, timeoutFromEnv } from './timeouts.js';
import { tmuxMissingLine } from './tools.js';
import { controlModeIsSafe, versionProblem } from './version.js';

/** Which tmux server to talk to, exactly as tmux's own -L / -S flags choose it. */
export interface ServerAddress {
  socketName?: string;
  socketPath?: string;
}

export interface RunOptions {
  /** Fed to tmux on stdin (for `source-file -`): keeps values out of argv, which /proc shows to every user. */
  input?: string;
  timeoutMs?: number;
  /** Ends a long-running client (watch's `wait-for`) early; it then resolves with code 130. */
  signal?: AbortSignal;
  /**
   * The timeout is the expected end (watch's `wait-for`, whose timeout is the periodic resync):
   * resolve with `timedOut` instead of failing, and do not go looking for the server's pid.
   */
  timeoutIsExpected?: boolean;
  /** For a batch: how many sessions the server holds before it (a batch's cost grows with them). */
  serverSessions?: number;
}

export interface TmuxResult {
  stdout: string;
  stderr: string;
  code: number;
  /** Set when the client was ended by an expected timeout (`timeoutIsExpected`). */
  timedOut?: boolean;
}

/** stderr of a tmux client that found no server: an empty observation, not a failure. */
export function isNoServer(stderr: string): boolean {
  return /no server running on|error connecting to|server exited unexpectedly/.test(stderr);
}

/**
 * stderr of `list-panes -a` on a server that runs with no session (kept by `exit-empty off`, as
 * `tmuxctl service start-server` leaves it): tmux 3.3a finds no current target. No panes, not a failure.
 */
export function isEmptyServer(stderr: string): boolean {
  return /no current target/.test(stderr);
}

export function serverArgs(server: ServerAddress): string[] {
  if (server.socketPath) return ['-S', server.socketPath];
  if (server.socketName) return ['-L', server.socketName];
  return [];
}

/**
 * How a tmux client is started when it is not this machine's `tmux`: on a host reached over SSH,
 * `ssh ... HOST -- tmux -L NAME ...` (host/ssh-machine.ts). The client then is ssh, whose own
 * failures (it could not connect) are told apart from tmux's.
 */
export interface TmuxLauncher {
  /**
   * The process to spawn for this tmux argv (which starts with the server flags). `timeoutMs`: when
   * this call is given up on; the remote client must end by itself then, since killing ssh here
   * does not end a client blocked there (a `wait-for`).
   */
  command(tmuxArgv: readonly string[], timeoutMs: number): { file: string; args: string[] };
  /**
   * What a finished client's result is: the transport's own failure (the error to reject with), or
   * tmux's result with the transport's notices taken out of its stderr.
   */
  settle(r: TmuxResult): TmuxResult | Error;
  /**
   * Runs a short call (one that is not waited on as a stream: no abort signal, no expected timeout)
   * over a connection kept for them, when the transport has one: its answer, or `timed-out` (the
   * transport has ended whatever ran it). Rejects with the transport's own failure. Unset: each
   * call spawns its client (command()).
   */
  run?(tmuxArgv: readonly string[], timeoutMs: number, input?: string): Promise<TmuxResult | 'timed-out'>;
  /**
   * Runs a wait (watch's `wait-for`: its timeout is its expected end) over a connection kept for
   * waits, when the transport has one: resolves at the wait's end, `timedOut` set when it ran out;
   * `signal` ends it early (code 130). Rejects with the transport's own failure. Unset: each wait
   * spawns its client (command()).
   */
  wait?(tmuxArgv: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<TmuxResult>;
  /** Ends what run() and wait() keep (a command that stops waiting), as abandon() kills spawned clients. */
  abandon?(): void;
  /** Runs one client's whole life when the transport allows (a connection carries so many at once). */
  session<T>(call: () => Promise<T>): Promise<T>;
  /**
   * An answer the transport already holds for exactly this call (fetched with the connection's
   * first round trip), given once; undefined: run the client.
   */
  answered?(args: readonly string[]): TmuxResult | undefined;
  /**
   * A control-mode client of the server there (control/control-tmux.ts), when the transport can
   * carry one: `command` is the process to start for a `tmux -C` argv (it lives as long as the
   * connection, so no timeout of its own), and every request sent on it goes through `request`, so
   * that what the transport fetched ahead (`answered`) is not taken for a look after it. While
   * `ready()` is false a call goes to the transport's own path instead (run()), which keeps it in
   * order behind what the transport still has under way.
   */
  readonly control?: {
    /** Makes sure the transport's shared connection is up before the client starts (it lives on it). */
    connect(): Promise<void>;
    command(tmuxArgv: readonly string[]): { file: string; args: string[] };
    ready(): boolean;
    request<T>(send: () => Promise<T>): Promise<T>;
  };
  /** Says where, in a message about a call that got no answer: `gpu1: `. */
  readonly where: string;
}

/**
 * What the rest of tmuxctl needs from tmux: run one command line, run a batch, check the version.
 * Two implementations: TmuxClient spawns a client per call (every short command), and
 * control/control-tmux.ts keeps one control-mode connection open (watch), falling back to the former.
 */
export interface Tmux {
  readonly server: ServerAddress;
  /** Base timeout of one call. */
  readonly timeoutMs: number;
  exec(args: readonly string[], opts?: RunOptions): Promise<TmuxResult>;
  run(args: readonly string[], opts?: RunOptions): Promise<string>;
  runScript(lines: readonly string[], opts?: Omit<RunOptions, 'input'>): Promise<string[]>;
  checkVersion(): Promise<void>;
  /** Kills every client still running: for a command that stops waiting. */
  abandon(): void;
}

/**
 * The one place that runs the tmux binary. node:child_process rather than execa: this sits on the
 * start-up path of every command, and a process that imports execa and spawns tmux once took
 * 0.30 s and 55 MiB against 0.14 s and 43 MiB with child_process (medians of 15 runs).
 */
export class TmuxClient implements Tmux {
  /** Base timeout of one client (TMUXCTL_TMUX_TIMEOUT_MS, default 15 s); batches get more. */
  readonly timeoutMs: number;
  /** Clients still running, so a command that gives up (watch stopping) leaves none behind. */
  private readonly running = new Set<ChildProcess>();
  private versionChecked: Promise<void> | undefined;
  /** What `tmux -V` said, once checkVersion() succeeded. */
  private versionText: string | undefined;

  constructor(
    readonly server: ServerAddress = {},
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly binary = 'tmux',
    /** Set for a server on another machine: its clients are started through this, and no local check applies. */
    readonly launcher?: TmuxLauncher,
  ) {
    this.timeoutMs = timeoutFromEnv(env);
  }

  /**
   * Kills every client still running (SIGKILL): for a command that stops waiting, e.g. watch
   * abandoning a pass while the server is stopped, whose client would otherwise outlive it.
   */
  abandon(): void {
    for (const child of this.running) signalChild(child, 'SIGKILL');
    this.running.clear();
    this.launcher?.abandon?.();
  }

  /**
   * Runs tmux; resolves with its output whatever the exit code (callers decide). Rejects when tmux
   * cannot be run (TmuxMissingError), when `-S` names something that is not a socket
   * (SocketPathError), and when no answer came in time (TmuxNotRespondingError): the client is
   * killed and its pipes let go, so no call can block for ever whatever the server does.
   */
  exec(args: readonly string[], opts: RunOptions = {}): Promise<TmuxResult> {
    if (!this.launcher) return this.spawnClient(args, opts);
    const early = this.answeredAhead(args, opts);
    if (early) return Promise.resolve(early);
    const run = this.launcher.run?.bind(this.launcher);
    if (run && !opts.signal && !opts.timeoutIsExpected) return this.runKept(run, args, opts);
    if (this.launcher.wait && opts.timeoutIsExpected && opts.input === undefined)
      return this.launcher.wait([...serverArgs(this.server), ...args], opts.timeoutMs ?? this.timeoutMs, opts.signal);
    return this.launcher.session(() => this.spawnClient(args, opts));
  }

  /** An answer the transport fetched ahead for exactly this call (TmuxLauncher.answered), given once. */
  answeredAhead(args: readonly string[], opts: RunOptions = {}): TmuxResult | undefined {
    return opts.input === undefined ? this.launcher?.answered?.(args) : undefined;
  }

  /** A short call through the launcher's kept connection (TmuxLauncher.run). */
  private async runKept(run: NonNullable<TmuxLauncher['run']>, args: readonly string[], opts: RunOptions): Promise<TmuxResult> {
    const argv = [...serverArgs(this.server), ...args];
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const r = await run(argv, timeoutMs, opts.input);
    if (r === 'timed-out') throw this.notResponding(args, argv, timeoutMs, '');
    return r;
  }

  private async spawnClient(args: readonly string[], opts: RunOptions): Promise<TmuxResult> {
    const argv = [...serverArgs(this.server), ...args];
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const launch = this.launcher ? this.launcher.command(argv, timeoutMs) : { file: this.binary, args: argv };
    if (!this.launcher) refuseNonSocket(this.server.socketPath);
    const env = clientEnv(this.env);
    const end = await runBoundedChild(launch.file, launch.args, {
      env,
      timeoutMs,
      ...(opts.input !== undefined && { input: opts.input }),
      ...(opts.signal && { signal: opts.signal }),
      track: (child, running) => (running ? this.running.add(child) : this.running.delete(child)),
    });
    switch (end.kind) {
      case 'failed':
        throw end.error.code === 'ENOENT' || end.error.code === 'EACCES'
          ? new TmuxMissingError(tmuxMissingLine(env.PATH))
          : new TmuxError(`cannot run tmux: ${end.error.message}`, argv, '');
      case 'timed-out':
        if (opts.timeoutIsExpected) return { stdout: end.stdout, stderr: end.stderr, code: end.exitCode ?? 124, timedOut: true };
        throw this.notResponding(args, argv, timeoutMs, end.stderr);
      case 'exited': {
        const r = { stdout: end.stdout, stderr: end.stderr, code: end.code };
        // An aborted client is the caller's doing, not the transport's failure.
        if (end.aborted) return r;
        /** The result, unless the launcher says it is its own failure (ssh could not reach the host). */
        const settled = this.launcher ? this.launcher.settle(r) : r;
        if (settled instanceof Error) throw settled;
        return settled;
      }
    }
  }

  /** Runs tmux and fails with a TmuxError carrying its stderr when it exits non-zero. */
  async run(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.exec(args, opts);
    if (r.code !== 0) throw tmuxFailure(args, r);
    return r.stdout;
  }

  /**
   * Runs a batch of tmux commands through one client, fed on stdin. `start-server` first because
   * source-file alone does not start a server, and the server it starts then carries only
   * `tmux start-server` in its argv, never a managed command line. The timeout grows with the batch
   * (timeouts.ts). The tmux version is checked once, before the first batch: a batch is the only
   * call that changes anything (or starts a server), and a no-op `apply` never gets here.
   * tmux carries on past a failing line, so this resolves with the error lines it printed.
   */
  async runScript(lines: readonly string[], opts: Omit<RunOptions, 'input'> = {}): Promise<string[]> {
    if (lines.length === 0) return [];
    await this.checkVersion();
    const args = ['start-server', ';', 'source-file', '-'];
    const timeoutMs = opts.timeoutMs ?? batchTimeoutMs(batchSize(lines), this.timeoutMs, opts.serverSessions);
    let r: TmuxResult;
    try {
      r = await this.exec(args, { ...opts, timeoutMs, input: lines.join('\n') + '\n' });
    } catch (e) {
      // Some of the batch may have been applied: say so, so that nobody reads the failure as "nothing changed".
      if (!(e instanceof TmuxNotRespondingError)) throw e;
      const what = `${e.message.replace(/no answer to tmux start-server/, `no answer to a batch of ${lines.length} line${lines.length === 1 ? '' : 's'}`)}`;
      throw new TmuxNotRespondingError(`${what} (some of it may have been applied: tmuxctl status shows what is there)`, e.args, e.stderr, e.serverPid);
    }
    const errors = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (r.code !== 0 && errors.length === 0) throw tmuxFailure(args, r);
    return errors;
  }

  /**
   * Refuses a tmux older than MIN_TMUX_VERSION (version.ts), once per process. `tmux -V` asks no
   * server, so a stopped server cannot make it hang. A failed check is not cached.
   */
  checkVersion(): Promise<void> {
    if (!this.versionChecked) {
      const check = (async () => {
        const r = await this.exec(['-V']).catch((e: unknown) => {
          // `tmux -V` asks no server: a timeout here is the binary itself hanging, not a server.
          if (e instanceof TmuxNotRespondingError)
            throw new TmuxError(`tmux -V did not answer within ${Math.round(this.timeoutMs / 1000)} s: the tmux on PATH hangs`, ['-V'], '');
          throw e;
        });
        const problem = versionProblem(r.stdout);
        if (problem) throw new TmuxVersionError(problem);
        this.versionText = r.stdout;
      })();
      // Forgotten once it failed, so the next call asks again (watch asks on every pass).
      check.catch(() => {
        if (this.versionChecked === check) this.versionChecked = undefined;
      });
      this.versionChecked = check;
    }
    return this.versionChecked;
  }

  /** Whether this tmux survives control clients (version.ts); asks `tmux -V` once, as checkVersion() does. */
  async controlModeIsSafe(): Promise<boolean> {
    await this.checkVersion();
    return controlModeIsSafe(this.versionText ?? '');
  }

  /** The failure of a client that got no answer in time, naming the server's pid when it can be found. */
  private notResponding(args: readonly string[], argv: readonly string[], timeoutMs: number, stderr: string): TmuxNotRespondingError {
    const within = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
    // On another machine the server's pid is not ours to look up; the host or its tmux did not answer.
    if (this.launcher) return new TmuxNotRespondingError(`${this.launcher.where}no answer to tmux ${args[0] ?? ''} within ${within}`, argv, stderr);
    const pid = findServerPid(socketPath(this.server, this.env));
    const who = pid === undefined ? 'tmux server not responding' : `tmux server not responding (pid ${pid})`;
    const hint = pid !== undefined && isStopped(pid) ? '; it is stopped (SIGCONT it to resume)' : '';
    return new TmuxNotRespondingError(`${who}: no answer to tmux ${args[0] ?? ''} within ${within}${hint}`, argv, stderr, pid);
  }
}

/**
 * `-S PATH` on something that is not a socket: tmux would unlink it and bind its socket there (a
 * regular file turned into a socket). Refused before any tmux call; a missing path is fine (tmux
 * creates the socket), and so is a symlink to a socket.
 */
function refuseNonSocket(path: string | undefined): void {
  if (!path) return;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return; // not there (yet), or not reachable: tmux says what is wrong
  }
  if (st.isSocket()) return;
  throw new SocketPathError(`-S ${path}: exists and is ${fileKind(st)}, not a tmux socket; give a socket path, or a path that does not exist yet`);
}

export function tmuxFailure(args: readonly string[], r: TmuxResult): TmuxError {
  const msg = r.stderr.trim().split('\n').filter(Boolean).join('; ') || `exit status ${r.code}`;
  return new TmuxError(`tmux ${args[0] ?? ''} failed: ${msg}`, args, r.stderr, r.code);
}
