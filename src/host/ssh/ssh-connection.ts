import { lstatSync } from 'node:fs';
import { ensureControlDir } from './control-dir.js';
import type { RemoteWord } from './remote-words.js';
import { DEFAULT_PERSIST_SEC, closeMaster, controlSocketPath, ensureMaster, forgetSocketPath, knownSocketPath } from './ssh-master.js';
import { runOverSsh, type SshRunOptions, type SshRunResult } from './ssh-run.js';
import type { SshTarget } from './target.js';

/**
 * Calls at once on one connection: below sshd's default MaxSessions (10), with room for a user's
 * own and for what holds one session for its life outside these slots: the host's two kept shells
 * (ssh/ssh-shell.ts: short calls, and watch's waits) and watch's control client (TmuxLauncher.control).
 */
export const MAX_SESSIONS = 5;

/**
 * A host's transport: every call rides the host's master connection, which is started before the
 * first call and again whenever its socket is gone (ControlPersist ran out, the link dropped).
 * Between those, a call costs one stat of the socket and the call itself.
 */
export class SshConnection {
  private socket: string | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly target: SshTarget,
    /** ControlPersist of the master, seconds (ssh-master.ts's default when unset). */
    readonly persistSec?: number,
  ) {}

  /**
   * Runs `argv` on the host (see runOverSsh). `timeoutMs` bounds the whole call, the master's
   * start included; a host that cannot be reached rejects with HostUnreachableError.
   */
  async run(argv: readonly RemoteWord[], opts: SshRunOptions): Promise<SshRunResult> {
    const deadline = Date.now() + opts.timeoutMs;
    await this.connect(opts.timeoutMs);
    const r = await this.session(() => runOverSsh(this.target, argv, { ...opts, timeoutMs: Math.max(1, deadline - Date.now()) }));
    if (r.masterLost) this.lostMaster(); // its socket is stale: the next call starts a master again
    return r;
  }

  /**
   * Runs `call` when fewer than MAX_SESSIONS calls are in flight on this connection, else once one
   * ends. sshd refuses sessions past its MaxSessions (10 by default) on one connection, and ssh
   * then opens a connection of its own for each call over (a key exchange each, a notice in its
   * stderr). For any ssh call that rides this host's master (a tmux client launched over ssh too).
   */
  async session<T>(call: () => Promise<T>): Promise<T> {
    if (this.inFlight >= MAX_SESSIONS) await new Promise<void>((go) => this.waiting.push(go));
    else this.inFlight++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on as is
      else this.inFlight--;
    }
  }

  /**
   * Starts the master unless its socket is there. The socket's path is known without running ssh
   * when an earlier command resolved it (ssh-master.ts's knownSocketPath): then a command whose
   * master is up starts no ssh before its first call. A socket that is there but dead is found by
   * that call (it goes direct and says `masterLost`), and the next call starts a master.
   */
  async connect(timeoutMs: number): Promise<void> {
    // The folder first: a path read from a file is trusted only in a folder that is ours alone.
    if (!this.socket) {
      ensureControlDir(this.target.stateDir);
      this.socket = knownSocketPath(this.target, (this.persistSec ?? DEFAULT_PERSIST_SEC) * 1000);
    }
    if (this.socket && isSocket(this.socket)) return;
    const deadline = Date.now() + timeoutMs;
    await ensureMaster(this.target, { timeoutMs, ...(this.persistSec !== undefined && { persistSec: this.persistSec }) });
    this.socket = await controlSocketPath(this.target, Math.max(1, deadline - Date.now()));
  }

  /** A call found no master behind the socket: forget it here and for the next commands. */
  lostMaster(): void {
    this.socket = undefined;
    forgetSocketPath(this.target);
  }

  /** Ends the master connection (`ssh -O exit`); the next call starts another. */
  async close(timeoutMs?: number): Promise<boolean> {
    this.socket = undefined;
    return closeMaster(this.target, timeoutMs);
  }
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
