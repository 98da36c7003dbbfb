import { spawn } from 'node:child_process';
import { TmuxError, TmuxMissingError } from '../errors.js';

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
}

export interface TmuxResult {
  stdout: string;
  stderr: string;
  code: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** stderr of a tmux client that found no server: an empty observation, not a failure. */
export function isNoServer(stderr: string): boolean {
  return /no server running on|error connecting to|server exited unexpectedly/.test(stderr);
}

export function serverArgs(server: ServerAddress): string[] {
  if (server.socketPath) return ['-S', server.socketPath];
  if (server.socketName) return ['-L', server.socketName];
  return [];
}

/**
 * The one place that runs the tmux binary. node:child_process rather than execa: this sits on the
 * start-up path of every command, and importing execa costs more than Node's own start-up.
 */
export class TmuxClient {
  constructor(
    readonly server: ServerAddress = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly binary = 'tmux',
  ) {}

  /** Runs tmux; resolves with its output whatever the exit code (callers decide), rejects on spawn failure or timeout. */
  exec(args: readonly string[], opts: RunOptions = {}): Promise<TmuxResult> {
    const argv = [...serverArgs(this.server), ...args];
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, argv, {
        env: clientEnv(this.env),
        // stdin 'ignore' unless we feed it, so tmux never waits on a terminal or an inherited pipe.
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(new TmuxError(`tmux ${args[0] ?? ''} timed out after ${timeoutMs} ms`, argv, Buffer.concat(err).toString()));
      }, timeoutMs);
      const onAbort = () => child.kill('SIGTERM');
      // Removed when the client ends: watch passes one signal to every wait-for, for as long as it runs.
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e.code === 'ENOENT' ? new TmuxMissingError() : new TmuxError(`cannot run tmux: ${e.message}`, argv, ''));
      });
      child.on('close', (code, signal) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? (signal ? 128 : 1) });
      });
      if (opts.input !== undefined) {
        child.stdin!.on('error', () => {}); // tmux may exit before reading all of it; its exit code tells.
        child.stdin!.end(opts.input);
      }
    });
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
   * `tmux start-server` in its argv, never a managed command line.
   * tmux carries on past a failing line, so this resolves with the error lines it printed.
   */
  async runScript(lines: readonly string[], opts: Omit<RunOptions, 'input'> = {}): Promise<string[]> {
    if (lines.length === 0) return [];
    const args = ['start-server', ';', 'source-file', '-'];
    const r = await this.exec(args, { ...opts, input: lines.join('\n') + '\n' });
    const errors = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (r.code !== 0 && errors.length === 0) throw tmuxFailure(args, r);
    return errors;
  }
}

export function tmuxFailure(args: readonly string[], r: TmuxResult): TmuxError {
  const msg = r.stderr.trim().split('\n').filter(Boolean).join('; ') || `exit status ${r.code}`;
  return new TmuxError(`tmux ${args[0] ?? ''} failed: ${msg}`, args, r.stderr, r.code);
}

/** The tmux client must not follow $TMUX to the server tmuxctl happens to run inside. */
function clientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { TMUX: _tmux, TMUX_PANE: _pane, ...rest } = env;
  return rest;
}
