import type { ProcView } from '../process/proc-view.js';
import type { ProcInfo, ProcStat } from '../process/table.js';
import type { Tmux } from '../tmux/client.js';
import type { MachineChecks } from './checks.js';
import type { MachineFiles } from './files.js';

export { LOCAL_HOST } from '../spec/host-name.js';
import { LOCAL_HOST } from '../spec/host-name.js';

/** A process as observed: its pid and start time say whether it is still the same one. */
export type ProcessIdentity = Pick<ProcInfo, 'pid' | 'startTime'>;

/**
 * What observe and execute need from the process table of the machine a tmux server runs on. Every
 * method is one look (one round trip on a remote), whatever the number of processes it is given, so
 * stopping N trees or checking N panes costs the same number of calls as one.
 */
export interface ProcessAccess {
  /** One pass over the whole table. */
  list(): Promise<ProcStat[]>;
  /** These processes as they are now; a pid that is gone is missing from the map. */
  read(pids: readonly number[]): Promise<Map<number, ProcStat>>;
  /** Of these processes, those still running and still the same process (pid + start time), zombies excluded. */
  alive<T extends ProcessIdentity>(procs: readonly T[]): Promise<T[]>;
  /** Signals each process that is still the one observed (re-checked right before): a recycled pid is not ours. */
  signal(procs: readonly ProcessIdentity[], signal: NodeJS.Signals): Promise<void>;
  /** Which of these process groups still have a member. */
  groupsWithMembers(pgids: readonly number[]): Promise<Set<number>>;
  /** SIGCHLD to a tmux server so that it reaps exits it missed (see observe/lost-exits.ts). */
  nudgeReap(serverPid: number): Promise<boolean>;
  /**
   * A host's only (host/remote-nudge.ts): SIGCHLD to its tmux server `serverPid` every `everyMs`,
   * sent on the host with no round trip per nudge, until `signal` aborts; resolves with why it ended
   * by itself, undefined once aborted; `onChildren` hears the server's children when they change
   * there (about once a second at most). This machine's nudge is a timer (supervise/pane-liveness.ts).
   */
  keepNudging?(serverPid: number, everyMs: number, signal: AbortSignal, onChildren?: (pids: Set<number>) => void): Promise<string | undefined>;
  /** What `orphans.match` is judged on: the whole table and what the rules ask of each process (one look). */
  view(): Promise<ProcView>;
}

/**
 * One machine a tmux server runs on: this one, or a host reached over SSH. The only way observe and
 * execute reach it: tmux calls through `tmux`, processes through `procs`, log files through `files`, health checks and
 * memory looks through `checks`. They learn nothing else
 * about hosts.
 */
export interface Machine {
  /** `local`, or the name of a host in the specs. */
  readonly host: string;
  readonly tmux: Tmux;
  readonly procs: ProcessAccess;
  /** The session logs kept there. */
  readonly files: MachineFiles;
  /**
   * A host's only: runs these tmux words and then the test of these directories in one round trip,
   * in that order, so that the next identical `tmux.exec` and `files.missingDirs` are answered by it
   * (a look a pass makes anyway, at the cost of one call instead of two, and never a folder looked at
   * before a death that tmux then shows). This machine needs none: its folders are a stat away.
   */
  lookAhead?(tmuxArgs: readonly string[], dirs: readonly string[]): Promise<void>;
  /** Health checks and memory looks, run there (a host's check probes the host, never this machine). */
  readonly checks: MachineChecks;
}

export function isLocal(machine: Pick<Machine, 'host'>): boolean {
  return machine.host === LOCAL_HOST;
}
