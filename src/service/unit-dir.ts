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

/**
 * The other folders the user manager loads units from (systemd.unit(5), "User Unit Search Path"), or
 * `$SYSTEMD_UNIT_PATH` when set, as systemd itself reads it (an empty part: the defaults). A unit of
 * the same name in `unitDir` would shadow one of these: someone else's service, never tmuxctl's to replace.
 */
export function otherUnitDirs(env: Record<string, string | undefined>): string[] {
  const home = env.HOME || homedir();
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const defaults = [
    join(config, 'systemd', 'user'),
    '/etc/systemd/user',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'systemd', 'user')] : []),
    join(data, 'systemd', 'user'),
    ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share')
      .split(':')
      .filter(Boolean)
      .map((d) => join(d, 'systemd', 'user')),
    '/usr/local/lib/systemd/user',
    '/usr/lib/systemd/user',
    '/lib/systemd/user',
  ];
  const fromEnv = env.SYSTEMD_UNIT_PATH;
  const dirs = fromEnv === undefined ? defaults : fromEnv.split(':').flatMap((d) => (d === '' ? defaults : [d]));
  const own = unitDir(env);
  return [...new Set(dirs.map((d) => resolve(d)))].filter((d) => d !== own);
}
