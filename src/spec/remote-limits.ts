import { formatPath, type DocPath, type Issue } from './issue.js';

/**
 * Fields whose supervision reads this machine's processes or runs here, not yet on a host reached
 * over SSH: a health check would run on this machine (and probe its ports), `orphans.match` would be
 * matched against this machine's processes, `memoryLimitMB` would measure them. Refused at load
 * time for a session on a host, so nobody believes a host's session is watched that way.
 */
const LOCAL_ONLY = ['healthCheck', 'orphans', 'memoryLimitMB'] as const;

/** Each local-only field of a session on a host, at its key, wherever it is set (session, window, pane). */
export function remoteLimitIssues(raw: Record<string, unknown>, at: DocPath, host: string): Issue[] {
  const issues: Issue[] = [];
  const look = (node: unknown, path: DocPath) => {
    if (!isRecord(node)) return;
    for (const key of LOCAL_ONLY)
      if (node[key] !== undefined)
        issues.push({
          path: [...path, key],
          at: 'key',
          message: `${formatPath([...path, key])}: not supported yet for a session on a host (here ${JSON.stringify(host)}): it would run or look on this machine; remove it, or run the session here`,
        });
    for (const child of ['windows', 'panes'] as const)
      if (Array.isArray(node[child])) for (const [i, c] of (node[child] as unknown[]).entries()) look(c, [...path, child, i]);
  };
  look(raw, at);
  return issues;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
