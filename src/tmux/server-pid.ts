import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/**
 * The pid of the tmux server listening on `socketPath`, found without asking tmux (which is what
 * fails when this is called: a stopped or hung server answers nothing). The kernel lists every
 * listening Unix socket with its path and inode in /proc/net/unix; the server is the process of
 * this user holding that inode. Only read on the failure path: it walks /proc.
 */
export function findServerPid(socketPath: string, uid = process.getuid?.() ?? 0): number | undefined {
  const inodes = listeningInodes(socketPath);
  if (inodes.size === 0) return undefined;
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Only the user's own processes: their fds are the only ones this user may read anyway.
      if (statSync(`/proc/${entry}`).uid !== uid) continue;
    } catch {
      continue;
    }
    for (const fd of safeReaddir(`/proc/${entry}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return Number(entry);
    }
  }
  return undefined;
}

/** Whether a process is stopped (SIGSTOP, SIGTSTP, or a tracer): state T or t in /proc/PID/stat. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}

/** Inodes of listening sockets bound to exactly this path (flag __SO_ACCEPTCON, 0x10000). */
function listeningInodes(socketPath: string): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path (the path may contain spaces: the rest of the line)
    const m = /^\s*\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+(\d+)\s(.*)$/.exec(line);
    if (!m) continue;
    const listening = (Number.parseInt(m[1]!, 16) & 0x10000) !== 0;
    if (listening && m[3] === socketPath) out.add(m[2]!);
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
