import type { Backoff, DependencyCondition, RestartLimit, RestartPolicy, UpdateStrategy } from './types.js';

/**
 * A spec document as the JSON Schema guarantees it once validated. The schema fills in no
 * defaults: a default written on a window or pane would override what its session says, so
 * defaults are applied after inheritance (defaults.ts). Only code that runs after a successful
 * validation may assume this shape; normalise.ts reads each key only when the schema accepted it.
 */
export interface RawSpecFile {
  version: 1;
  sessions: Record<string, RawSession>;
}

export type RawCommand = string | string[];

/** The settings that may stand on a session, a window or a pane; the nearest wins (`env` maps merge). */
export interface RawInheritable {
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  envFile?: string | string[];
  requiredEnv?: string[];
  restart?: RestartPolicy;
  restartCommand?: RawCommand;
  update?: UpdateStrategy;
  startSeconds?: number;
  stopTimeoutSeconds?: number;
  backoff?: Partial<Backoff>;
  maxRestarts?: RestartLimit;
  memoryLimitMB?: number;
  healthCheck?: RawHealthCheck;
  orphans?: { match: string; maxMatches?: number };
  shell?: string;
  dependsOn?: Record<string, DependencyCondition>;
}

/** Exactly one of `command` / `keys` (a pane), or of those and `panes` / `windows` (a window, a session). */
export interface RawPane extends RawInheritable {
  command?: RawCommand;
  keys?: string;
}

export interface RawWindow extends RawPane {
  name: string;
  layout?: string;
  panes?: RawPane[];
}

export interface RawSession extends RawPane {
  windows?: RawWindow[];
}

export interface RawHealthCheck {
  command?: RawCommand;
  outputWithinSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  startPeriodSeconds?: number;
}

/** The keys every level may carry, in the order the schema lists them. */
export const INHERITABLE_KEYS = [
  'cwd',
  'env',
  'envFile',
  'requiredEnv',
  'restart',
  'restartCommand',
  'update',
  'startSeconds',
  'stopTimeoutSeconds',
  'backoff',
  'maxRestarts',
  'memoryLimitMB',
  'healthCheck',
  'orphans',
  'shell',
  'dependsOn',
] as const satisfies readonly (keyof RawInheritable)[];
