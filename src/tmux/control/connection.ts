import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { signalChild } from '../../process/signal.js';
import { clientEnv } from '../client-env.js';
import { lookupOnPath } from '../tools.js';
import { type ServerAddress, serverArgs } from '../client.js';
import { commandLine } from '../quote.js';
import { type AttachGate, attachGateOf } from './attach-gate.js';
import { type ControlBlock, type ControlNotification, ControlParser } from './protocol.js';

export interface ControlConnectionOptions {
  binary: string;
  server: ServerAddress;
  env: NodeJS.ProcessEnv;
  /**
   * How the client is started when it is not this machine's tmux: a host's `ssh … -- tmux ARGV`
   * (TmuxLauncher.control). Unset: this machine's tmux, tied to this process's life (start()).
   */
  launch?: (tmuxArgv: readonly string[]) => { file: string; args: string[] };
  /** The attach gate of this server (attach-gate.ts attachGateOf), where the attach runs alone; this machine's server's when unset. */
  gate?: AttachGate;
  /** The session to attach to (a control client must be attached to one); tmux picks one when absent. */
  attachTo?: string;
  /** How long tmux may take to attach the client. */
  connectTimeoutMs: number;
  onNotification?: (n: ControlNotification) => void;
  /** The connection ended (tmux exited, the client was killed, or it was closed here): called once, and only for one that was up. */
  onClose?: (reason: string) => void;
}

/** The connection ended, or never came up: nothing more can be sent on it. */
export class ControlLostError extends Error {}

/** A request with no answer in time: the connection is closed (a late answer would be misread as the next one's). */
export class ControlTimeoutError extends ControlLostError {}

/**
 * How long a client tmux has not answered yet is given to be ended by tmux (its input closed) before
 * SIGKILL. Its hello is written within milliseconds of its start, and once written the server reads
 * it whole even from a dead client; killed while still writing it, tmux before 3.7 crashes
 * (attach-gate.ts).
 */
export const HELLO_GRACE_MS = 2000;

interface Pending {
  sentinel: string;
  blocks: ControlBlock[];
  resolve: (blocks: ControlBlock[]) => void;
  reject: (e: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * One `tmux -C attach-session` client, kept open: commands are written on its stdin and their
 * answers read from its stdout, so a command costs a write and a read instead of a process. The
 * client is attached with `no-output` (no `%output` for every byte a pane prints) and `ignore-size`
 * (it never changes a window's size).
 *
 * Requests are answered in order. A request's lines are followed by a sentinel line
 * (`display-message -p TOKEN`), a line of its own, so it runs whatever failed before it; every block
 * up to the sentinel's is the request's answer, however many commands its lines held.
 */
export class ControlConnection {
  /** Every client of this process not yet ended, those still attaching included: killAll() ends them. */
  private static readonly live = new Set<ControlConnection>();
  private readonly parser = new ControlParser();
  private readonly pending: Pending[] = [];
  private readonly token = randomBytes(6).toString('hex');
  private seq = 0;
  private ended: string | undefined;
  /** Attached: only a connection that was up is told to onClose when it ends. */
  private up = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly opts: ControlConnectionOptions,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why it ended; undefined while it is open. */
  get closedBecause(): string | undefined {
    return this.ended;
  }

  /**
   * Starts the client and waits until tmux has attached it. Rejects with ControlLostError when it
   * cannot attach (no server, no session, tmux cannot be run) or does not within the timeout.
   */
  static open(opts: ControlConnectionOptions): Promise<ControlConnection> {
    // Alone: no call of this process runs while tmux reads the client's hello (attach-gate.ts).
    return ControlConnection.gateOf(opts).attach(() => ControlConnection.start(opts));
  }

  private static start(opts: ControlConnectionOptions): Promise<ControlConnection> {
    // -N: never start a server. attach-session would start one where none runs (with this client's
    // argv as its name), which then sits with no session.
    const args = [...serverArgs(opts.server), '-N', '-C', 'attach-session', '-f', 'no-output,ignore-size', ...(opts.attachTo ? ['-t', opts.attachTo] : [])];
    const env = clientEnv(opts.env);
    // The client must die with this process. tmux ends a control client whose input closed only once
    // its command queue is free, and the waker's queue is held by its wait-for until the next signal:
    // a watch killed with -9 left it attached (seen under load). setpriv (util-linux, already needed
    // for flock) asks the kernel to signal it when its parent dies, then execs tmux in its place.
    // SIGTERM, not SIGKILL: an attached tmux client then tells the server it is leaving (MSG_EXITING),
    // where one killed half-way through its hello crashes tmux before 3.7 (attach-gate.ts). One
    // still in its first milliseconds can still be cut by it (tmux's client exits at once on SIGTERM
    // before it is attached): only if watch dies in that instant.
    // Over ssh no such tie is needed: when this process dies, ssh's input closes, the channel
    // carries that to the client there, and a client with no wait-for pending (the command
    // connection's never has one) ends at once. ssh gets this process's environment, as the host's
    // kept shells do: the tmux there gets sshd's.
    const setpriv = opts.launch ? undefined : lookupOnPath('setpriv', env.PATH);
    const launched = opts.launch?.(args);
    const child = launched
      ? spawn(launched.file, launched.args, { stdio: ['pipe', 'pipe', 'pipe'] })
      : setpriv?.kind === 'found'
        ? spawn(setpriv.path, ['--pdeathsig', 'TERM', '--', opts.binary, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(opts.binary, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = new ControlConnection(child, opts);
    ControlConnection.live.add(conn);
    return new Promise((resolve, reject) => {
      let attached = false;
      let stderr = '';
      const fail = (why: string) => {
        if (attached) return;
        attached = true; // settled
        clearTimeout(timer);
        conn.end(why);
        reject(new ControlLostError(why));
      };
      const timer = setTimeout(() => fail(`tmux did not attach a control client within ${opts.connectTimeoutMs} ms`), opts.connectTimeoutMs);
      child.on('error', (e) => fail(`cannot run tmux: ${e.message}`));
      child.stdin!.on('error', () => {}); // a client that exited: its exit is reported below
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => (stderr += s));
      child.stdout!.setEncoding('utf8');
      // Until attached, tmux's own block (the attach) says whether it worked; after, blocks are answers.
      child.stdout!.on('data', (s: string) => {
        for (const m of conn.parser.push(s)) {
          if (!attached) {
            if (m.kind === 'block' && !m.block.fromClient) {
              if (!m.block.ok) return fail(m.block.lines.join('; ') || 'tmux refused to attach a control client');
              attached = true;
              conn.up = true;
              clearTimeout(timer);
              resolve(conn);
            } else if (m.kind === 'notification' && m.notification.name === 'exit') {
              return fail(m.notification.args || 'tmux ended the control client');
            }
            continue;
          }
          conn.received(m);
        }
      });
      child.on('exit', (code, signal) => {
        const why = stderr.trim().split('\n')[0] || `tmux control client exited (${signal ?? `status ${code}`})`;
        fail(why);
        conn.end(why);
      });
    });
  }

  /**
   * Runs command lines (tmux's command language, one command list per line) and resolves with
   * every block they produced, in order. Rejects with ControlLostError if the connection ends
   * first, ControlTimeoutError after `timeoutMs` (closing the connection); Infinity waits as long as
   * the connection lasts.
   */
  request(lines: readonly string[], timeoutMs: number): Promise<ControlBlock[]> {
    if (this.ended !== undefined) return Promise.reject(new ControlLostError(this.ended));
    const sentinel = `tmuxctl-sync-${this.token}-${++this.seq}`;
    return new Promise((resolve, reject) => {
      const p: Pending = { sentinel, blocks: [], resolve, reject };
      // Infinity: a wait-for that ends when tmux signals (the waker; watch's resync timer bounds how long nothing is looked at).
      if (Number.isFinite(timeoutMs))
        p.timer = setTimeout(() => {
          const why = `no answer from tmux within ${timeoutMs} ms`;
          this.end(why, new ControlTimeoutError(why));
        }, timeoutMs);
      this.pending.push(p);
      this.child.stdin!.write(`${[...lines, commandLine(['display-message', '-p', sentinel])].join('\n')}\n`);
    });
  }

  private static gateOf(opts: ControlConnectionOptions): AttachGate {
    // A launched client is another machine's: this machine's gate would not hold that server's calls.
    if (opts.launch && !opts.gate) throw new Error('a launched control client needs the attach gate of its server');
    return opts.gate ?? attachGateOf({ server: opts.server });
  }

  /** Ends the client (its pending requests fail). */
  close(): void {
    this.end('closed');
  }

  /**
   * Ends every control client of this process, one still attaching included (a stopped server
   * never answers its attach, and the client would outlive watch, blocked on it).
   */
  static killAll(): void {
    for (const c of [...ControlConnection.live]) c.end('closed');
  }

  private received(m: ReturnType<ControlParser['push']>[number]): void {
    if (m.kind === 'notification') {
      if (m.notification.name === 'exit')
        this.end(m.notification.args ? `tmux ended the control client: ${m.notification.args}` : 'tmux ended the control client');
      else this.opts.onNotification?.(m.notification);
      return;
    }
    const p = this.pending[0];
    // A block nobody asked for (tmux's own commands) belongs to no request.
    if (!p || !m.block.fromClient) return;
    if (m.block.ok && m.block.lines.length === 1 && m.block.lines[0] === p.sentinel) {
      this.pending.shift();
      clearTimeout(p.timer);
      p.resolve(p.blocks);
      return;
    }
    p.blocks.push(m.block);
  }

  private end(why: string, error: Error = new ControlLostError(why)): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    ControlConnection.live.delete(this);
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.child.stdin?.destroy();
    const running = this.child.exitCode === null && this.child.signalCode === null;
    if (running && !this.up) {
      // Read to the end and dropped: tmux ends a control client whose input closed (stop()), but not
      // one whose output is closed too (it waits for that output to drain, for ever).
      for (const out of [this.child.stdout, this.child.stderr]) out?.removeAllListeners('data').resume();
    } else {
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
    }
    if (running) this.stop();
    if (this.up) this.opts.onClose?.(why);
  }

  /**
   * Ends the client process. One tmux has answered (its hello read whole) is killed at once. One not
   * answered yet may still be writing its hello, and no signal is safe then: SIGKILL cuts the hello,
   * and tmux's client exits at once on SIGTERM too before it is attached (proc_exit, with its hello
   * maybe half sent). Its input is closed already (end()), so tmux ends it as soon as it has read
   * the hello; SIGKILL only after HELLO_GRACE_MS (a stopped server never reads it, and the hello was
   * written long before). The next attach waits until it is gone: its detach notifies.
   */
  private stop(): void {
    const child = this.child;
    if (child.pid === undefined) return; // never started (tmux or setpriv could not be run): no exit to wait for
    ControlConnection.gateOf(this.opts).ended(new Promise<void>((gone) => child.once('exit', () => gone())));
    if (this.up) {
      signalChild(child, 'SIGKILL');
      return;
    }
    const late = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) signalChild(child, 'SIGKILL');
    }, HELLO_GRACE_MS);
    late.unref();
    child.once('exit', () => clearTimeout(late));
  }
}
