import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ProcView } from './proc-view.js';
import { listProcs, readArgv } from './table.js';

/**
 * This machine's processes for orphan matching: the table in one pass, each fact read from /proc
 * when the rules ask for it (only for the few processes that get that far). `selfProgram` is the
 * script tmuxctl runs as (process.argv[1]): another process running it is another tmuxctl.
 */
export function localProcView(selfPid: number, selfProgram: string | undefined): ProcView {
  const program = realPath(selfProgram);
  return {
    procs: listProcs(),
    selfPids: [selfPid],
    isTmux,
    isOurs: (pid) => {
      const uid = process.getuid?.();
      return uid === undefined || ownerOf(pid) === uid;
    },
    runsTmuxctl: (pid) => program !== undefined && runsProgram(pid, program),
    argv: readArgv,
    exeName: (pid) => {
      try {
        return basename(readlinkSync(`/proc/${pid}/exe`));
      } catch {
        return undefined;
      }
    },
    stdioPipes,
    envVar: readEnvVar,
    matchArgv,
  };
}

/**
 * argv without the arguments that name a file the process holds open and that is not executable:
 * a viewer (`tail -f`, `less`) of a log named like the monitor. A script run by its interpreter
 * (`bash monitor.sh`, which holds it open) is executable and stays; `python monitor.py` does not
 * hold its script open and stays too.
 */
function matchArgv(pid: number, argv: string[]): string[] {
  const open = openFiles(pid);
  if (open.size === 0) return argv;
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return argv;
  }
  return argv.filter((arg, i) => i === 0 || !open.has(resolve(cwd, arg)) || isExecutable(resolve(cwd, arg)));
}

/** Paths of the regular files the process has open (fd links), for the few processes a pattern matched. */
function openFiles(pid: number): Set<string> {
  const out = new Set<string>();
  for (const target of fdTargets(pid)) if (target.startsWith('/')) out.add(target);
  return out;
}

function fdTargets(pid: number, fds?: readonly string[]): string[] {
  let names: readonly string[];
  try {
    names = fds ?? readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const fd of names) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The pipes on stdin, stdout and stderr (`pipe:[inode]`): shared with a pipeline partner. */
function stdioPipes(pid: number): string[] {
  return fdTargets(pid, ['0', '1', '2']).filter((t) => t.startsWith('pipe:'));
}

function isExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() || (st.mode & 0o111) !== 0;
  } catch {
    return true;
  }
}

function readEnvVar(pid: number, name: string): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  for (const entry of environ.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/**
 * Another tmuxctl, known by the program it runs (this very file, however it was reached: the bin
 * link, a relative path), never by a name: `node .../dist/cli/main.js ...` has it as argv[1].
 */
function runsProgram(pid: number, program: string): boolean {
  const script = readArgv(pid)[1];
  if (!script || (basename(script) !== basename(program) && basename(script) !== 'tmuxctl')) return false;
  return realPath(resolve(`/proc/${pid}/cwd`, script)) === program;
}

function realPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isTmux(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('tmux');
  } catch {
    return false; // gone: nothing to stop either way
  }
}

function ownerOf(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}
