import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerAddress } from '../tmux/client.js';

/** --state-dir, else $TMUXCTL_STATE_DIR, else $XDG_STATE_HOME/tmuxctl, else ~/.local/state/tmuxctl. */
export function stateDir(flag: string | undefined, env: Record<string, string | undefined>): string {
  if (flag) return resolve(flag);
  if (env.TMUXCTL_STATE_DIR) return resolve(env.TMUXCTL_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'tmuxctl');
  return join(env.HOME || homedir(), '.local', 'state', 'tmuxctl');
}

/** The socket tmux itself would use for these flags (tmux's own rule: -S, else TMUX_TMPDIR/tmux-UID/NAME). */
export function socketPath(server: ServerAddress, env: Record<string, string | undefined>, uid = process.getuid?.() ?? 0): string {
  if (server.socketPath) return resolve(server.socketPath);
  return join(env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, server.socketName ?? 'default');
}

/** Names one tmux server in the state dir, so that two spellings of the same socket agree. */
export function serverTag(socket: string): string {
  return createHash('sha256').update(socket).digest('hex').slice(0, 16);
}

/** One reconcile lock per tmux server. */
export function lockPath(dir: string, tag: string): string {
  return join(dir, 'locks', `server-${tag}.lock`);
}

/** Where a session's output is kept: per server, since two servers may each have an "api". */
export function sessionLogDir(dir: string, tag: string): string {
  return join(dir, 'logs', `server-${tag}`);
}
