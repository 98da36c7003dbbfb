import { LOCAL_HOST } from './host-name.js';
import { formatPath, type DocPath, type Issue } from './issue.js';

/** One host a session names, where its name is written (for "unknown host" at the value). */
export interface HostRef {
  name: string;
  /** The value's path: `sessions.x.host` or `sessions.x.hosts[i]`; the session's own path for the implied `local`. */
  at: DocPath;
}

/**
 * The hosts a session runs on, as written: `host: NAME`, `hosts: [NAMES]` (a copy on each), or
 * neither (this machine). Whether each name is declared is checked once every file is loaded (a
 * host may be declared in another file). `refs` is undefined when they cannot be read (the schema
 * rejected them, or both keys are given, or a name recurs): the session then has problems.
 */
export function readSessionHosts(
  raw: Record<string, unknown>,
  at: DocPath,
  accepted: (at: DocPath) => boolean,
  lineOf: (at: DocPath) => number,
): { refs?: HostRef[]; issues: Issue[] } {
  const hostAt = [...at, 'host'];
  const hostsAt = [...at, 'hosts'];
  if (raw.host !== undefined && raw.hosts !== undefined) {
    return {
      issues: [
        {
          path: hostsAt,
          at: 'key',
          message: `${formatPath(at)}: has both "host" and "hosts"; keep one ("host: NAME" runs it on one host, "hosts: [NAMES]" one copy on each)`,
        },
      ],
    };
  }
  if (raw.host !== undefined) return accepted(hostAt) ? { refs: [{ name: raw.host as string, at: hostAt }], issues: [] } : { issues: [] };
  if (raw.hosts === undefined) return { refs: [{ name: LOCAL_HOST, at }], issues: [] };
  if (!accepted(hostsAt)) return { issues: [] };
  const refs: HostRef[] = [];
  const issues: Issue[] = [];
  const first = new Map<string, DocPath>();
  (raw.hosts as string[]).forEach((name, i) => {
    const itemAt = [...hostsAt, i];
    const seen = first.get(name);
    if (seen) {
      issues.push({
        path: itemAt,
        at: 'value',
        message: `${formatPath(itemAt)}: host ${JSON.stringify(name)} is already listed at ${formatPath(seen)} (line ${lineOf(seen)}); a session runs once per host`,
      });
    } else {
      first.set(name, itemAt);
      refs.push({ name, at: itemAt });
    }
  });
  return issues.length > 0 ? { issues } : { refs, issues };
}
