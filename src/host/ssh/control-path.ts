import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where the control sockets of the shared ssh connections live. A unix socket path holds at most
 * 107 bytes, and ssh makes the socket as `<ControlPath>.<16 random>` before renaming it, where
 * ControlPath is `<dir>/%C` and %C is 40 hex digits: so `<dir>` may be at most 107 - 17 - 41 = 49 bytes.
 */
export const CONTROL_DIR_MAX = 49;

/**
 * `<stateDir>/ssh` when it is short enough, else a short folder of this user under /tmp, one per
 * state dir (two state dirs never share a connection): `/tmp/tmuxctl-ssh-UID/<12 hex>`. Pure.
 */
export function controlDir(stateDir: string, uid: number): string {
  const inState = join(stateDir, 'ssh');
  if (Buffer.byteLength(inState) <= CONTROL_DIR_MAX) return inState;
  const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 12);
  return join(controlRoot(uid), tag);
}

/** The per-user folder under /tmp that holds the short control dirs; must be ours and 0700. */
export function controlRoot(uid: number): string {
  return `/tmp/tmuxctl-ssh-${uid}`;
}

/** The ControlPath option: ssh puts a hash of (local host, remote host, port, user) in place of %C. */
export function controlPathOption(dir: string): string {
  return join(dir, '%C');
}
