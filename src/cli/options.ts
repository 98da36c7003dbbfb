import { UsageError } from '../errors.js';

/** Global flags, shared by every command. */
export interface GlobalOptions {
  socketName?: string;
  socketPath?: string;
  stateDir?: string;
  logLevel: string;
  color: boolean;
}

export type OutputFormat = 'text' | 'json';

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`-o must be one of: text, json (got "${value}")`);
}
