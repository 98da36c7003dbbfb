import type { NotifyChannel } from '../notify/types.js';
export { LOCAL_HOST } from './host-name.js';

/** How a command reaches the pane: a shell string run once under `sh -c`, or argv exec'd as is. */
export type Command = { kind: 'shell'; script: string } | { kind: 'argv'; argv: string[] };

export type RestartPolicy = 'always' | 'on-failure' | 'never';

/**
 * When a spec change restarts a running pane: at once (`restart`), once nobody is attached to its
 * session (`when-detached`), or the next time its process ends by itself (`on-exit`, Kubernetes'
 * OnDelete). `apply --force` and `tmuxctl restart` do not wait.
 */
export type UpdateStrategy = 'restart' | 'when-detached' | 'on-exit';

export interface Backoff {
  initialSeconds: number;
  maxSeconds: number;
  resetAfterSeconds: number;
}

/** After `count` automatic restarts within `withinSeconds`, the pane is left `failed` (systemd's StartLimitBurst). */
export interface RestartLimit {
  count: number;
  withinSeconds: number;
}

/** startPeriodSeconds: failures this long after a start are not counted; absent means 0. */
export type HealthCheck =
  | { kind: 'command'; command: Command; intervalSeconds: number; timeoutSeconds: number; failureThreshold: number; startPeriodSeconds?: number }
  | { kind: 'output'; outputWithinSeconds: number; intervalSeconds: number; failureThreshold: number; startPeriodSeconds?: number };

/**
 * What a dependency must be before its dependent is started: `started` (alive past its
 * startSeconds), `healthy` (its health check passed once in its current run), `completed` (exited
 * with status 0: a one-shot job).
 */
export type DependencyCondition = 'started' | 'healthy' | 'completed';

/** One entry of `dependsOn`: a target (`session`, `session:window` or `session:window.N`) and its condition. */
export interface Dependency {
  target: string;
  condition: DependencyCondition;
}

/**
 * Where a pane sits in its session, as people and `status` name it: `session` for a session of one
 * pane, `session:window.N` otherwise (N = position in the spec's `panes`, from 0).
 */
export interface PaneKey {
  session: string;
  window: string;
  /** Position in the window's declared panes, from 0. */
  index: number;
}

/**
 * One supervised process, normalised: every field inherited session → window → pane at load time
 * (the nearest wins, `env` maps merge), defaults filled in, paths absolute, environment resolved.
 * The planner never walks inheritance.
 */
export interface PaneSpec extends PaneKey {
  /** `session` when the session has one pane, else `session:window.N`. */
  target: string;
  /** Absolute path of the spec file that declares the session. */
  source: string;
  /**
   * What the pane execs. For a `keys` pane: the interactive shell (`shell:`, default the user's
   * login shell), as argv.
   */
  command: Command;
  /** Typed into the shell (`command`) once it is ready, followed by Enter; absent for a command pane. */
  keys?: string;
  /**
   * Working directory: absolute for a session on this machine; on a remote host absolute or
   * starting with `~` (the remote user's home, expanded there: spec/remote-path.ts).
   */
  cwd: string;
  /**
   * The environment this pane adds on top of the tmux server's global environment:
   * caller's values for requiredEnv names, then env files (last wins), then `env` (session, then
   * window, then pane). These values are secrets as far as tmuxctl knows: never logged, never put
   * in argv, never typed.
   */
  env: Record<string, string>;
  /** Absolute paths of the env files read, in order (watch re-applies when they change). */
  envFiles: string[];
  restart: RestartPolicy;
  /**
   * Run instead of `command` when the pane is restarted after its process ended (crash, exit, failed
   * health check); never for a `keys` pane. Not part of the spec hash: it is not what runs now.
   */
  restartCommand?: Command;
  /** Not part of the spec hash either: how a change is rolled out is not what the process sees. */
  update: UpdateStrategy;
  startSeconds: number;
  stopTimeoutSeconds: number;
  backoff: Backoff;
  /** Absent: restarted for ever (spaced by backoff). Not part of the spec hash. */
  maxRestarts?: RestartLimit;
  /** watch restarts the pane when its tree's RSS stays above this (MiB) for two looks. Not part of the spec hash. */
  memoryLimitMB?: number;
  healthCheck?: HealthCheck;
  /** maxMatches: absent means the default (plan/orphans.ts). */
  orphans?: { match: string; maxMatches?: number };
  /**
   * Not started until each is met (plan/dependencies.ts); sorted by target. Not part of the spec
   * hash: what a process waits for before it starts is not what it sees.
   */
  dependsOn?: Dependency[];
}

export interface WindowSpec {
  /** Unique in its session. For a session declared with `command`/`keys` directly, the session's name. */
  name: string;
  /** One of tmux's layout names or a tmux layout string; absent: tmux's `tiled` after each split. */
  layout?: string;
  /** At least one. */
  panes: PaneSpec[];
}

/** One declared session: a layout of windows of panes, in spec order. */
export interface SessionSpec {
  name: string;
  /**
   * Where it runs: `local` (LOCAL_HOST, this machine) or the name of a declared host. A session
   * declared with `hosts: [a, b]` is one SessionSpec per host, alike but for this field. Not part
   * of any spec hash: moving a session is a create on one host and a prune on the other.
   */
  host: string;
  /** Absolute path of the spec file that declares it. */
  source: string;
  /**
   * False for today's form (`command` or `keys` directly under the session): one window, one pane,
   * named after the session, whose window keeps tmux's automatic name.
   */
  windowsDeclared: boolean;
  /** At least one. */
  windows: WindowSpec[];
  /**
   * Where a person is told about this session's panes: the file's `notify`, then the session's own,
   * resolved (secrets in hand: never logged). Not part of any spec hash: it is not what runs.
   */
  notify?: NotifyChannel[];
  /** Absolute paths of the file-level env files `notify` was resolved with (watch reloads when they change). */
  notifyEnvFiles?: string[];
}

/** Every pane of a session, in spec order (window by window). */
export function panesOf(session: SessionSpec): PaneSpec[] {
  return session.windows.flatMap((w) => w.panes);
}

/** A machine reached over OpenSSH, declared under a file's `hosts`. */
export interface HostSpec {
  /** Its name in specs, targets (`gpu1/agent-a`) and `--host`; never `local`. */
  name: string;
  /** The destination given to ssh as one argument (after `--`): never starts with '-'. */
  ssh: string;
  /** tmuxctl's state folder on the remote: absolute or starting with `~` (the remote's home, unexpanded). */
  stateDir: string;
  /** Absolute path of the spec file that declares it. */
  source: string;
}

/** Everything that was asked for, loaded all-or-nothing from the given paths. */
export interface DesiredState {
  /** Sorted by name, then host (`local` first). A name may recur, on different hosts only. */
  sessions: SessionSpec[];
  /** Every declared host (whether or not a session uses it), sorted by name; `local` is implied, never listed. */
  hosts: HostSpec[];
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
