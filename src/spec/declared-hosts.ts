import { argumentProblem } from './argument-limits.js';
import { DEFAULT_REMOTE_STATE_DIR, isHostName } from './host-name.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import { remotePath } from './remote-path.js';
import type { HostSpec } from './types.js';

/** A host under a file's `hosts`, by its key; `spec` only when the host has no problem. */
export interface DeclaredHost {
  name: string;
  at: DocPath;
  spec?: HostSpec;
}

/**
 * The file's `hosts` map as the schema left it. Every validly named host is declared (so that a
 * session naming one whose `ssh` is wrong is not also told the name is unknown); only a host the
 * schema accepted whole, with values that reach ssh intact, gets a HostSpec. `stateDir` is a path
 * on the remote: kept unexpanded, a relative one made relative to the remote home (remote-path.ts).
 */
export function readDeclaredHosts(raw: unknown, source: string, accepted: (at: DocPath) => boolean): { hosts: DeclaredHost[]; issues: Issue[] } {
  const hosts: DeclaredHost[] = [];
  const issues: Issue[] = [];
  // A problem in one host must not hide the others (their sessions would be told the names are unknown).
  if (!isRecord(raw)) return { hosts, issues };
  for (const [name, value] of Object.entries(raw)) {
    if (!isHostName(name)) continue;
    const at: DocPath = ['hosts', name];
    const declared: DeclaredHost = { name, at };
    hosts.push(declared);
    if (!isRecord(value) || !accepted(at)) continue;
    const ssh = value.ssh as string;
    const stateDir = value.stateDir as string | undefined;
    let ok = true;
    for (const [key, text] of [
      ['ssh', ssh],
      ['stateDir', stateDir],
    ] as const) {
      const problem = text === undefined ? undefined : argumentProblem(text, key === 'ssh' ? 'argument' : 'path');
      if (problem) {
        issues.push({ path: [...at, key], at: 'value', message: `${formatPath([...at, key])} ${problem}` });
        ok = false;
      }
    }
    if (ok) declared.spec = { name, ssh, stateDir: remotePath(stateDir ?? DEFAULT_REMOTE_STATE_DIR), source };
  }
  return { hosts, issues };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
