import { listProcs, processTree, readCmdline, type ProcInfo } from '../process/table.js';
import type { ObservedProcess, ObservedState } from './types.js';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';

/**
 * Every process an `orphans.match` pattern may be tested against, each tagged with the owned session
 * it runs inside (if any). Left out entirely, whatever their command line says: tmuxctl itself, its
 * ancestors (the script that ran it may be named like the monitor) and its children, the same for
 * every other tmuxctl (a manual apply, and the start script running it, are no orphans of a running
 * watch), the tmux server (it carries the argv of whatever `new-session` first started it), and
 * every tmux client or server.
 */
export function orphanCandidates(observed: ObservedState, selfPid = process.pid, selfProgram = process.argv[1]): ObservedProcess[] {
  const procs = listProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const protectedPids = new Set<number>();
  const protect = (pid: number) => {
    protectedPids.add(pid);
    for (let p = byPid.get(pid), hops = 0; p && p.ppid > 0 && hops < 1000; p = byPid.get(p.ppid), hops++) protectedPids.add(p.ppid);
    for (const p of processTree(pid, procs)) protectedPids.add(p.pid);
  };
  protect(selfPid);
  const program = realPath(selfProgram);
  if (program) for (const p of procs) if (p.pid !== selfPid && runsProgram(p.pid, program)) protect(p.pid);
  if (observed.serverPid) protectedPids.add(observed.serverPid);

  const sessionOf = new Map<number, string>();
  for (const s of observed.sessions.values()) {
    if (!s.owned) continue;
    const members = s.pane.dead ? procs.filter((p) => p.sid === s.pane.pid) : processTree(s.pane.pid, procs);
    for (const p of members) sessionOf.set(p.pid, s.name);
  }

  const out: ObservedProcess[] = [];
  const uid = process.getuid?.();
  for (const p of procs) {
    if (protectedPids.has(p.pid) || p.state === 'Z' || isTmux(p)) continue;
    // Only the user's own processes: run as root, a pattern must not reach other users' programs.
    if (uid !== undefined && ownerOf(p.pid) !== uid) continue;
    const cmdline = readCmdline(p.pid);
    if (cmdline === '') continue; // kernel threads
    out.push({ pid: p.pid, startTime: p.startTime, cmdline, session: sessionOf.get(p.pid) });
  }
  return out;
}

/**
 * Another tmuxctl, known by the program it runs (this very file, however it was reached: the bin
 * link, a relative path), never by a name: `node .../dist/cli/main.js ...` has it as argv[1].
 */
function runsProgram(pid: number, program: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  const script = argv[1];
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

function isTmux(p: ProcInfo): boolean {
  try {
    return readFileSync(`/proc/${p.pid}/comm`, 'utf8').startsWith('tmux');
  } catch {
    return true; // gone: nothing to stop either way
  }
}

/** Adds the process view to a snapshot when some spec has an orphans.match to test against it. */
export function withProcesses(observed: ObservedState, wanted: boolean): ObservedState {
  return wanted ? { ...observed, processes: orphanCandidates(observed) } : observed;
}

function ownerOf(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}
