import os from 'node:os';
import path from 'node:path';
import { DEFAULTS } from './defaults.js';
import { type DeclaredDependency, dependencyProblems } from './dependency-check.js';
import { displayPath } from './display-path.js';
import { findSpecFiles } from './find-files.js';
import type { Position } from './positions.js';
import { createEnvFileReader } from './read-env-file.js';
import type { DesiredState, SessionSpec, SpecProblem } from './types.js';

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
  const firstDeclared = new Map<string, { file: string; position: Position }>();
  const sessions: SessionSpec[] = [];
  /** Every declared name, with its spec when it has no problem: what a dependency may name. */
  const byName = new Map<string, SessionSpec | undefined>();
  const dependencies: DeclaredDependency[] = [];
  const perFile: { file: string; problems: SpecProblem[]; envProblems: SpecProblem[] }[] = [];
  for (const source of found.files) {
    const file = displayPath(source, cwd);
    const loaded = await loadSpecFile(source, ctx);
    const fileProblems = [...loaded.problems];
    for (const declared of loaded.sessions) {
      const first = firstDeclared.get(declared.name);
      if (first) {
        fileProblems.push({
          file,
          ...declared.position,
          message: `session ${JSON.stringify(declared.name)} is already declared in ${first.file}:${first.position.line}:${first.position.col}`,
        });
      } else {
        firstDeclared.set(declared.name, { file, position: declared.position });
        byName.set(declared.name, declared.spec);
        if (declared.spec) sessions.push(declared.spec);
        dependencies.push(...declared.dependencies);
      }
    }
    perFile.push({ file, problems: fileProblems, envProblems: envFiles.takeProblems() });
  }
  // dependsOn may name a session of any file: checked once all are read, reported in the file that declares it.
  for (const p of dependencyProblems(dependencies, byName)) perFile.find((f) => f.file === p.file)?.problems.push(p);
  for (const f of perFile) {
    f.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    problems.push(...f.problems, ...f.envProblems);
  }

  if (problems.length > 0) return { ok: false, problems };
  sessions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, desired: { sessions, files: found.files, roots: found.roots } };
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
