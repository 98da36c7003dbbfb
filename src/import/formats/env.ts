import type { Fields } from '../fields.js';
import { isSourceMap } from '../fields.js';

/** Values a spec's `env` takes as written: strings, numbers, booleans. */
export type EnvValue = string | number | boolean;

/**
 * An environment map from the source (`environment:` of tmuxp, `env:` of smug and pm2). Values
 * that are not scalars are noted one by one; the rest is copied as the user wrote it.
 */
export function envFrom(fields: Fields, key: string): Record<string, EnvValue> | undefined {
  const value = fields.take(key);
  if (value === undefined || value === null) return undefined;
  if (!isSourceMap(value)) {
    fields.note(key, value, 'expected a map of NAME: value');
    return undefined;
  }
  const env: Record<string, EnvValue> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[name] = v;
    else if (v === null || v === undefined) env[name] = '';
    else fields.note(`${key}.${name}`, v, 'an environment value must be a string, number or boolean');
  }
  return Object.keys(env).length > 0 ? env : undefined;
}

/** process-compose and docker compose write the environment as a list of `NAME=value`. */
export function envFromList(fields: Fields, key: string): Record<string, EnvValue> | undefined {
  const value = fields.take(key);
  if (value === undefined || value === null) return undefined;
  if (isSourceMap(value)) return envFrom(fields, key);
  if (!Array.isArray(value)) {
    fields.note(key, value, 'expected a list of NAME=value');
    return undefined;
  }
  const env: Record<string, EnvValue> = {};
  value.forEach((item, i) => {
    const text = typeof item === 'string' ? item : undefined;
    const eq = text?.indexOf('=') ?? -1;
    if (text === undefined || eq <= 0) fields.note(`${key}[${i}]`, item, 'expected NAME=value');
    else env[text.slice(0, eq)] = text.slice(eq + 1);
  });
  return Object.keys(env).length > 0 ? env : undefined;
}
