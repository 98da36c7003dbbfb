import path from 'node:path';
import { isScalar } from './yaml.js';
import { displayPath } from './display-path.js';
import type { DocPath } from './issue.js';
import { normaliseSession, type SessionContext } from './normalise.js';
import { type NotifyLookup, type RawNotifyChannel, readNotifyEnv, resolveChannels } from './notify.js';
import { parseYaml } from './parse-yaml.js';
import { findNodes, positionOf, type Position } from './positions.js';
import type { EnvFileReader } from './read-env-file.js';
import type { RawSession } from './raw-spec.js';
import { readRegularFile } from './read-regular-file.js';
import { isSessionName } from './session-name.js';
import type { SessionSpec, SpecProblem } from './types.js';
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

export interface DeclaredSession {
  name: string;
  /** Where the session's key is, for naming both places when two files declare one name. */
  position: Position;
  /** Absent when the session has problems. */
  spec?: SessionSpec;
  /** Its `dependsOn` entries, located (only for a session without problems). */
  dependencies: DeclaredDependency[];
}

export interface LoadedFile {
  /** Every session with a valid name, in document order, whether or not it has other problems. */
  sessions: DeclaredSession[];
  /** Problems located in this spec file, in document order. */
  problems: SpecProblem[];
}

export async function loadSpecFile(source: string, ctx: FileContext): Promise<LoadedFile> {
  const file = displayPath(source, ctx.cwd);
  // The file may have been swapped for a FIFO since it was listed: read it only if it is a regular file.
  const read = await readRegularFile(source);
  if (!read.ok) {
    const message = read.code === 'ENOTREG' ? `${read.reason} (a spec must be a regular file)` : `cannot read: ${read.reason}`;
    return { sessions: [], problems: [{ file, message }] };
  }
  const text = read.text;

  const parsed = parseYaml(text);
  const problems: SpecProblem[] = parsed.problems.map((p) => ({ file, ...p }));
  if (parsed.broken) return { sessions: [], problems };
  const { doc, lineCounter } = parsed;
  if (doc.contents === null) {
    problems.push({ file, message: 'the file is empty; a spec needs "version: 1" and "sessions:"' });
    return { sessions: [], problems };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // yaml refuses documents whose aliases expand without bound ("billion laughs").
    problems.push({ file, message: `invalid YAML: ${(error as Error).message}` });
    return { sessions: [], problems };
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
  const sessions: DeclaredSession[] = [];
  const rawSessions = isRecord(data) && isRecord(data.sessions) ? data.sessions : {};
  for (const [name, raw] of Object.entries(rawSessions)) {
    if (!isSessionName(name)) continue;
    const declared: DeclaredSession = { name, position: positionOf(doc, lineCounter, ['sessions', name], 'key'), dependencies: [] };
    sessions.push(declared);
    // Not a map at all: the schema said so, and there is nothing more to check.
    if (!isRecord(raw)) continue;
    const result = await normaliseSession(name, raw as unknown as RawSession, sessionContext, schemaIssues);
    const own = Array.isArray(raw.notify) ? resolveChannels(raw.notify as RawNotifyChannel[], ['sessions', name, 'notify'], file, lookup, accepted) : undefined;
    const notify = [...(fileNotify?.channels ?? []), ...(own?.channels ?? [])];
    if (result.spec && !own?.issues.length) {
      declared.spec = notify.length > 0 ? { ...result.spec, notify, notifyEnvFiles } : result.spec;
      declared.dependencies = result.dependencies.map((d) => ({ ...d, file, ...positionOf(doc, lineCounter, d.path, 'key') }));
    }
    issues.push(...result.issues, ...(own?.issues ?? []));
  }

  for (const issue of issues) {
    problems.push({ file, ...positionOf(doc, lineCounter, issue.path, issue.at), message: issue.message });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  return { sessions, problems };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
