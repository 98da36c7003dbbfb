import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Clock ticks since boot; with pid it identifies a process across pid reuse. */
  startTime: number;
  state: string;
}

/** A process with the CPU time it has used so far. */
export interface ProcStat extends ProcInfo {
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Fields 3 onwards of a /proc/PID/stat line (rest[0] is the state). */
function statFields(stat: string): string[] {
  // comm (field 2) may contain spaces and parentheses: parse from the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses a /proc/PID/stat line; undefined for a line too short to be one. Pure. */
export function parseStat(pid: number, stat: string): ProcStat | undefined {
  const rest = statFields(stat);
  if (rest.length < 20) return undefined;
  return {
    pid,
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    startTime: Number(rest[19]),
  };
}

/** Reads /proc/PID/stat; undefined when the process is gone. */
export function readProc(pid: number): ProcStat | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : parseStat(pid, stat);
}

/**
 * The foreground process group of the terminal the process runs on (field 8 of its stat, tpgid):
 * for an interactive shell, its own pid while it waits at the prompt, the group of the job it runs
 * otherwise. undefined when the process is gone or has no terminal (tpgid -1).
 */
export function foregroundGroup(pid: number): number | undefined {
  const stat = readStat(pid);
  const tpgid = stat === undefined ? Number.NaN : Number(statFields(stat)[5]);
  return Number.isInteger(tpgid) && tpgid > 0 ? tpgid : undefined;
}

/** One pass over /proc: every process visible to us. */
export function listProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const p = readProc(pid);
    if (p) out.push(p);
  }
  return out;
}

/** The arguments of a process; [] for kernel threads and vanished processes. */
export function readArgv(pid: number): string[] {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '');
  } catch {
    return [];
  }
  return raw === '' ? [] : raw.split('\0');
}

/**
 * Everything that belongs to a pane's process: its descendants by parentage, plus anything still in
 * its session or process group (a backgrounded helper whose parent already exited was reparented
 * away from the tree, but tmux made the pane process a session leader, so the sid still names it).
 * Returns a lookup for any root: the parent, session and group maps are built once, so N trees cost
 * one pass over the table plus their own size.
 */
export function processTrees(procs: readonly ProcInfo[]): (root: number) => ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  const bySidOrPgid = new Map<number, ProcInfo[]>();
  const add = (m: Map<number, ProcInfo[]>, k: number, p: ProcInfo) => {
    const list = m.get(k);
    if (list) list.push(p);
    else m.set(k, [p]);
  };
  const byPid = new Map<number, ProcInfo>();
  for (const p of procs) {
    byPid.set(p.pid, p);
    add(children, p.ppid, p);
    add(bySidOrPgid, p.sid, p);
    if (p.pgid !== p.sid) add(bySidOrPgid, p.pgid, p);
  }
  return (root) => {
    const found = new Map<number, ProcInfo>();
    const self = byPid.get(root);
    const stack = [...(self ? [self] : []), ...(bySidOrPgid.get(root) ?? [])];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (found.has(p.pid)) continue;
      found.set(p.pid, p);
      stack.push(...(children.get(p.pid) ?? []));
    }
    return [...found.values()];
  };
}

/** Alive and not a zombie (kill(pid, 0) succeeds on zombies), and still the same process. */
export function isAlive(p: Pick<ProcInfo, 'pid' | 'startTime'>): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.startTime === p.startTime && now.state !== 'Z' && now.state !== 'X';
}
