import { errorText, TmuxNotRespondingError } from '../../errors.js';
import { type RunOptions, type Tmux, type TmuxClient, type TmuxResult, tmuxFailure } from '../client.js';
import { batchSize, batchTimeoutMs } from '../timeouts.js';
import { commandLine } from '../quote.js';
import { type AttachGate, attachGateOf } from './attach-gate.js';
import { ControlConnection, ControlLostError, ControlTimeoutError } from './connection.js';
import type { ControlBlock, ControlNotification } from './protocol.js';

export interface ControlTmuxOptions {
  /**
   * The session to attach the control client to (watch names one it owns, so that no person's
   * session shows a client that is not theirs). While it names none, spawned clients are used.
   */
  attachTo: () => string | undefined;
  onNotification?: (n: ControlNotification) => void;
  /** The connection came up (true) or went away (false): for the event log. */
  onConnection?: (up: boolean, why: string) => void;
  /** First pause before trying to connect again after a failure; doubles up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/** What send() answers when the transport wants this call on its own path (TmuxLauncher.control.ready). */
const NOT_READY = Symbol('not ready');

/** A connection that lasted at least this long worked: the delay before the next attempt starts afresh. */
const STEADY_MS = 5000;

/**
 * tmux over one live control-mode connection (connection.ts), for a long-running command (`watch`):
 * observing, the batch of a pass and every other command cost a write and a read, no process.
 *
 * The spawned client stays the fallback for every call the connection cannot take: while it is not
 * up (no server yet, a server with no session to attach to, tmux restarting), between attempts to
 * connect again (spaced out, so a server that refuses costs a process at most every few seconds),
 * and for what only a process of its own can do (a call with an abort signal, stdin that is not a
 * command script). A connection that ends while a read-only call waits has that call run again on
 * a spawned client; one that ends during a batch fails the batch as a timeout does (some of it may
 * have been applied), and the pass that sent it is retried.
 */
export class ControlTmux implements Tmux {
  private connection: ControlConnection | undefined;
  private opening: Promise<ControlConnection | undefined> | undefined;
  private nextAttemptAt = 0;
  private retryMs: number;
  private closed = false;
  private preparing: ReturnType<typeof setTimeout> | undefined;

  /** This server's attach gate: every call waits while a control client of this process attaches to it. */
  private readonly gate: AttachGate;

  constructor(
    readonly spawned: TmuxClient,
    private readonly opts: ControlTmuxOptions,
  ) {
    this.retryMs = opts.firstRetryMs ?? 250;
    this.gate = attachGateOf(spawned);
  }

  get server() {
    return this.spawned.server;
  }

  get timeoutMs() {
    return this.spawned.timeoutMs;
  }

  /** Whether commands go over the connection now (tests and the event log). */
  get connected(): boolean {
    return this.connection !== undefined && this.connection.closedBecause === undefined;
  }

  /** The control client's pid while connected. */
  get clientPid(): number | undefined {
    return this.connected ? this.connection!.pid : undefined;
  }

  checkVersion(): Promise<void> {
    return this.spawned.checkVersion();
  }

  /** Ends the connection and every spawned client; nothing is attempted after. */
  abandon(): void {
    this.spawned.abandon();
  }

  /**
   * Opens the connection now if it is down and may be opened, without waiting for it: the call that
   * would have opened it (the next crash repair) then finds it up.
   */
  prepare(): void {
    if (this.connected || this.closed || this.preparing) return;
    const wait = this.nextAttemptAt - Date.now();
    if (wait <= 0) {
      void this.connect();
      return;
    }
    // Between attempts: one timer for when the next is allowed (a pass may not come for a long time).
    this.preparing = setTimeout(() => {
      this.preparing = undefined;
      this.prepare();
    }, wait);
    this.preparing.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.preparing);
    // Let go, not lost: onConnection hears only of a connection that ended by itself.
    const conn = this.connection;
    this.connection = undefined;
    conn?.close();
  }

  async exec(args: readonly string[], opts: RunOptions = {}): Promise<TmuxResult> {
    this.refuseAfterClose(args);
    // A host's look fetched ahead (the wake-up's, the pass's lookAhead) answers its call here too.
    const early = this.spawned.answeredAhead(args, opts);
    if (early) return early;
    const lines = asLines(args, opts);
    // A wait (a call with an abort signal or a timeout it expects) changes nothing: it does not hold attaches up.
    if (opts.signal || opts.timeoutIsExpected) return this.spawned.exec(args, opts);
    if (!lines) return this.gate.call(() => this.spawned.exec(args, opts));
    const conn = await this.connect();
    // Every call waits while a control client of this process attaches (attach-gate.ts).
    if (!conn) return this.gate.call(() => this.spawned.exec(args, opts));
    try {
      const blocks = await this.gate.call(() => this.send(conn, lines, opts.timeoutMs ?? this.timeoutMs));
      return blocks === NOT_READY ? await this.gate.call(() => this.spawned.exec(args, opts)) : resultOf(blocks);
    } catch (e) {
      if (e instanceof ControlTimeoutError) throw this.notResponding(args[0] ?? '', opts.timeoutMs ?? this.timeoutMs);
      if (!(e instanceof ControlLostError)) throw e;
      this.refuseAfterClose(args);
      // Read-only or not, a call that never reached tmux, or whose answer was lost, is asked again.
      return this.gate.call(() => this.spawned.exec(args, opts));
    }
  }

  async run(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.exec(args, opts);
    if (r.code !== 0) throw tmuxFailure(args, r);
    return r.stdout;
  }

  async runScript(lines: readonly string[], opts: Omit<RunOptions, 'input'> = {}): Promise<string[]> {
    if (lines.length === 0) return [];
    this.refuseAfterClose(['source-file']);
    await this.checkVersion();
    const conn = await this.connect();
    if (!conn) return this.gate.call(() => this.spawned.runScript(lines, opts));
    const timeoutMs = opts.timeoutMs ?? batchTimeoutMs(batchSize(lines), this.timeoutMs, opts.serverSessions);
    try {
      const blocks = await this.gate.call(() => this.send(conn, lines, timeoutMs));
      if (blocks === NOT_READY) return await this.gate.call(() => this.spawned.runScript(lines, opts));
      return blocks.filter((b) => !b.ok).flatMap((b) => b.lines.map((l) => l.trim()).filter(Boolean));
    } catch (e) {
      if (!(e instanceof ControlLostError)) throw e;
      const what = e instanceof ControlTimeoutError ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `the control connection ended (${e.message})`;
      throw new TmuxNotRespondingError(
        `tmux: ${what} during a batch of ${lines.length} line${lines.length === 1 ? '' : 's'} (some of it may have been applied: tmuxctl status shows what is there)`,
        ['-C'],
        '',
      );
    }
  }

  /**
   * One request on the connection, told to the transport (TmuxLauncher.control): NOT_READY, sending
   * nothing, while the transport wants its calls on its own path (a host's log writes still under
   * way in its kept shell). Asked and sent in the same tick, so nothing is posted in between.
   */
  private send(conn: ControlConnection, lines: readonly string[], timeoutMs: number): Promise<ControlBlock[] | typeof NOT_READY> {
    const transport = this.spawned.launcher?.control;
    if (!transport) return conn.request(lines, timeoutMs);
    return transport.ready() ? transport.request(() => conn.request(lines, timeoutMs)) : Promise.resolve(NOT_READY);
  }

  /**
   * The live connection, opening one when none is up and the last attempt is far enough back.
   * Undefined means: use a spawned client this time.
   */
  private async connect(): Promise<ControlConnection | undefined> {
    if (this.connected) return this.connection;
    if (this.closed) return undefined;
    if (this.opening) return this.opening;
    if (Date.now() < this.nextAttemptAt) return undefined;
    // A transport that cannot carry a control client: spawned clients only.
    const launcher = this.spawned.launcher;
    if (launcher && !launcher.control) return undefined;
    const attachTo = this.opts.attachTo();
    if (attachTo === undefined) return undefined;
    this.opening = (async () => {
      try {
        // Not a const assigned from the await: tmux can end the client in the very chunk that
        // answers its attach (a `%exit` right behind the attach block), and onClose then runs
        // before open() has resolved.
        let conn: ControlConnection | undefined;
        let upSince = 0;
        // Outside the attach gate: a host's slow connect holds none of its calls.
        if (launcher?.control) await launcher.control.connect().catch((e: unknown) => Promise.reject(new ControlLostError(errorText(e))));
        conn = await ControlConnection.open({
          binary: this.spawned.binary,
          server: this.server,
          env: this.spawned.env,
          gate: this.gate,
          ...(launcher?.control && { launch: (argv: readonly string[]) => launcher.control!.command(argv) }),
          attachTo,
          connectTimeoutMs: this.timeoutMs,
          onNotification: this.opts.onNotification,
          onClose: (why) => {
            if (conn === undefined || this.connection !== conn) return;
            this.opts.onConnection?.(false, why);
            // One that lived only a moment (tmux detaching control clients as they attach) counts
            // as a failed attempt: connecting again at once, every pass, would be a loop of
            // processes (each detach fires client-detached, which wakes a pass).
            // A steady one is tried again after the first pause, never at once: what ended it (its
            // session killed, the server going) is often one command of a burst, and a client
            // attaching while the rest of the burst runs is what crashes tmux before 3.7 (attach-gate.ts).
            if (Date.now() - upSince >= STEADY_MS) this.retryMs = this.opts.firstRetryMs ?? 250;
            this.retryLater();
          },
        });
        if (this.closed) {
          conn.close();
          return undefined;
        }
        // Ended while attaching: a failed attempt, not a connection.
        if (conn.closedBecause !== undefined) throw new ControlLostError(conn.closedBecause);
        this.connection = conn;
        upSince = Date.now();
        this.opts.onConnection?.(true, `control client pid ${conn.pid}`);
        return conn;
      } catch (e) {
        if (!(e instanceof ControlLostError)) throw e;
        this.retryLater();
        return undefined;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /** The next attempt to connect waits retryMs, which doubles up to the cap. */
  private retryLater(): void {
    this.nextAttemptAt = Date.now() + this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs ?? 5000);
  }

  /**
   * Once closed (watch stopping, or abandoning a pass stuck on a stopped server), no call starts a
   * client of any kind: a spawned one started after abandon() would outlive watch.
   */
  private refuseAfterClose(args: readonly string[]): void {
    if (this.closed) throw new TmuxNotRespondingError(`tmux ${args[0] ?? ''}: not sent, watch is stopping`, ['-C', ...args.slice(0, 1)], '');
  }

  private notResponding(command: string, timeoutMs: number): TmuxNotRespondingError {
    return new TmuxNotRespondingError(`tmux server not responding: no answer to tmux ${command} within ${timeoutMs} ms`, ['-C', command], '');
  }
}

/**
 * The command lines a call stands for on the connection: `source-file -` runs its input's lines;
 * any other argv is one line (`;` elements separate its commands, as on tmux's command line).
 * Undefined when it cannot be sent as lines (input to anything but source-file).
 */
function asLines(args: readonly string[], opts: RunOptions): string[] | undefined {
  if (args.length === 2 && args[0] === 'source-file' && args[1] === '-' && opts.input !== undefined)
    return opts.input.split('\n').filter((l) => l.trim() !== '');
  if (opts.input !== undefined) return undefined;
  const commands: string[][] = [[]];
  for (const a of args) {
    if (a === ';') commands.push([]);
    else commands[commands.length - 1]!.push(a);
  }
  return [
    commands
      .filter((c) => c.length > 0)
      .map((c) => commandLine(c))
      .join(' ; '),
  ];
}

/** Blocks as a spawned client's result: the output of the commands that worked, the errors on stderr. */
function resultOf(blocks: readonly ControlBlock[]): TmuxResult {
  const out = blocks.filter((b) => b.ok).flatMap((b) => b.lines);
  const err = blocks.filter((b) => !b.ok).flatMap((b) => b.lines);
  return { stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join(''), code: err.length > 0 ? 1 : 0 };
}
