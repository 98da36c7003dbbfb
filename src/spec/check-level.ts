import { argumentProblem, commandIssues } from './argument-limits.js';
import { fillBackoff } from './defaults.js';
import { normaliseHealthCheck } from './health-check.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import type { RawPane } from './raw-spec.js';
import { remotePath } from './remote-path.js';
import { resolveCwd } from './resolve-cwd.js';
import { type EnvContext, type EnvFilesRead, readCallerValues, readEnvFiles, readEnvMap } from './resolve-env.js';
import { toCommand } from './to-command.js';
import type { Backoff, Command, Dependency, HealthCheck, RestartLimit, RestartPolicy, UpdateStrategy } from './types.js';

export interface LevelContext extends EnvContext {
  /** See LoadOptions.cwdMustExist. */
  cwdMustExist: boolean;
  /** The session runs on a remote host: its `cwd` is a path there, neither resolved nor checked here (remote-path.ts). */
  remote: boolean;
}

/**
 * What one place in the file (a session, a window or a pane) says itself, checked and resolved
 * once, however many panes inherit it: a bad session `cwd` is one problem, not one per pane.
 * A value is present when the level declares the key and the key is valid; `declared` also holds
 * the keys that are invalid, because a declared key hides the levels above it even then.
 */
export interface LevelSettings {
  declared: ReadonlySet<string>;
  command?: Command;
  keys?: string;
  cwd?: string;
  env?: ReadonlyMap<string, string>;
  envFile?: EnvFilesRead;
  requiredEnv?: { names: readonly string[]; at: DocPath; callerValues: ReadonlyMap<string, string> };
  restart?: RestartPolicy;
  restartCommand?: Command;
  update?: UpdateStrategy;
  startSeconds?: number;
  stopTimeoutSeconds?: number;
  backoff?: Backoff;
  maxRestarts?: RestartLimit;
  memoryLimitMB?: number;
  healthCheck?: HealthCheck;
  orphans?: { match: string; maxMatches?: number };
  shell?: string;
  /** Sorted by target; checked against the other sessions once every file is loaded (dependency-check.ts). */
  dependsOn?: Dependency[];
}

/**
 * Checks what the schema cannot express on the keys it accepted (`accepted(key)`): what reaches a
 * process must reach it whole (no NUL byte, no argument past the kernel's limit), folders and env
 * files must exist, regular expressions must compile, backoff must not shrink. Issues are reported
 * at this level's own keys.
 */
export async function checkLevel(
  raw: RawPane,
  at: DocPath,
  accepted: (key: string) => boolean,
  ctx: LevelContext,
): Promise<{ settings: LevelSettings; issues: Issue[] }> {
  const declared = new Set(Object.keys(raw).filter((key) => (raw as Record<string, unknown>)[key] !== undefined));
  const settings: { -readonly [K in keyof LevelSettings]: LevelSettings[K] } = { declared };
  const issues: Issue[] = [];
  const has = (key: keyof RawPane): boolean => declared.has(key) && accepted(key);
  const problemAt = (key: string, problem: string | undefined): boolean => {
    if (problem) issues.push({ path: [...at, key], at: 'value', message: `${formatPath([...at, key])} ${problem}` });
    return problem !== undefined;
  };

  if (has('command') && raw.command !== undefined) {
    const found = commandIssues(raw.command, [...at, 'command']);
    issues.push(...found);
    if (found.length === 0) settings.command = toCommand(raw.command);
  }
  // Typed text never passes through argv, so only a NUL byte (which would cut it short) is a problem.
  if (has('keys') && raw.keys !== undefined && !problemAt('keys', raw.keys.includes('\0') ? argumentProblem(raw.keys) : undefined)) settings.keys = raw.keys;
  if (has('shell') && raw.shell !== undefined && !problemAt('shell', argumentProblem(raw.shell, 'path'))) settings.shell = raw.shell;

  if (has('cwd') && raw.cwd !== undefined && !problemAt('cwd', argumentProblem(raw.cwd, 'path'))) {
    if (ctx.remote) settings.cwd = remotePath(raw.cwd);
    else {
      const cwd = await resolveCwd(raw.cwd, [...at, 'cwd'], ctx);
      if ('issue' in cwd) issues.push(cwd.issue);
      else settings.cwd = cwd.cwd;
    }
  }

  if (has('env')) {
    const env = readEnvMap(raw.env, [...at, 'env'], ctx);
    issues.push(...env.issues);
    settings.env = env.vars;
  }
  if (has('envFile')) {
    const read = await readEnvFiles(raw.envFile, [...at, 'envFile'], ctx);
    issues.push(...read.issues);
    settings.envFile = read;
  }
  if (has('requiredEnv') && raw.requiredEnv !== undefined) {
    const caller = readCallerValues(raw.requiredEnv, [...at, 'requiredEnv'], ctx);
    issues.push(...caller.issues);
    settings.requiredEnv = { names: raw.requiredEnv, at: [...at, 'requiredEnv'], callerValues: caller.vars };
  }

  if (has('restart')) settings.restart = raw.restart;
  if (has('update')) settings.update = raw.update;
  if (has('restartCommand') && raw.restartCommand !== undefined) {
    const found = commandIssues(raw.restartCommand, [...at, 'restartCommand']);
    // A keys pane's process is its shell: after a death the shell starts again and the keys are typed again.
    if (declared.has('keys')) problemAt('restartCommand', 'is for panes that run a command; a keys pane has its shell started again and its keys typed again');
    else {
      issues.push(...found);
      if (found.length === 0) settings.restartCommand = toCommand(raw.restartCommand);
    }
  }
  if (has('startSeconds')) settings.startSeconds = raw.startSeconds;
  if (has('stopTimeoutSeconds')) settings.stopTimeoutSeconds = raw.stopTimeoutSeconds;
  if (has('maxRestarts') && raw.maxRestarts !== undefined) settings.maxRestarts = { ...raw.maxRestarts };
  if (has('memoryLimitMB')) settings.memoryLimitMB = raw.memoryLimitMB;

  if (has('backoff') && raw.backoff !== undefined) {
    const backoff = fillBackoff(raw.backoff);
    if (backoff.maxSeconds < backoff.initialSeconds) {
      const path = [...at, 'backoff', 'maxSeconds'];
      issues.push({ path, at: 'value', message: `${formatPath(path)} must be at least initialSeconds (${backoff.initialSeconds})` });
    } else {
      settings.backoff = backoff;
    }
  }

  if (has('healthCheck') && raw.healthCheck !== undefined) {
    const check = raw.healthCheck.command === undefined ? [] : commandIssues(raw.healthCheck.command, [...at, 'healthCheck', 'command']);
    issues.push(...check);
    if (check.length === 0) settings.healthCheck = normaliseHealthCheck(raw.healthCheck);
  }

  if (has('orphans') && raw.orphans !== undefined) {
    const path = [...at, 'orphans', 'match'];
    try {
      new RegExp(raw.orphans.match);
      settings.orphans = { match: raw.orphans.match, ...(raw.orphans.maxMatches !== undefined && { maxMatches: raw.orphans.maxMatches }) };
    } catch (error) {
      // The engine's reason ("Unterminated group") is the useful part; the pattern is already in the file.
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      issues.push({ path, at: 'value', message: `${formatPath(path)} is not a valid regular expression: ${reason}` });
    }
  }

  if (has('dependsOn') && raw.dependsOn !== undefined) {
    settings.dependsOn = Object.entries(raw.dependsOn)
      .map(([target, condition]) => ({ target, condition }))
      .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }

  return { settings, issues };
}
