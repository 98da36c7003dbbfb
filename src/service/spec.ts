import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { hasControlChar } from './quote.js';

/** Everything a unit (or its cron alternative) says, decided once from the command line that installs it. */
export interface ServiceSpec {
  /** Unit name without `.service`. */
  name: string;
  /** The node that ran `service install` (process.execPath) and the CLI file it ran. */
  nodePath: string;
  cliPath: string;
  /** Absolute path of systemd-run, which starts the tmux server in a scope of its own. */
  systemdRun: string;
  /** Global flags every tmuxctl of the unit gets: -L/-S and --state-dir, paths absolute. */
  global: string[];
  /** Spec files and folders, absolute: the unit runs from the user's home, not from where install ran. */
  specPaths: string[];
  /** Variables the unit sets, so that the service finds what the installing shell found. */
  environment: [string, string][];
}

export const DEFAULT_NAME = 'tmuxctl';

/**
 * The variables a service needs from the installing shell, and only those (never tokens):
 * PATH, because the user manager's PATH is minimal and tmux, flock and the sessions' commands are
 * looked up on it; TMUX_TMPDIR, because it decides where the `-L` socket lives, so without it the
 * service would supervise another server than the one `tmuxctl status` shows.
 */
const CARRIED = ['PATH', 'TMUX_TMPDIR'] as const;

export interface ServiceInput {
  name?: string;
  specPaths: readonly string[];
  socketName?: string;
  socketPath?: string;
  /** The state dir the installing command resolved (flag, env or default): the service writes where `status` reads. */
  stateDir: string;
  env: Record<string, string | undefined>;
  cwd: string;
  nodePath: string;
  cliPath: string;
  systemdRun: string;
}

export function serviceSpec(input: ServiceInput): ServiceSpec {
  const name = unitName(input.name);
  const abs = (p: string) => resolve(input.cwd, p);
  const global: string[] = [];
  if (input.socketPath) global.push('-S', abs(input.socketPath));
  else if (input.socketName) global.push('-L', input.socketName);
  global.push('--state-dir', abs(input.stateDir));
  const environment: [string, string][] = [];
  for (const k of CARRIED) {
    const v = input.env[k];
    if (v) environment.push([k, v]);
  }
  const spec: ServiceSpec = {
    name,
    nodePath: input.nodePath,
    cliPath: input.cliPath,
    systemdRun: input.systemdRun,
    global,
    specPaths: input.specPaths.map(abs),
    environment,
  };
  for (const word of [...spec.global, ...spec.specPaths, spec.nodePath, spec.cliPath, ...environment.map(([, v]) => v)]) {
    if (hasControlChar(word))
      throw new UsageError(`${JSON.stringify(word)}: a control character (newline, tab) cannot be written into a unit; rename the path`);
  }
  return spec;
}

/** `--name`: a unit name of letters, digits, `.`, `_`, `-` (a trailing `.service` is accepted and dropped). */
export function unitName(raw: string | undefined): string {
  const name = (raw ?? DEFAULT_NAME).replace(/\.service$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name))
    throw new UsageError(`--name ${JSON.stringify(raw)}: must be letters, digits, '.', '_' or '-' (at most 100, not starting with a sign), e.g. tmuxctl-work`);
  return name;
}

/** What a systemd user manager gives every service of its own (systemd.exec "Environment variables in spawned processes"). */
const MANAGER_GIVES = ['HOME', 'USER', 'LOGNAME', 'SHELL', 'XDG_RUNTIME_DIR', 'LANG'] as const;

/**
 * The environment watch will see inside the unit: the manager's own few variables and the carried
 * ones, not the installing shell's. Install validates the specs against this, so a `botTokenEnv` or
 * `${NAME}` that only the shell sets is refused at install, not met by a unit that fails every start.
 */
export function unitEnvironment(spec: Pick<ServiceSpec, 'environment'>, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of MANAGER_GIVES) if (env[k] !== undefined) out[k] = env[k];
  for (const [k, v] of spec.environment) out[k] = v;
  return out;
}

/** `node CLI -L x --state-dir D ARGS...`: how the unit and the cron line run tmuxctl. */
export function tmuxctlArgv(spec: ServiceSpec, args: readonly string[]): string[] {
  return [spec.nodePath, spec.cliPath, ...spec.global, ...args];
}

export function watchArgs(spec: ServiceSpec): string[] {
  return ['watch', ...spec.specPaths.flatMap((p) => ['-f', p])];
}
