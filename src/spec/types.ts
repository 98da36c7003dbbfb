/** How a command reaches the pane: a shell string run once under `sh -c`, or argv exec'd as is. */
export type Command = { kind: 'shell'; script: string } | { kind: 'argv'; argv: string[] };

export type RestartPolicy = 'always' | 'on-failure' | 'never';

export interface Backoff {
  initialSeconds: number;
  maxSeconds: number;
  resetAfterSeconds: number;
}

export type HealthCheck =
  | { kind: 'command'; command: Command; intervalSeconds: number; timeoutSeconds: number; failureThreshold: number }
  | { kind: 'output'; outputWithinSeconds: number; intervalSeconds: number; failureThreshold: number };

/** One declared session, normalised: defaults filled in, paths absolute, environment resolved. */
export interface SessionSpec {
  name: string;
  /** Absolute path of the spec file that declares it. */
  source: string;
  command: Command;
  /** Absolute working directory. */
  cwd: string;
  /**
   * The environment this spec adds on top of the tmux server's global environment:
   * caller's values for requiredEnv names, then env files (last wins), then `env`.
   * These values are secrets as far as tmuxctl knows: never logged, never put in argv.
   */
  env: Record<string, string>;
  /** Absolute paths of the env files read, in order (watch re-applies when they change). */
  envFiles: string[];
  restart: RestartPolicy;
  startSeconds: number;
  stopTimeoutSeconds: number;
  backoff: Backoff;
  healthCheck?: HealthCheck;
  /** maxMatches: absent means the default (plan/orphans.ts). */
  orphans?: { match: string; maxMatches?: number };
}

/** Everything that was asked for, loaded all-or-nothing from the given paths. */
export interface DesiredState {
  sessions: SessionSpec[];
  /** Absolute paths of the spec files read. */
  files: string[];
  /** Absolute paths given with -f (files or folders): the scope within which undeclared sessions are pruned. */
  roots: string[];
}

/** A problem in the input, located in a file when it can be. Printed as `file:line:col: message`. */
export interface SpecProblem {
  /** The file as the user would name it (relative to the working directory when inside it). */
  file: string;
  line?: number;
  col?: number;
  message: string;
}
