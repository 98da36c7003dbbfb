import { lstatSync } from 'node:fs';
import type { RemoteWord } from './remote-words.js';
import { closeMaster, controlSocketPath, ensureMaster } from './ssh-master.js';
import { runOverSsh, type SshRunOptions, type SshRunResult } from './ssh-run.js';
import type { SshTarget } from './target.js';

/**
 * A host's transport: every call rides the host's master connection, which is started before the
 * first call and again whenever its socket is gone (ControlPersist ran out, the link dropped).
 * Between those, a call costs one stat of the socket and the call itself.
 */
export class SshConnection {
  private socket: string | undefined;

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
    const r = await runOverSsh(this.target, argv, { ...opts, timeoutMs: Math.max(1, deadline - Date.now()) });
    if (r.masterLost) this.socket = undefined; // its socket is stale: the next call starts a master again
    return r;
  }

  /** Starts the master unless its socket is there. */
  async connect(timeoutMs: number): Promise<void> {
    if (this.socket && isSocket(this.socket)) return;
    const deadline = Date.now() + timeoutMs;
    await ensureMaster(this.target, { timeoutMs, ...(this.persistSec !== undefined && { persistSec: this.persistSec }) });
    this.socket = await controlSocketPath(this.target, Math.max(1, deadline - Date.now()));
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
