import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TMUX_INSTALL_LINE } from '../errors.js';

/** What a PATH lookup found for one program: nothing, or a file that may not be runnable. */
export type Lookup = { kind: 'missing' } | { kind: 'found'; path: string } | { kind: 'not-executable'; path: string };

/**
 * Looks `name` up on PATH as execvp would: the first runnable file wins; a file that is there but
 * not executable is reported when nothing runnable follows it (execvp then fails with EACCES).
 * Only called on a failure path, to say exactly what is wrong.
 */
export function lookupOnPath(name: string, pathEnv: string | undefined): Lookup {
  let notExecutable: string | undefined;
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    const file = join(dir || '.', name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(file, constants.X_OK);
      return { kind: 'found', path: file };
    } catch {
      notExecutable ??= file;
    }
  }
  return notExecutable ? { kind: 'not-executable', path: notExecutable } : { kind: 'missing' };
}

const INSTALL = { tmux: 'tmux', flock: 'util-linux' } as const;
type Tool = keyof typeof INSTALL;

/**
 * One line naming every tool tmuxctl needs that cannot be run, so one attempt says everything to
 * install (tmux for the sessions, flock for the reconcile lock). Undefined when both are runnable.
 */
export function missingToolsLine(pathEnv: string | undefined): string | undefined {
  const problems = (Object.keys(INSTALL) as Tool[]).map((tool) => ({ tool, found: lookupOnPath(tool, pathEnv) })).filter((p) => p.found.kind !== 'found');
  if (problems.length === 0) return undefined;
  const tools = problems.map((p) => p.tool);
  const notes = problems.flatMap((p) => (p.found.kind === 'not-executable' ? [`${p.found.path} is not executable`] : []));
  const packages = [...new Set(tools.map((t) => INSTALL[t]))].join(' ');
  // "cannot be run" when something is there but not executable: "not found" would send people looking for it.
  const verb = notes.length === 0 ? 'not found on PATH' : 'cannot be run';
  const what = `${tools.join(' and ')} ${verb}`;
  if (tools.length === 1 && tools[0] === 'tmux' && notes.length === 0) return TMUX_INSTALL_LINE;
  const note = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  return `${what}${note}: install ${tools.length === 1 ? 'it' : 'them'} (Debian/Ubuntu: apt-get install -y ${packages}; Fedora: dnf install -y ${packages})`;
}

/** The line for a tmux that could not be spawned (ENOENT, EACCES), naming flock too when it is missing. */
export function tmuxMissingLine(pathEnv: string | undefined): string {
  const line = missingToolsLine(pathEnv);
  // tmux failed to spawn but looks runnable (a race with an upgrade?): still say what failed.
  return line?.includes('tmux') ? line : TMUX_INSTALL_LINE;
}
