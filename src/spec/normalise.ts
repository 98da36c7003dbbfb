import { argumentProblem, commandIssues, startSizeProblem } from './argument-limits.js';
import { normaliseHealthCheck } from './health-check.js';
import { formatPath, type Issue } from './issue.js';
import type { RawSession } from './raw-spec.js';
import { resolveCwd } from './resolve-cwd.js';
import { resolveEnv, type EnvContext } from './resolve-env.js';
import { toCommand } from './to-command.js';
import type { SessionSpec } from './types.js';

export interface SessionContext extends Omit<EnvContext, 'at'> {
  /** Absolute path of the spec file. */
  source: string;
  /** See LoadOptions.cwdMustExist. */
  cwdMustExist: boolean;
}

/**
 * One session made into a SessionSpec, with the checks the schema cannot express (paths that
 * must exist, env files, required variables, regular expressions). `schemaIssues` are the schema's
 * findings for the document: each check runs only on keys the schema accepted, so every problem is
 * reported at once without a check tripping over a value of the wrong type. A spec is returned
 * only when the session has no problem at all.
 */
export async function normaliseSession(
  name: string,
  raw: RawSession,
  ctx: SessionContext,
  schemaIssues: readonly Issue[],
): Promise<{ spec: SessionSpec; issues: [] } | { spec?: undefined; issues: Issue[] }> {
  const at = ['sessions', name];
  // The keys of this session the schema complained about; `undefined` stands for the session itself (e.g. no command).
  const rejected = new Set(schemaIssues.filter((i) => i.path[0] === 'sessions' && i.path[1] === name).map((i) => i.path[2]));
  const accepted = (...keys: string[]): boolean => keys.every((key) => !rejected.has(key));
  const issues: Issue[] = [];

  // What reaches a process must reach it whole: no NUL byte, no argument past the kernel's limit.
  if (accepted('command') && raw.command !== undefined) issues.push(...commandIssues(raw.command, [...at, 'command']));
  if (accepted('healthCheck') && raw.healthCheck?.command !== undefined) {
    issues.push(...commandIssues(raw.healthCheck.command, [...at, 'healthCheck', 'command']));
  }
  const cwdProblem = accepted('cwd') && raw.cwd !== undefined ? argumentProblem(raw.cwd, 'path') : undefined;
  if (cwdProblem) issues.push({ path: [...at, 'cwd'], at: 'value', message: `${formatPath([...at, 'cwd'])} ${cwdProblem}` });

  const cwd = accepted('cwd') && !cwdProblem ? await resolveCwd(raw.cwd, [...at, 'cwd'], ctx) : undefined;
  if (cwd && 'issue' in cwd) issues.push(cwd.issue);

  const env = accepted('env', 'envFile', 'requiredEnv') ? await resolveEnv(raw, { ...ctx, at }) : undefined;
  if (env) issues.push(...env.issues);

  if (accepted('orphans') && raw.orphans) {
    const path = [...at, 'orphans', 'match'];
    try {
      new RegExp(raw.orphans.match);
    } catch (error) {
      // The engine's reason ("Unterminated group") is the useful part; the pattern is already in the file.
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      issues.push({ path, at: 'value', message: `${formatPath(path)} is not a valid regular expression: ${reason}` });
    }
  }

  if (accepted('backoff') && raw.backoff.maxSeconds < raw.backoff.initialSeconds) {
    const path = [...at, 'backoff', 'maxSeconds'];
    issues.push({ path, at: 'value', message: `${formatPath(path)} must be at least initialSeconds (${raw.backoff.initialSeconds})` });
  }

  if (rejected.size > 0 || issues.length > 0 || !cwd || 'issue' in cwd || !env) return { issues };
  // Each string may be under the kernel's limit while all of them together are over it.
  const command = toCommand(raw.command);
  const tooBig = startSizeProblem(command.kind === 'shell' ? ['sh', '-c', command.script] : command.argv, env.env);
  if (tooBig) return { issues: [{ path: at, at: 'key', message: `${formatPath(at)}: ${tooBig}` }] };
  // Interim: today's form only (one window, one pane); the windows/panes loader replaces this.
  const pane = {
      session: name,
      window: name,
      index: 0,
      target: name,
      source: ctx.source,
      command,
      cwd: cwd.cwd,
      env: env.env,
      envFiles: env.envFiles,
      restart: raw.restart,
      startSeconds: raw.startSeconds,
      stopTimeoutSeconds: raw.stopTimeoutSeconds,
      backoff: { ...raw.backoff },
      ...(raw.healthCheck && { healthCheck: normaliseHealthCheck(raw.healthCheck) }),
      ...(raw.orphans && { orphans: { match: raw.orphans.match, ...(raw.orphans.maxMatches !== undefined && { maxMatches: raw.orphans.maxMatches }) } }),
  };
  return { spec: { name, source: ctx.source, windowsDeclared: false, windows: [{ name, panes: [pane] }] }, issues: [] };
}
