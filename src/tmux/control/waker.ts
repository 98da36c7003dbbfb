import type { TmuxClient } from '../client.js';
import { WAKE_CHANNEL } from '../options.js';
import { commandLine } from '../quote.js';
import { ControlConnection } from './connection.js';

/**
 * A control client of its own, blocked in `wait-for` on the wake channel: tmux's hooks signal it in
 * the server (no process anywhere), and the answer arrives on this connection. It cannot share
 * the command connection: a waiting `wait-for` holds up every command queued behind it on its client.
 */
export class ControlWaker {
  private constructor(private readonly conn: ControlConnection) {}

  /** Rejects with ControlLostError when no control client can attach (no server, no session). */
  static async open(tmux: TmuxClient, attachTo: string, onClose: (why: string) => void): Promise<ControlWaker> {
    return new ControlWaker(
      await ControlConnection.open({ binary: tmux.binary, server: tmux.server, env: tmux.env, attachTo, connectTimeoutMs: tmux.timeoutMs, onClose }),
    );
  }

  get pid(): number | undefined {
    return this.conn.pid;
  }

  /** Resolves when the channel is signalled; rejects with ControlLostError when the connection ends. */
  async next(): Promise<void> {
    await this.conn.request([commandLine(['wait-for', WAKE_CHANNEL])], Number.POSITIVE_INFINITY);
  }

  close(): void {
    this.conn.close();
  }
}
