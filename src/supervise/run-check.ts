import { execa } from 'execa';
import { signalOwnGroup } from '../process/signal.js';

import type { CheckResult } from '../host/checks.js';

export type { CheckResult } from '../host/checks.js';

/** Process groups of the checks running now, so that a stopping watch can end them (killRunningChecks). */
const running = new Set<number>();

/**
 * Runs a health-check command in its own process group and kills the whole group on timeout, and
 * whatever is left of it when the check ends, so a `sh -c 'curl ...'` cannot leave its curl behind. Output is discarded: only the exit status counts.
 *
 * execa does the spawning and turns every way a process can end (exit status, signal, spawn error)
 * into one result. Its own `timeout` is not used: it kills only the group leader, and only after
 * the leader is reaped would the group be killed here, when its id may no longer be ours. Our timer
 * kills the group while the leader still holds the id.
 */
export async function runCheck(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CheckResult> {
  // extendEnv false: the check gets exactly `env` (the caller already merged tmuxctl's own environment).
  const subprocess = execa(argv[0]!, argv.slice(1), { cwd, env, extendEnv: false, stdio: 'ignore', detached: true, reject: false });
  const pgid = subprocess.pid;
  let timedOut = false;
  if (pgid !== undefined) running.add(pgid);
  const timer = setTimeout(() => {
    timedOut = true;
    if (pgid !== undefined) signalOwnGroup(pgid, 'SIGKILL'); // the whole group: a `sh -c 'curl ...'` leaves no curl behind
  }, timeoutMs);
  try {
    const r = await subprocess;
    if (timedOut) return { ok: false, detail: `timed out after ${timeoutMs / 1000}s` };
    if (r.exitCode === 0) return { ok: true, detail: 'exit status 0' };
    if (r.signal) return { ok: false, detail: `killed by ${r.signal}` };
    if (r.exitCode !== undefined) return { ok: false, detail: `exit status ${r.exitCode}` };
    return { ok: false, detail: `cannot run: ${(r.cause as NodeJS.ErrnoException | undefined)?.code ?? r.shortMessage}` };
  } finally {
    clearTimeout(timer);
    if (pgid !== undefined) {
      running.delete(pgid);
      // What the check left in its group (`sleep 60 & exit 0`) goes with it: one leaked process per
      // check otherwise, for as long as watch runs and after. A group with members keeps its id (the
      // kernel hands out no pid still in use as a group id), so the id is still ours to signal.
      signalOwnGroup(pgid, 'SIGKILL');
    }
  }
}

/** Kills every check still running (watch stopping): a detached group would otherwise outlive watch. */
export function killRunningChecks(): void {
  for (const pgid of running) signalOwnGroup(pgid, 'SIGKILL');
}
