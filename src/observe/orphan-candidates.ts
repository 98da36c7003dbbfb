import { listProcs, processTree, readCmdline, type ProcInfo } from './processes.js';
import type { ObservedProcess, ObservedState } from './types.js';
import { readFileSync } from 'node:fs';

/**
 * Every process an `orphans.match` pattern may be tested against, each tagged with the owned session
 * it runs inside (if any). Left out entirely, whatever their command line says: tmuxctl itself, its
 * ancestors (the script that ran it may be named like the monitor) and its children, the tmux server
 * (it carries the argv of whatever `new-session` first started it), and every tmux client or server.
 */
export function orphanCandidates(observed: ObservedState, selfPid = process.pid): ObservedProcess[] {
  const procs = listProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const protectedPids = new Set<number>([selfPid]);
  for (let p = byPid.get(selfPid); p && p.ppid > 0 && !protectedPids.has(p.ppid); p = byPid.get(p.ppid)) protectedPids.add(p.ppid);
  for (const p of processTree(selfPid, procs)) protectedPids.add(p.pid);
  if (observed.serverPid) protectedPids.add(observed.serverPid);

  const sessionOf = new Map<number, string>();
  for (const s of observed.sessions.values()) {
    if (!s.owned) continue;
    const members = s.pane.dead ? procs.filter((p) => p.sid === s.pane.pid) : processTree(s.pane.pid, procs);
    for (const p of members) sessionOf.set(p.pid, s.name);
  }

  const out: ObservedProcess[] = [];
  for (const p of procs) {
    if (protectedPids.has(p.pid) || p.state === 'Z' || isTmux(p)) continue;
    const cmdline = readCmdline(p.pid);
    if (cmdline === '') continue; // kernel threads
    out.push({ pid: p.pid, startTime: p.startTime, cmdline, session: sessionOf.get(p.pid) });
  }
  return out;
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
