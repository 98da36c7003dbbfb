import { isDeepStrictEqual } from 'node:util';
import type { DraftSession } from './draft.js';

/** Fields that stand the same on session, window and pane, where sharing them reads best. */
const HOISTED = ['cwd', 'shell', 'envFile', 'restart', 'startSeconds', 'stopTimeoutSeconds', 'backoff'] as const;

/**
 * Makes a draft read as a person would write it: a window of one pane says its command on the
 * window itself (no `panes:` list of one), and a field every window repeats (each pm2 app's
 * `cwd`, process-compose's `restart: never`) is said once, on the session. Nothing changes meaning:
 * the nearest level wins and `env` maps merge (model9.md).
 */
export function tidySession(session: DraftSession): void {
  for (const window of session.windows) {
    const only = window.panes.length === 1 ? window.panes[0] : undefined;
    if (!only) continue;
    const env = mergeEnv(window.fields.env, only.fields.env);
    window.fields = { ...window.fields, ...only.fields };
    if (env) window.fields.env = env;
    window.notImported.push(...only.notImported);
    window.remarks.push(...only.remarks);
    only.fields = {};
    only.notImported = [];
    only.remarks = [];
  }
  if (session.windows.length < 2) return;
  for (const key of HOISTED) {
    if (key in session.fields) continue;
    const first = session.windows[0]?.fields[key];
    if (first === undefined) continue;
    if (!session.windows.every((w) => isDeepStrictEqual(w.fields[key], first))) continue;
    session.fields[key] = first;
    for (const w of session.windows) delete w.fields[key];
  }
}

function mergeEnv(outer: unknown, inner: unknown): Record<string, unknown> | undefined {
  if (outer === undefined && inner === undefined) return undefined;
  return { ...(outer as Record<string, unknown> | undefined), ...(inner as Record<string, unknown> | undefined) };
}
