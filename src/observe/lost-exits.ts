import type { ProcessAccess } from '../host/machine.js';
import type { ProcStat } from '../process/table.js';
import type { ObservedState } from './types.js';

/**
 * Dead panes whose exit tmux has not recorded (yet). Two causes, both seen on Debian's tmux 3.3a:
 * - Lost: tmux built with libutempter can lose a pane process's SIGCHLD (tmux/tmux#311): the pane
 *   shows dead with no exit status, the process stays a zombie of the server, and nothing changes
 *   until some other child of the server dies. A SIGCHLD sent to the server makes it reap and record
 *   them (the maintainer's workaround in #311).
 * - On its way: the kernel closes an exiting process's files before it makes it a zombie, and tmux
 *   marks the pane dead on that close. A look in between sees no status; under load that lasted
 *   long enough for a notification to say `exited` where the next look said `exited with status 3`.
 *   Such a process is still running (R) or in the kernel (D), or a zombie, or already reaped by the
 *   time /proc is read (the likeliest: tmux reaps within a moment); a look a moment later has its exit.
 *
 * Without either, the restart policy cannot tell a clean exit from a failure. Sends the SIGCHLD
 * when a pane is lost; returns whether a fresh snapshot will show more (a nudge was sent or an exit
 * is on its way). Only this very server's children count, so nothing else is signalled or waited for;
 * a pane process that closed its terminal and sleeps on (S) is not waited for.
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
  const children = suspects.map((pid) => now.get(pid)).filter((p): p is ProcStat => p !== undefined && p.ppid === server);
  // A lost exit is nudged whatever else this look holds.
  const nudged = children.some((p) => p.state === 'Z') && (await procs.nudgeReap(server));
  // Gone since the look: only its parent, the server, can have reaped it, and tmux records a pane's
  // exit in the same step as it reaps (server.c, server_child_exited). The next look has it.
  const gone = suspects.some((pid) => !now.has(pid));
  return nudged || gone || children.some((p) => p.state === 'R' || p.state === 'D');
}
