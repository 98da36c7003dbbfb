import { groupExists, nudgeReap, signalProcess } from '../process/signal.js';
import { localProcView } from '../process/local-proc-view.js';
import { isAlive, listProcs, readProc, type ProcStat } from '../process/table.js';
import type { Tmux } from '../tmux/client.js';
import { localFiles } from './files.js';
import { localChecks } from './local-checks.js';
import { LOCAL_HOST, type Machine, type ProcessAccess } from './machine.js';

/** The process table of this machine: /proc, and signals through process/signal.ts. */
export const localProcs: ProcessAccess = {
  async list() {
    return listProcs();
  },
  async read(pids) {
    const out = new Map<number, ProcStat>();
    for (const pid of pids) {
      const p = readProc(pid);
      if (p) out.set(pid, p);
    }
    return out;
  },
  async alive(procs) {
    return procs.filter(isAlive);
  },
  async signal(procs, signal) {
    for (const p of procs) signalProcess(p, signal);
  },
  async groupsWithMembers(pgids) {
    return new Set(pgids.filter(groupExists));
  },
  async nudgeReap(serverPid) {
    return nudgeReap(serverPid);
  },
  async view() {
    return localProcView(process.pid, process.argv[1]);
  },
};

/** This machine, reached through `tmux`. */
export function localMachine(tmux: Tmux): Machine {
  return { host: LOCAL_HOST, tmux, procs: localProcs, files: localFiles, checks: localChecks };
}
