import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where user units live: `$XDG_CONFIG_HOME/systemd/user` (`~/.config/systemd/user`), which the user
 * manager searches. `TMUXCTL_SYSTEMD_USER_DIR` replaces it, so tests (and packagers) never write into
 * the real user's configuration.
 */
export function unitDir(env: Record<string, string | undefined>): string {
  if (env.TMUXCTL_SYSTEMD_USER_DIR) return resolve(env.TMUXCTL_SYSTEMD_USER_DIR);
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'systemd', 'user');
}

export function unitFile(env: Record<string, string | undefined>, name: string): string {
  return join(unitDir(env), `${name}.service`);
}
