import os from 'node:os';
import path from 'node:path';
import { DEFAULTS } from './defaults.js';
import { dependencyProblems, type PlacedDependency } from './dependency-check.js';
import { displayPath } from './display-path.js';
import { findSpecFiles } from './find-files.js';
import type { Position } from './positions.js';
import { createEnvFileReader } from './read-env-file.js';
import { LOCAL_HOST } from './host-name.js';
import { formatPath } from './issue.js';
import type { LoadedFile, LocatedHostRef } from './load-file.js';
import { closestKey } from './suggest.js';
import type { DesiredState, HostSpec, SessionSpec, SpecProblem } from './types.js';

export interface LoadOptions {
  /** What relative -f paths are relative to, and what problem file names are shown relative to. */
  cwd: string;
  /** The caller's environment: only variables named in requiredEnv are taken from it. */
  env: Record<string, string | undefined>;
  /** For `~` in paths; defaults to os.homedir(). */
  home?: string;
  /**
   * Whether each `cwd` must exist now (default true: what is loaded is about to be started). False
   * for commands that only look or stop (`status`, `delete`): a folder removed since the session
   * started must not keep you from seeing or removing it.
   */
  cwdMustExist?: boolean;
  /**
   * The shell a `keys` pane runs when the spec names none. Default: the user's login shell from the
   * password database, read once per load here and nowhere deeper, so tests can pass their own.
   */
  loginShell?: string;
}

export type LoadResult = { ok: true; desired: DesiredState } | { ok: false; problems: SpecProblem[] };

/**
 * Loads the desired state from -f paths (files, or folders of *.yaml / *.yml), all or nothing:
 * any problem anywhere means no DesiredState, so a half-read spec can never prune sessions.
 * Every problem is reported, not just the first, grouped by spec file in load order (each spec
 * file's problems by position, then problems inside the env files it was the first to read).
 */
export async function loadDesiredState(paths: string[], opts: LoadOptions): Promise<LoadResult> {
  const cwd = path.resolve(opts.cwd);
  const found = await findSpecFiles(paths, cwd);
  const problems: SpecProblem[] = [...found.problems];
  const envFiles = createEnvFileReader(cwd);
  const ctx = {
    cwd,
    home: opts.home ?? os.homedir(),
    callerEnv: opts.env,
    envFiles,
    cwdMustExist: opts.cwdMustExist ?? true,
    loginShell: opts.loginShell ?? defaultLoginShell(),
  };

  // Imported here, not at the top: yaml and ajv behind it cost tens of milliseconds that commands
  // which never load a spec (help, version) should not pay at start-up.
  const { loadSpecFile } = await import('./load-file.js');
  const perFile: { file: string; loaded: LoadedFile; problems: SpecProblem[]; envProblems: SpecProblem[] }[] = [];
  for (const source of found.files) {
    const loaded = await loadSpecFile(source, ctx);
    perFile.push({ file: displayPath(source, cwd), loaded, problems: [...loaded.problems], envProblems: envFiles.takeProblems() });
  }

  // Hosts first: a session may name a host declared in any file loaded with it.
  const hostDeclared = new Map<string, { file: string; position: Position }>();
  const hosts: HostSpec[] = [];
  for (const f of perFile) {
    for (const host of f.loaded.hosts) {
      const first = hostDeclared.get(host.name);
      if (first) {
        f.problems.push({ file: f.file, ...host.position, message: `host ${JSON.stringify(host.name)} is already declared in ${placeOf(first)}` });
        continue;
      }
      hostDeclared.set(host.name, { file: f.file, position: host.position });
      if (host.spec) hosts.push(host.spec);
    }
  }

  // A session is one per host it names: its name is unique per host, and dependsOn looks on its own host.
  const firstDeclared = new Map<string, { file: string; position: Position }>();
  const sessions: SessionSpec[] = [];
  /** Per host, every name declared there, with its spec when it has no problem: what a dependency may name. */
  const byHost = new Map<string, Map<string, SessionSpec | undefined>>();
  /** Names of sessions whose hosts cannot be read: a dependency on one is not reported as missing. */
  const unplaced = new Set<string>();
  const dependencies: PlacedDependency[] = [];
  for (const f of perFile) {
    for (const declared of f.loaded.sessions) {
      if (!declared.hosts) {
        unplaced.add(declared.name);
        continue;
      }
      for (const ref of declared.hosts) {
        if (ref.name !== LOCAL_HOST && !hostDeclared.has(ref.name)) {
          f.problems.push({ file: f.file, ...ref.position, message: unknownHostMessage(ref, [...hostDeclared.keys()]) });
          continue;
        }
        const key = `${ref.name}/${declared.name}`;
        const first = firstDeclared.get(key);
        if (first) {
          const on = ref.name === LOCAL_HOST ? '' : ` on host ${JSON.stringify(ref.name)}`;
          f.problems.push({
            file: f.file,
            ...declared.position,
            message: `session ${JSON.stringify(declared.name)}${on} is already declared in ${placeOf(first)}`,
          });
          continue;
        }
        firstDeclared.set(key, { file: f.file, position: declared.position });
        const variant = declared.specs?.[ref.name === LOCAL_HOST ? 'local' : 'remote'];
        const spec = variant && { ...variant, host: ref.name };
        const names = byHost.get(ref.name) ?? new Map<string, SessionSpec | undefined>();
        names.set(declared.name, spec);
        byHost.set(ref.name, names);
        if (spec) sessions.push(spec);
        dependencies.push(...declared.dependencies.map((d) => ({ ...d, host: ref.name })));
      }
    }
  }
  // dependsOn may name a session of any file: checked once all are read, reported in the file that declares it.
  for (const p of dependencyProblems(dependencies, byHost, unplaced)) perFile.find((f) => f.file === p.file)?.problems.push(p);
  for (const f of perFile) {
    f.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    problems.push(...f.problems, ...f.envProblems);
  }

  if (problems.length > 0) return { ok: false, problems };
  sessions.sort((a, b) => compareNames(a.name, b.name) || compareHosts(a.host, b.host));
  hosts.sort((a, b) => compareNames(a.name, b.name));
  return { ok: true, desired: { sessions, hosts, files: found.files, roots: found.roots } };
}

function placeOf(at: { file: string; position: Position }): string {
  return `${at.file}:${at.position.line}:${at.position.col}`;
}

/** `sessions.x.host: unknown host "gpu3" (did you mean "gpu2"?); declared hosts: gpu1, gpu2, and local (this machine)`. */
function unknownHostMessage(ref: LocatedHostRef, declared: string[]): string {
  const guess = closestKey(ref.name, [...declared, LOCAL_HOST]);
  const hint = guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`;
  const known = [...declared].sort(compareNames);
  const allowed =
    known.length === 0
      ? `no hosts are declared (declare one under a top-level "hosts:" of any spec file); "${LOCAL_HOST}" is this machine`
      : `declared hosts: ${known.join(', ')}, and "${LOCAL_HOST}" (this machine)`;
  return `${formatPath(ref.path)}: unknown host ${JSON.stringify(ref.name)}${hint}; ${allowed}`;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** This machine first, then the remote hosts by name. */
function compareHosts(a: string, b: string): number {
  return (a === LOCAL_HOST ? 0 : 1) - (b === LOCAL_HOST ? 0 : 1) || compareNames(a, b);
}

/** The user's login shell from the password database, or /bin/sh when it has none (or no entry at all). */
export function defaultLoginShell(): string {
  try {
    const shell = os.userInfo().shell;
    return shell ? shell : DEFAULTS.shell;
  } catch {
    // userInfo throws when the uid has no passwd entry (a container started with --user 12345).
    return DEFAULTS.shell;
  }
}
