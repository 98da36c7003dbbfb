import { serverArgs, type TmuxClient } from '../client.js';

/**
 * Why a control client attaches alone (tmux before 3.7 crashes otherwise).
 *
 * A tmux client says hello in several messages: its flags first (`-C` sets CLIENT_CONTROL), then its
 * terminal, stdin and stdout (each descriptor passed on its own, so the server reads the hello in two
 * or more reads), its pid, environment and IDENTIFY_DONE, which is when the server allocates the
 * control client's state. Between those reads the server runs its command queues. tmux 3.3a to 3.6b
 * then send every control-mode notification that is not tied to a session (%sessions-changed from
 * any new-session or kill-session, %client-detached, %window-pane-changed from a split,
 * %session-window-changed, %session-renamed, %pane-mode-changed) to every client with CLIENT_CONTROL
 * set, the half-greeted one included, and control_write() dereferences its missing state: the server
 * segfaults ("segfault at 20" in control_write) and every session on it is lost. Fixed upstream in
 * 3.7 (tmux commit c51da10). A client that dies half-way through its hello crashes the same
 * servers in control_stop() ("segfault at 38"; tmux commit 1fb355e): connection.ts never SIGKILLs a
 * client tmux has not answered yet.
 *
 * This gate keeps tmuxctl's own work out of that window: while one of this process's control
 * clients attaches to a server, none of its tmux calls to that server runs (they wait), and an attach waits until every call
 * under way has answered and every control client being ended has exited (its detach notifies). Other
 * processes' commands (a person's, another tmuxctl's) are not held by it; attaching rarely (once
 * per server, and when tmux ends the client) is what keeps that chance small.
 */
export class AttachGate {
  private calls = 0;
  private attaching: Promise<void> | undefined;
  private readonly drained: (() => void)[] = [];
  private readonly ending = new Set<Promise<void>>();

  /** Runs one tmux call; it waits while a control client attaches. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    while (this.attaching) await this.attaching;
    this.calls++;
    try {
      return await fn();
    } finally {
      this.calls--;
      if (this.calls === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }

  /**
   * Runs an attach alone: after the calls under way have answered and the clients being ended have
   * exited, one attach at a time, no call starting until it is settled.
   */
  async attach<T>(fn: () => Promise<T>): Promise<T> {
    while (this.attaching) await this.attaching;
    let done!: () => void;
    this.attaching = new Promise<void>((r) => (done = r));
    try {
      if (this.calls > 0) await new Promise<void>((r) => this.drained.push(r));
      await Promise.all([...this.ending]);
      return await fn();
    } finally {
      this.attaching = undefined;
      done();
    }
  }

  /** A client being ended: the next attach waits for it to be gone (settle it when it has exited). */
  ended(gone: Promise<void>): void {
    this.ending.add(gone);
    void gone.finally(() => this.ending.delete(gone));
  }
}

const gates = new Map<string, AttachGate>();

/**
 * The gate of one tmux server (this machine's by its -L/-S, a host's by its name too): the command
 * connection, the waker and every call to that server share it. Only calls to the same server can
 * land in its attach's window; a host's attach over ssh, which can take seconds on a slow link, must
 * not hold this machine's repairs or another host's.
 */
export function attachGateOf(client: Pick<TmuxClient, 'server' | 'launcher'>): AttachGate {
  const key = `${client.launcher?.where ?? ''}${serverArgs(client.server).join(' ')}`;
  let gate = gates.get(key);
  if (!gate) gates.set(key, (gate = new AttachGate()));
  return gate;
}
