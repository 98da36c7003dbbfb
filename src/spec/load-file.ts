import path from 'node:path';
import { isScalar } from './yaml.js';
import { displayPath } from './display-path.js';
import type { DocPath } from './issue.js';
import { readDeclaredHosts } from './declared-hosts.js';
import { LOCAL_HOST } from './host-name.js';
import { type DependencyEntry, normaliseSession, type SessionContext, type UnplacedSession } from './normalise.js';
import { readSessionHosts } from './session-hosts.js';
import { type NotifyLookup, type RawNotifyChannel, readNotifyEnv, resolveChannels } from './notify.js';
import { parseYaml } from './parse-yaml.js';
import { findNodes, positionOf, type Position } from './positions.js';
import type { EnvFileReader } from './read-env-file.js';
import type { RawSession } from './raw-spec.js';
import { readRegularFile } from './read-regular-file.js';
import { isSessionName } from './session-name.js';
import type { HostSpec, SpecProblem } from './types.js';
import { validateSpec } from './validate.js';
import type { DeclaredDependency } from './dependency-check.js';

export interface FileContext {
  cwd: string;
  home: string;
  callerEnv: Record<string, string | undefined>;
  envFiles: EnvFileReader;
  cwdMustExist: boolean;
  /** The shell a `keys` pane runs when the spec names none (see LoadOptions.loginShell). */
  loginShell: string;
}

/** A host a session names, with where its name is written. */
export interface LocatedHostRef {
  name: string;
  /** The value naming it, for messages; the session's own path for the implied `local`. */
  path: DocPath;
  position: Position;
}

export interface DeclaredSession {
  name: string;
  /** Where the session's key is, for naming both places when two files declare one name. */
  position: Position;
  /**
   * The hosts it runs on as written (`local` when it names none), each once; undefined when they
   * cannot be read (the session then has problems, reported already).
   */
  hosts?: LocatedHostRef[];
  /**
   * Absent when the session has problems. Normalised once for this machine and once for a remote
   * host as its hosts need (paths differ: remote-path.ts); load.ts places a copy on each host.
   */
  specs?: { local?: UnplacedSession; remote?: UnplacedSession };
  /** Its `dependsOn` entries, located (only for a session without problems). */
  dependencies: DeclaredDependency[];
}

/** A host under the file's `hosts`, located; `spec` absent when it has problems. */
export interface LocatedHost {
  name: string;
  position: Position;
  spec?: HostSpec;
}

export interface LoadedFile {
  /** Every session with a valid name, in document order, whether or not it has other problems. */
  sessions: DeclaredSession[];
  /** Every host with a valid name under the file's `hosts`, in document order. */
  hosts: LocatedHost[];
  /** Problems located in this spec file, in document order. */
  problems: SpecProblem[];
}

export async function loadSpecFile(source: string, ctx: FileContext): Promise<LoadedFile> {
  const file = displayPath(source, ctx.cwd);
  // The file may have been swapped for a FIFO since it was listed: read it only if it is a regular file.
  const read = await readRegularFile(source);
  if (!read.ok) {
    const message = read.code === 'ENOTREG' ? `${read.reason} (a spec must be a regular file)` : `cannot read: ${read.reason}`;
    return { sessions: [], hosts: [], problems: [{ file, message }] };
  }
  const text = read.text;

  const parsed = parseYaml(text);
  const problems: SpecProblem[] = parsed.problems.map((p) => ({ file, ...p }));
  if (parsed.broken) return { sessions: [], hosts: [], problems };
  const { doc, lineCounter } = parsed;
  if (doc.contents === null) {
    problems.push({ file, message: 'the file is empty; a spec needs "version: 1" and "sessions:"' });
    return { sessions: [], hosts: [], problems };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // yaml refuses documents whose aliases expand without bound ("billion laughs").
    problems.push({ file, message: `invalid YAML: ${(error as Error).message}` });
    return { sessions: [], hosts: [], problems };
  }
  const schemaIssues = await validateSpec(data);
  const issues = [...schemaIssues];
  const sessionContext: SessionContext = {
    source,
    specDir: path.dirname(source),
    home: ctx.home,
    cwd: ctx.cwd,
    callerEnv: ctx.callerEnv,
    envFiles: ctx.envFiles,
    cwdMustExist: ctx.cwdMustExist,
    loginShell: ctx.loginShell,
    remote: false,
    lineOf: (at: DocPath) => positionOf(doc, lineCounter, at, 'value').line,
    sourceText: (at: DocPath) => {
      const found = findNodes(doc, at);
      return found.complete && isScalar(found.value) && found.value.type === 'PLAIN' ? found.value.source : undefined;
    },
  };
  // Notification channels: the file's own (for every session of it), read with the file's envFile.
  const accepted = (at: DocPath) => !schemaIssues.some((i) => at.every((segment, n) => String(i.path[n]) === String(segment)));
  const root = isRecord(data) ? data : {};
  let lookup: NotifyLookup = () => undefined;
  let notifyEnvFiles: string[] = [];
  if (accepted(['envFile'])) {
    const env = await readNotifyEnv(root.envFile as string | string[] | undefined, sessionContext);
    lookup = env.lookup;
    notifyEnvFiles = env.files;
    issues.push(...env.issues);
  }
  const fileNotify = Array.isArray(root.notify) ? resolveChannels(root.notify as RawNotifyChannel[], ['notify'], file, lookup, accepted) : undefined;
  issues.push(...(fileNotify?.issues ?? []));
  const declaredHosts = readDeclaredHosts(root.hosts, source, accepted);
  issues.push(...declaredHosts.issues);
  const hosts = declaredHosts.hosts.map((h) => ({ name: h.name, position: positionOf(doc, lineCounter, h.at, 'key'), ...(h.spec && { spec: h.spec }) }));

  const sessions: DeclaredSession[] = [];
  const rawSessions = isRecord(data) && isRecord(data.sessions) ? data.sessions : {};
  for (const [name, raw] of Object.entries(rawSessions)) {
    if (!isSessionName(name)) continue;
    const at: DocPath = ['sessions', name];
    const declared: DeclaredSession = { name, position: positionOf(doc, lineCounter, at, 'key'), dependencies: [] };
    sessions.push(declared);
    // Not a map at all: the schema said so, and there is nothing more to check.
    if (!isRecord(raw)) continue;
    const placed = readSessionHosts(raw, at, accepted, sessionContext.lineOf);
    issues.push(...placed.issues);
    if (placed.refs) declared.hosts = placed.refs.map((r) => ({ name: r.name, path: r.at, position: positionOf(doc, lineCounter, r.at, 'value') }));
    // Which hosts are declared is known only once every file is read; whether a host is this machine is known now.
    const kinds = [...new Set(namedHosts(raw).map((h) => h === LOCAL_HOST))];
    const specs: { local?: UnplacedSession; remote?: UnplacedSession } = {};
    let dependencies: DependencyEntry[] = [];
    const seen = new Set<string>();
    for (const local of kinds) {
      const result = await normaliseSession(name, raw as unknown as RawSession, { ...sessionContext, remote: !local }, schemaIssues);
      // A session on this machine and on a remote host is checked twice; a problem of both is said once.
      for (const issue of result.issues) {
        const key = JSON.stringify(issue);
        if (!seen.has(key)) issues.push(issue);
        seen.add(key);
      }
      if (result.spec) {
        specs[local ? 'local' : 'remote'] = result.spec;
        dependencies = result.dependencies;
      }
    }
    const own = Array.isArray(raw.notify) ? resolveChannels(raw.notify as RawNotifyChannel[], [...at, 'notify'], file, lookup, accepted) : undefined;
    issues.push(...(own?.issues ?? []));
    const notify = [...(fileNotify?.channels ?? []), ...(own?.channels ?? [])];
    const complete = kinds.every((local) => specs[local ? 'local' : 'remote'] !== undefined);
    if (placed.refs && placed.issues.length === 0 && complete && !own?.issues.length) {
      declared.specs = {};
      for (const [kind, spec] of Object.entries(specs) as ['local' | 'remote', UnplacedSession][]) {
        declared.specs[kind] = notify.length > 0 ? { ...spec, notify, notifyEnvFiles } : spec;
      }
      declared.dependencies = dependencies.map((d) => ({ ...d, file, ...positionOf(doc, lineCounter, d.path, 'key') }));
    }
  }

  for (const issue of issues) {
    problems.push({ file, ...positionOf(doc, lineCounter, issue.path, issue.at), message: issue.message });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  return { sessions, hosts, problems };
}

/** The host names a session gives, as far as they can be read (for its paths, even when they have problems). */
function namedHosts(raw: Record<string, unknown>): string[] {
  const names = typeof raw.host === 'string' ? [raw.host] : Array.isArray(raw.hosts) ? raw.hosts.filter((h) => typeof h === 'string') : [];
  return names.length > 0 ? names : [LOCAL_HOST];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
