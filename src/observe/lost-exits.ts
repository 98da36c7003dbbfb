import type { ProcessAccess } from '../host/machine.js';
import type { ObservedState } from './types.js';

/**
 * Dead panes whose exit tmux never recorded. tmux built with libutempter (Debian's 3.3a is) can lose
 * a pane process's SIGCHLD (tmux/tmux#311): the pane shows dead with no exit status, the process stays
 * a zombie of the server, and nothing changes until some other child of the server dies. Then the
 * restart policy cannot tell a clean exit from a failure. A SIGCHLD sent to the server makes it reap
 * and record them (the maintainer's workaround in #311).
 *
 * Sends that SIGCHLD when the snapshot has such a pane; returns whether it did (a fresh snapshot then
 * shows the exits). Only a zombie whose parent is this very server counts, so nothing else is signalled.
 */
export async function nudgeLostExits(procs: ProcessAccess, observed: ObservedState): Promise<boolean> {
  const server = observed.serverPid;
  if (server === undefined || server <= 1) return false;
  const suspects = [...observed.sessions.values()].flatMap((s) =>
    s.windows.flatMap((w) => w.panes.filter((pane) => pane.stamp && pane.dead && !pane.exit).map((pane) => pane.pid)),
  );
  // Most snapshots have none: no look at the process table at all then.
  if (suspects.length === 0) return false;
  const now = await procs.read(suspects);
  const lost = suspects.some((pid) => {
    const p = now.get(pid);
    return p !== undefined && p.state === 'Z' && p.ppid === server;
  });
  if (!lost) return false;
  return procs.nudgeReap(server);
}
