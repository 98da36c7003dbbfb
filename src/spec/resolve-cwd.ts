import { stat } from 'node:fs/promises';
import { displayPath } from './display-path.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import { resolveSpecPath } from './resolve-path.js';

/**
 * The session's absolute working directory: the spec file's folder unless `cwd` says otherwise.
 * Checked now rather than at start-up, where tmux would quietly fall back to another folder.
 */
export async function resolveCwd(
  cwd: string | undefined,
  at: DocPath,
  ctx: { specDir: string; home: string; cwd: string; cwdMustExist: boolean },
): Promise<{ cwd: string } | { issue: Issue }> {
  if (cwd === undefined) return { cwd: ctx.specDir };
  const resolved = resolveSpecPath(cwd, ctx.specDir, ctx.home);
  if (!ctx.cwdMustExist) return { cwd: resolved };
  const info = await stat(resolved).catch(() => undefined);
  if (info?.isDirectory()) return { cwd: resolved };
  const shown = displayPath(resolved, ctx.cwd);
  const message = info
    ? `${formatPath(at)}: ${JSON.stringify(cwd)} is not a folder (it resolves to ${shown})`
    : `${formatPath(at)}: folder ${JSON.stringify(cwd)} not found (looked for ${shown})`;
  return { issue: { path: at, at: 'value', message } };
}
