/**
 * One spec host reached over OpenSSH: what every ssh call for it needs. Built by the caller from the
 * spec's `hosts:` entry and the command line; the transport reads nothing else.
 */
export interface SshTarget {
  /** The host's name in the spec (`gpu1`): the first word of every message about it. */
  readonly name: string;
  /**
   * The destination exactly as the spec's `ssh:` says: a `Host` alias of the ssh config,
   * `user@host`, or `ssh://user@host:port`. Passed to ssh as one argument, never parsed here.
   */
  readonly ssh: string;
  /** This machine's state dir: the control sockets of the shared connections live in `<stateDir>/ssh/`. */
  readonly stateDir: string;
  /** An ssh_config file passed as `-F` (TMUXCTL_SSH_CONFIG); unset: ssh's own (~/.ssh/config, /etc/ssh/ssh_config). */
  readonly configFile?: string;
  /** ssh's ConnectTimeout, seconds: how long the TCP connect and the banner exchange may take. */
  readonly connectTimeoutSec: number;
}

/** ConnectTimeout when the caller has no reason to choose another. */
export const DEFAULT_CONNECT_TIMEOUT_SEC = 10;

/**
 * The ssh_config file from TMUXCTL_SSH_CONFIG. OpenSSH reads ~/.ssh/config from the passwd home,
 * not $HOME, so this is the only way to point it at another file without editing that one.
 */
export function sshConfigFromEnv(env: Record<string, string | undefined>): string | undefined {
  return env.TMUXCTL_SSH_CONFIG || undefined;
}
