import { envEntryProblem } from './argument-limits.js';
import { displayPath } from './display-path.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import type { EnvFileReader } from './read-env-file.js';
import type { RawSession } from './raw-spec.js';
import { resolveSpecPath } from './resolve-path.js';

export interface EnvContext {
  /** The session's path in its document, e.g. ['sessions', 'alpha']. */
  at: DocPath;
  specDir: string;
  home: string;
  cwd: string;
  callerEnv: Record<string, string | undefined>;
  envFiles: EnvFileReader;
  /** How a scalar was spelled in the YAML, so `VERSION: 1.10` stays "1.10" rather than becoming "1.1". */
  sourceText(docPath: DocPath): string | undefined;
}

export interface ResolvedEnv {
  env: Record<string, string>;
  envFiles: string[];
  issues: Issue[];
}

/**
 * The environment a session adds on top of tmux's global one. Precedence, low to high: the
 * caller's values for requiredEnv names only (everything else of tmuxctl's own environment is
 * not the session's business), then env files in order, then `env`.
 * Values are secrets: issues name variables and files, never values.
 */
export async function resolveEnv(raw: RawSession, ctx: EnvContext): Promise<ResolvedEnv> {
  const issues: Issue[] = [];
  const merged = new Map<string, string>();
  const required = raw.requiredEnv ?? [];
  required.forEach((name, i) => {
    const value = ctx.callerEnv[name];
    if (value === undefined) return;
    const problem = envEntryProblem(name, value);
    if (problem) {
      const path = [...ctx.at, 'requiredEnv', i];
      issues.push({ path, at: 'value', message: `${formatPath(path)}: ${name} in the environment tmuxctl runs in ${problem}` });
    }
    merged.set(name, value);
  });

  const envFiles: string[] = [];
  let complete = true;
  for (const ref of envFileRefs(raw.envFile, [...ctx.at, 'envFile'])) {
    const file = resolveSpecPath(ref.value, ctx.specDir, ctx.home);
    envFiles.push(file);
    const read = await ctx.envFiles.read(file);
    if (!read.ok) {
      complete = false;
      issues.push({
        path: ref.path,
        at: 'value',
        message: `${formatPath(ref.path)}: env file ${JSON.stringify(ref.value)} ${read.reason} (looked for ${displayPath(file, ctx.cwd)})`,
      });
      continue;
    }
    if (read.malformed) complete = false;
    for (const [name, value] of read.vars) merged.set(name, value);
  }

  for (const [name, value] of Object.entries(raw.env ?? {})) {
    const path = [...ctx.at, 'env', name];
    const text = typeof value === 'string' ? value : (ctx.sourceText(path) ?? String(value));
    const problem = envEntryProblem(name, text);
    if (problem) issues.push({ path, at: 'value', message: `${formatPath(path)} ${problem}` });
    merged.set(name, text);
  }

  // With an env file missing or partly unreadable, "not set" would blame the wrong thing.
  if (complete) {
    const session = JSON.stringify(String(ctx.at.at(-1)));
    required.forEach((name, i) => {
      const value = merged.get(name);
      if (value !== undefined && value !== '') return;
      const path = [...ctx.at, 'requiredEnv', i];
      const state = value === undefined ? 'is not set' : 'is empty';
      issues.push({
        path,
        at: 'value',
        message:
          `${formatPath(path)}: session ${session} requires ${name}, which ${state} ` +
          `(set it under env, in an env file, or in the environment tmuxctl runs in)`,
      });
    });
  }

  // Sorted so that reordering lines of an env file does not look like a change to the session.
  const env = Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { env, envFiles, issues };
}

function envFileRefs(envFile: RawSession['envFile'], at: DocPath): { value: string; path: DocPath }[] {
  if (envFile === undefined) return [];
  if (typeof envFile === 'string') return [{ value: envFile, path: at }];
  return envFile.map((value, i) => ({ value, path: [...at, i] }));
}
