import { envEntryProblem } from './argument-limits.js';
import { displayPath } from './display-path.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import type { EnvFileReader } from './read-env-file.js';
import type { RawInheritable } from './raw-spec.js';
import { resolveSpecPath } from './resolve-path.js';

export interface EnvContext {
  specDir: string;
  home: string;
  cwd: string;
  callerEnv: Record<string, string | undefined>;
  envFiles: EnvFileReader;
  /** How a scalar was spelled in the YAML, so `VERSION: 1.10` stays "1.10" rather than becoming "1.1". */
  sourceText(docPath: DocPath): string | undefined;
}

/*
 * The environment a pane adds on top of tmux's global one. Precedence, low to high: the caller's
 * values for the requiredEnv names only (everything else of tmuxctl's own environment is not the
 * pane's business), then the env files in order, then `env` of the session, the window, the pane.
 * Each part is read once per place in the file that declares it (a session's env file is read and
 * reported once, however many panes inherit it), then merged per pane.
 * Values are secrets: issues name variables and files, never values.
 */

/** One level's `env` map, values as written. */
export function readEnvMap(env: RawInheritable['env'], at: DocPath, ctx: EnvContext): { vars: Map<string, string>; issues: Issue[] } {
  const vars = new Map<string, string>();
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(env ?? {})) {
    const path = [...at, name];
    const text = typeof value === 'string' ? value : (ctx.sourceText(path) ?? String(value));
    const problem = envEntryProblem(name, text);
    if (problem) issues.push({ path, at: 'value', message: `${formatPath(path)} ${problem}` });
    vars.set(name, text);
  }
  return { vars, issues };
}

export interface EnvFilesRead {
  /** Absolute paths, in order. */
  files: string[];
  /** Their variables, later files winning. */
  vars: Map<string, string>;
  /** False when a file is missing or has unreadable lines: the variables may be incomplete. */
  complete: boolean;
  issues: Issue[];
}

/** One level's `envFile` (a path or a list), relative to the spec file. */
export async function readEnvFiles(envFile: RawInheritable['envFile'], at: DocPath, ctx: EnvContext): Promise<EnvFilesRead> {
  const refs =
    envFile === undefined ? [] : typeof envFile === 'string' ? [{ value: envFile, path: at }] : envFile.map((value, i) => ({ value, path: [...at, i] }));
  const out: EnvFilesRead = { files: [], vars: new Map(), complete: true, issues: [] };
  for (const ref of refs) {
    const file = resolveSpecPath(ref.value, ctx.specDir, ctx.home);
    out.files.push(file);
    const read = await ctx.envFiles.read(file);
    if (!read.ok) {
      out.complete = false;
      out.issues.push({
        path: ref.path,
        at: 'value',
        message: `${formatPath(ref.path)}: env file ${JSON.stringify(ref.value)} ${read.reason} (looked for ${displayPath(file, ctx.cwd)})`,
      });
      continue;
    }
    if (read.malformed) out.complete = false;
    for (const [name, value] of read.vars) out.vars.set(name, value);
  }
  return out;
}

/** The caller's values of one level's requiredEnv names, with an issue for each that cannot reach a process. */
export function readCallerValues(names: readonly string[], at: DocPath, ctx: EnvContext): { vars: Map<string, string>; issues: Issue[] } {
  const vars = new Map<string, string>();
  const issues: Issue[] = [];
  names.forEach((name, i) => {
    const value = ctx.callerEnv[name];
    if (value === undefined) return;
    const problem = envEntryProblem(name, value);
    if (problem) {
      const path = [...at, i];
      issues.push({ path, at: 'value', message: `${formatPath(path)}: ${name} in the environment tmuxctl runs in ${problem}` });
    }
    vars.set(name, value);
  });
  return { vars, issues };
}

/** Layers merged low to high, sorted by name so that reordering lines of an env file does not look like a change. */
export function mergeEnv(layers: readonly ReadonlyMap<string, string>[]): Record<string, string> {
  const merged = new Map<string, string>();
  for (const layer of layers) for (const [name, value] of layer) merged.set(name, value);
  return Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The requiredEnv names (by index) a merged environment leaves unset or empty. */
export function missingRequired(
  names: readonly string[],
  env: Readonly<Record<string, string>>,
): { index: number; name: string; state: 'is not set' | 'is empty' }[] {
  const missing: { index: number; name: string; state: 'is not set' | 'is empty' }[] = [];
  names.forEach((name, index) => {
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined) missing.push({ index, name, state: 'is not set' });
    else if (value === '') missing.push({ index, name, state: 'is empty' });
  });
  return missing;
}
