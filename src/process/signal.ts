import type { ChildProcess } from 'node:child_process';
import { isAlive, type ProcInfo } from './table.js';

/**
 * The only code that sends signals. Everything tmuxctl stops or nudges goes through here, so the
 * rule "only PIDs we own, still the process we saw" has one place to live.
 */

/**
 * Signals a process that must still be the one observed (same pid and start time): a pid recycled
 * since the scan is not ours. Returns whether the signal was delivered.
 */
export function signalProcess(p: Pick<ProcInfo, 'pid' | 'startTime'>, signal: NodeJS.Signals): boolean {
  if (!isAlive(p)) return false;
  return send(p.pid, signal);
}

/** Signals every member of a process group this process created itself (a health check it spawned detached). */
export function signalOwnGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  return send(-pgid, signal);
}

/**
 * SIGCHLD to a tmux server: it reaps whatever child exits it missed (tmux/tmux#311) and records them.
 * SIGCHLD is ignored by default, so even a pid recycled since the server was seen takes no harm.
 */
export function nudgeReap(serverPid: number): boolean {
  if (!Number.isInteger(serverPid) || serverPid <= 1) return false;
  return send(serverPid, 'SIGCHLD');
}

/**
 * Whether any process is in process group `pgid` (signal 0: nothing is delivered). EPERM means
 * there is one, not ours to signal; only ESRCH means none.
 */
export function groupExists(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Signals a child this process spawned (a tmux client past its timeout, or aborted). Node knows
 * whether it was reaped, so a recycled pid is never hit.
 */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  return child.kill(signal);
}

function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    // Already gone, or not ours to signal: either way nothing more to do for it.
    return false;
  }
}
