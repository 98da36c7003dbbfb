import { isNoServer, type Tmux, tmuxFailure } from './client.js';

export type HeldServer = { started: true; pid: number } | { started: false; pid: number };

/**
 * Makes sure a tmux server runs on this socket and stays running with no session, for
 * `tmuxctl service start-server` (what the systemd unit runs, in a scope of its own, before watch).
 *
 * `start-server` alone does not keep a server: on tmux 3.3a a server with no session exits as soon
 * as its client has gone (exit-empty is on by default), so the unit's old recipe left nothing
 * running and watch then started the server inside the unit's cgroup after all. `exit-empty off`,
 * set by the same client that starts the server (before it can exit), keeps it until `kill-server`.
 * A server that already runs is left exactly as it is: it is the user's, options included.
 */
export async function holdServer(tmux: Tmux): Promise<HeldServer> {
  await tmux.checkVersion();
  const running = await tmux.exec(['display-message', '-p', '#{pid}']);
  if (running.code === 0) return { started: false, pid: Number(running.stdout.trim()) };
  if (!isNoServer(running.stderr)) throw tmuxFailure(['display-message'], running);
  const args = ['start-server', ';', 'set-option', '-s', 'exit-empty', 'off', ';', 'display-message', '-p', '#{pid}'];
  const out = await tmux.run(args);
  return { started: true, pid: Number(out.trim()) };
}
