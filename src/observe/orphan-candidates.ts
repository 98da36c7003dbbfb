import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { listProcs, processTrees, readArgv, type ProcInfo } from '../process/table.js';
import { SESSION_ENV_MARKER } from '../tmux/options.js';
import type { ObservedProcess, ObservedState } from './types.js';

/**
 * The processes an `orphans.match` pattern may be tested against: the user's own processes whose
 * command line matches one of `patterns`, each tagged with the tmuxctl session it runs inside (if
 * any). Left out entirely, whatever their command line says:
 * - tmuxctl itself, its ancestors (the script that ran it may be named like the monitor), its
 *   children, its process group and the processes joined to it by a pipe on stdin/stdout/stderr
 *   (`tmuxctl watch | logger -t monitor`), and the same for every other running tmuxctl;
 * - every tmux client and server, and tmux's own jobs: `pipe-pane` log writers, `run-shell` and
 *   hook commands run in the server's process session, where no pane process ever is (tmux makes
 *   each pane's process a session leader);
 * - a process that looks at the monitor rather than runs it: a searcher, pager, editor or
 *   `watch` (its program, as the kernel knows it, is one of LOOKERS: `pgrep -f PATTERN`, `vim
 *   monitor.py`, `less monitor.log`), or a shell or `watch` whose command line invokes a searcher
 *   (`sh -c 'while sleep 1; do pgrep -f monitor; done'`, `watch pgrep -af monitor`).
 */
export function orphanCandidates(
  observed: ObservedState,
  patterns: readonly RegExp[],
  selfPid = process.pid,
  selfProgram = process.argv[1],
): ObservedProcess[] {
  const procs = listProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  // Indexed once: one tree per session would otherwise cost a pass over the whole table each.
  const treeOf = processTrees(procs);
  const protectedPids = new Set<number>();
  const protectedGroups = new Set<number>();
  const protectedPipes = new Set<string>();
  const protect = (pid: number) => {
    protectedPids.add(pid);
    for (let p = byPid.get(pid), hops = 0; p && p.ppid > 0 && hops < 1000; p = byPid.get(p.ppid), hops++) protectedPids.add(p.ppid);
    for (const p of treeOf(pid)) protectedPids.add(p.pid);
    const me = byPid.get(pid);
    if (me && me.pgid > 1) protectedGroups.add(me.pgid);
    for (const pipe of stdioPipes(pid)) protectedPipes.add(pipe);
  };
  protect(selfPid);
  const program = realPath(selfProgram);
  if (program) for (const p of procs) if (p.pid !== selfPid && runsProgram(p.pid, program)) protect(p.pid);
  if (observed.serverPid) protectedPids.add(observed.serverPid);

  const tmuxPids = new Set(procs.filter(isTmux).map((p) => p.pid));
  const sessionOf = new Map<number, string>();
  for (const s of observed.sessions.values()) {
    if (!s.owned) continue;
    // Every pane of an owned session, hand-made ones too: what runs inside it is nobody's orphan.
    for (const w of s.windows) {
      for (const pane of w.panes) {
        const pid = pane.pid;
        const members = pane.dead ? treeOf(pid).filter((p) => p.sid === pid) : treeOf(pid);
        for (const p of members) sessionOf.set(p.pid, s.name);
      }
    }
  }

  const out: ObservedProcess[] = [];
  const uid = process.getuid?.();
  for (const p of procs) {
    if (protectedPids.has(p.pid) || protectedGroups.has(p.pgid) || p.state === 'Z' || tmuxPids.has(p.pid)) continue;
    // tmux's own jobs run in the server's process session; pane processes lead sessions of their own.
    if (tmuxPids.has(p.sid)) continue;
    // Only the user's own processes: run as root, a pattern must not reach other users' programs.
    if (uid !== undefined && ownerOf(p.pid) !== uid) continue;
    // The full command line, arguments joined by spaces, is what a pattern is tested against.
    const argv = readArgv(p.pid);
    const cmdline = argv.join(' ');
    if (cmdline === '' || !patterns.some((re) => re.test(cmdline))) continue; // '': kernel threads
    if (stdioPipes(p.pid).some((pipe) => protectedPipes.has(pipe)) || looksAt(p.pid, cmdline)) continue;
    const session = sessionOf.get(p.pid) ?? tmuxctlSessionElsewhere(p, byPid, tmuxPids);
    out.push({ pid: p.pid, startTime: p.startTime, cmdline, matchArgv: matchArgv(p.pid, argv), session });
  }
  return out;
}

/**
 * A process inside a tmuxctl session of another server (or one this snapshot does not list as
 * owned): it carries the marker tmuxctl sets in every session it makes, and it is still inside a
 * live pane, i.e. its process session's leader, or one of its ancestors, is a child of a tmux
 * server. One left behind by a dead session (its pane process gone, itself reparented away) keeps
 * the marker but is in no pane: an orphan.
 */
function tmuxctlSessionElsewhere(p: ProcInfo, byPid: ReadonlyMap<number, ProcInfo>, tmuxPids: ReadonlySet<number>): string | undefined {
  const marker = readEnvVar(p.pid, SESSION_ENV_MARKER);
  if (marker === undefined) return undefined;
  const leader = byPid.get(p.sid);
  if (leader && leader.state !== 'Z' && tmuxPids.has(leader.ppid)) return marker;
  for (let q: ProcInfo | undefined = p, hops = 0; q && q.ppid > 1 && hops < 1000; q = byPid.get(q.ppid), hops++) {
    if (tmuxPids.has(q.ppid)) return marker;
  }
  return undefined;
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

/** Programs that take a pattern as an argument to look for it. */
const SEARCHERS = new Set(['grep', 'egrep', 'fgrep', 'pgrep', 'pkill', 'pidwait', 'rg', 'ag', 'ack']);
/**
 * Programs that look at files or commands named like the monitor without being it: searchers,
 * pagers, editors, `watch`. Known by /proc/PID/exe, which argv cannot fake.
 */
const LOOKERS = new Set([
  ...SEARCHERS,
  ...['less', 'more', 'most', 'bat', 'batcat', 'cat', 'head', 'tail', 'watch'],
  ...['vi', 'vim', 'vim.basic', 'vim.tiny', 'nvim', 'view', 'emacs', 'nano', 'micro', 'hx', 'kak', 'code'],
]);

function looksAt(pid: number, cmdline: string): boolean {
  try {
    if (LOOKERS.has(basename(readlinkSync(`/proc/${pid}/exe`)))) return true;
  } catch {
    return false; // gone: nothing to stop either way
  }
  // A shell loop or a `watch` around a searcher: a word of its command line names one.
  return cmdline.split(/[\s;|&()'"`<>]+/).some((word) => SEARCHERS.has(basename(word)));
}

function isTmux(p: ProcInfo): boolean {
  try {
    return readFileSync(`/proc/${p.pid}/comm`, 'utf8').startsWith('tmux');
  } catch {
    return false; // gone: nothing to stop either way
  }
}

/** Adds the process view to a snapshot when some spec has an orphans.match to test against it. */
export function withProcesses(observed: ObservedState, patterns: readonly string[]): ObservedState {
  return patterns.length > 0
    ? {
        ...observed,
        processes: orphanCandidates(
          observed,
          patterns.map((p) => new RegExp(p)),
        ),
      }
    : observed;
}

function ownerOf(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}
