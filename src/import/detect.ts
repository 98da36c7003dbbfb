import path from 'node:path';
import type { Format } from './draft.js';
import { isSourceMap } from './fields.js';

/** Formats told by the file's name alone. */
export function formatByName(file: string): Format | undefined {
  const base = path.basename(file);
  if (/^Procfile/i.test(base)) return 'procfile';
  // Only pm2 keeps its configuration in a program.
  if (/\.(c|m)?js$/i.test(base)) return 'pm2';
  if (/^process-compose.*\.ya?ml$/i.test(base)) return 'process-compose';
  return undefined;
}

/** Formats told by what a parsed YAML or JSON file holds: each has a top-level key of its own. */
export function formatByContent(data: unknown, hadErb: boolean): Format | undefined {
  if (!isSourceMap(data)) return Array.isArray(data) && data.every((app) => isSourceMap(app) && 'script' in app) ? 'pm2' : undefined;
  if ('processes' in data) return 'process-compose';
  if ('apps' in data) return 'pm2';
  if ('session_name' in data) return 'tmuxp';
  if ('session' in data && 'windows' in data) return 'smug';
  const named = 'name' in data || 'project_name' in data;
  if ((named && ('windows' in data || 'tabs' in data)) || 'root' in data || 'project_root' in data || hadErb) return 'tmuxinator';
  return undefined;
}
