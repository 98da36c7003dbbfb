import { readProc } from '../observe/processes.js';
import type { ObservedState } from '../observe/types.js';

export interface PaneLiveness {
  /** Follow the pane processes this snapshot saw running (replaces what was followed). */
  follow(observed: ObservedState): void;
  stop(): void;
}

/**
 * The backstop for a lost pane-died hook. tmux built with libutempter (Debian's 3.3a is) can lose
 * the SIGCHLD of a pane's process (tmux/tmux#311; seen here in about 1 of 3 kills while a client
 * waits on a channel): the pane then shows dead with no exit status and no time, its pane-died hook
 * never fires, and nothing would wake watch before the next resync.
 *
 * So between passes this reads /proc (no tmux call) every `intervalMs` for the pane processes the
 * last pass saw running. One that has exited wakes watch. One still a zombie, a child tmux has not
 * reaped, also earns the tmux server a SIGCHLD: tmux then reaps it, records its exit status and
 * fires the hook as usual (the workaround tmux's maintainer gives in #311; observe() does the same
 * for a dead pane it finds unreaped, see observe/lost-exits.ts).
 */
export function followPanes(onExit: () => void, intervalMs: number): PaneLiveness {
  let followed: { pid: number; startTime: number }[] = [];
  let serverPid: number | undefined;

  const timer = setInterval(() => {
    let exited = false;
    for (const f of followed) {
      const now = readProc(f.pid);
      if (now && now.startTime === f.startTime && now.state !== 'Z') continue;
      exited = true;
      if (now?.state === 'Z' && now.ppid === serverPid) nudge(serverPid); // only ever the server of that zombie
    }
    if (!exited) return;
    followed = []; // the pass this wakes follows the panes afresh
    onExit();
  }, intervalMs);
  timer.unref();

  return {
    follow(observed) {
      serverPid = observed.serverPid;
      followed = [];
      for (const s of observed.sessions.values()) {
        if (!s.owned) continue;
        // A pane dead in tmux's eyes but never reaped is observe()'s to nudge (observe/lost-exits.ts).
        if (s.pane.dead) continue;
        const p = readProc(s.pane.pid);
        // Already gone or a zombie: startTime -1 never matches, so the next tick reports it.
        followed.push({ pid: s.pane.pid, startTime: p && p.state !== 'Z' ? p.startTime : -1 });
      }
    },
    stop: () => clearInterval(timer),
  };
}

function nudge(serverPid: number | undefined): void {
  if (serverPid === undefined) return;
  try {
    process.kill(serverPid, 'SIGCHLD');
  } catch {
    // server gone: the wait-for client reports that
  }
}
