import type { Backoff, RestartPolicy } from './types.js';

/**
 * A spec document as the JSON Schema guarantees it once validated, with the schema's defaults
 * filled in by ajv. Only code that runs after a successful validation may assume this shape.
 */
export interface RawSpecFile {
  version: 1;
  sessions: Record<string, RawSession>;
}

export type RawCommand = string | string[];

export interface RawSession {
  command: RawCommand;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  envFile?: string | string[];
  requiredEnv?: string[];
  restart: RestartPolicy;
  startSeconds: number;
  stopTimeoutSeconds: number;
  backoff: Backoff;
  healthCheck?: RawHealthCheck;
  orphans?: { match: string; maxMatches?: number };
}

export interface RawHealthCheck {
  command?: RawCommand;
  outputWithinSeconds?: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** No schema default: it depends on the kind of check (see health-check.ts). */
  failureThreshold?: number;
}
