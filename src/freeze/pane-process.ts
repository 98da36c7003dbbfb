import { unwrapArgv } from '../apply/carry-screen.js';
import { foregroundGroup, listProcs, readArgv, readProc } from '../process/table.js';

/** What runs in a pane, read from /proc: enough to tell a command from a shell with a job. */
export interface PaneProcess {
  /** argv of the pane's own process; [] when it is gone. */
  argv: string[];
  /**
   * argv of the job in the foreground of the pane's terminal, when that is not the pane's process
   * itself (a shell running `sleep 1000` it was typed). Its process group's leader is the job as
   * typed (the first command of a pipeline); when the leader already exited, the oldest member.
   */
  foreground?: string[];
}

/**
 * `selfPid`: this tmuxctl. The pane where `tmuxctl freeze` was typed has freeze itself as its job,
 * which is no job to keep: typed again by an apply it would freeze once more. That pane is read as
 * its shell alone.
 */
export function readPaneProcess(pid: number, selfPid = process.pid): PaneProcess {
  // A pane tmuxctl restarted runs its real command once the reprint wrapper has exec'd it; caught
  // in between, the wrapper is no command to freeze.
  const argv = unwrapArgv(readArgv(pid));
  const group = foregroundGroup(pid);
  if (argv.length === 0 || group === undefined || group === pid) return { argv };
  if (group === readProc(selfPid)?.pgid) return { argv };
  let foreground = readArgv(group);
  if (foreground.length === 0) {
    const member = listProcs()
      .filter((p) => p.pgid === group)
      .sort((a, b) => a.startTime - b.startTime || a.pid - b.pid)[0];
    foreground = member ? readArgv(member.pid) : [];
  }
  return foreground.length > 0 ? { argv, foreground } : { argv };
}
