import { readFileSync } from 'node:fs';
import { nudgeReap } from '../process/signal.js';
import { readProc } from '../process/table.js';
import { managedPanes, type ObservedState } from '../observe/types.js';

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
 * Two cheap timers, both free of tmux calls and independent of the number of sessions on the fast one:
 * - every `nudgeMs`, while the server is known, one SIGCHLD to the tmux server (the workaround tmux's
 *   maintainer gives in #311): tmux reaps whatever it missed, records the exit status and fires
 *   pane-died as usual, which wakes watch through its wait-for channel. One syscall per tick.
 * - every `checkMs`, the server's list of children is read from /proc (one file whatever N); a
 *   followed pane process no longer in it has exited and wakes watch directly, should the hook
 *   itself have been lost. This is the "within a second" guarantee.
 * observe() nudges the same way for a dead pane it finds unreaped (observe/lost-exits.ts). Both send
 * through the one nudge of process/signal.ts (nudgeReap); they differ only in when: observe() on
 * evidence (a zombie pane process in one snapshot, for apply and status), this file blindly on a
 * timer (between passes nothing is observed, and reading /proc per pane every 250 ms would cost more
 * than the signal).
 */
export function followPanes(onExit: () => void, nudgeMs: number, checkMs: number | undefined): PaneLiveness {
  let followed: { pid: number; startTime: number }[] = [];
  let server: { pid: number; startTime: number } | undefined;

  const nudger = setInterval(() => {
    // SIGCHLD is ignored by default, so a pid recycled within the second before the checker below
    // re-checks the server's identity takes no harm from it. Server gone: the wait-for client reports that.
    // Whether or not a live pane is followed: a pane started since the last pass by another command
    // (`tmuxctl start` of a failed pane, an apply) is followed by nobody, and its exit, when tmux loses
    // it, would wait for the resync (30 s), the only other thing that looks.
    if (server) nudgeReap(server.pid);
  }, nudgeMs);
  nudger.unref();

  const check = () => {
    if (followed.length === 0) return;
    // The server's identity is checked here, once a second, not on every nudge.
    if (server && readProc(server.pid)?.startTime !== server.startTime) server = undefined;
    const children = server ? childrenOf(server.pid) : undefined;
    // Without the children file, each followed process is read for itself: gone, another one, or a zombie.
    const exited = children
      ? anyMissing(
          followed.map((f) => f.pid),
          children,
        )
      : followed.some((f) => {
          const now = readProc(f.pid);
          return !now || now.startTime !== f.startTime || now.state === 'Z';
        });
    if (!exited) return;
    followed = []; // the pass this wakes follows the panes afresh
    onExit();
  };
  // checkMs undefined: no /proc backstop (a test knob: deaths then reach watch only through the hook).
  const checker = checkMs === undefined ? undefined : setInterval(check, checkMs);
  checker?.unref();

  return {
    follow(observed) {
      const p = observed.serverPid === undefined ? undefined : readProc(observed.serverPid);
      server = p && observed.serverPid !== undefined ? { pid: observed.serverPid, startTime: p.startTime } : undefined;
      followed = [];
      for (const s of observed.sessions.values()) {
        if (!s.owned) continue;
        // A pane dead in tmux's eyes but never reaped is observe()'s to nudge (observe/lost-exits.ts).
        for (const { pane } of managedPanes(s).values()) {
          if (pane.dead) continue;
          const proc = readProc(pane.pid);
          // Already gone or a zombie: startTime -1 never matches, so the next check reports it.
          followed.push({ pid: pane.pid, startTime: proc && proc.state !== 'Z' ? proc.startTime : -1 });
        }
      }
    },
    stop: () => {
      clearInterval(nudger);
      if (checker) clearInterval(checker);
    },
  };
}

/**
 * The tmux server's children in one read (pane processes are its children until reaped; a zombie
 * is still listed, and the nudges get it reaped). Undefined where the kernel does not offer the file.
 */
function childrenOf(pid: number): Set<number> | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return new Set(text.split(' ').filter(Boolean).map(Number));
  } catch {
    return undefined;
  }
}

/**
 * Whether a followed pane process is missing from the tmux server's children, the rule of both
 * backstops (followPanes here, nudgeOnHost on a host): a pane process stays the server's child until
 * tmux reaps it, as a zombie too, so one missing has exited. Pure.
 */
export function anyMissing(followed: readonly number[], children: ReadonlySet<number>): boolean {
  return followed.some((pid) => !children.has(pid));
}

/** How soon a host's nudge that ended by itself (its ssh lost) is started again; doubles up to the max. */
const HOST_NUDGE_RETRY_FIRST_MS = 1000;
const HOST_NUDGE_RETRY_MAX_MS = 30_000;
/** A nudge that ran this long before it ended was working: the next retry starts from the first delay. */
const HOST_NUDGE_STEADY_MS = 30_000;

export type KeepNudging = (serverPid: number, everyMs: number, signal: AbortSignal, onChildren?: (pids: Set<number>) => void) => Promise<string | undefined>;

/**
 * The nudge of followPanes for a tmux server on a host: there it is one long-lived ssh whose loop
 * signals the server on the host (host/remote-nudge.ts), not a signal from here per tick. Follows
 * the server each pass observed: started for it, replaced when its pid changes (a server restarted),
 * ended when there is none, when watch stops, and with its ssh. One that ends by itself (the link
 * or the host lost) is started again after a delay that doubles from 1 s to 30 s, never at once;
 * `onEnded` is told why. The /proc backstop runs there too: the loop tells the server's children
 * when they change, and a followed pane process missing from them calls `onExit`, as followPanes
 * does here (once per pass: the pass it wakes follows the panes afresh).
 */
export function nudgeOnHost(
  keepNudging: KeepNudging,
  nudgeMs: number,
  onEnded: (why: string, retryInMs: number) => void,
  onExit: () => void = () => {},
): PaneLiveness {
  let followed: number[] = [];
  /** The server's children as the loop last told them, if it did. */
  let children: Set<number> | undefined;
  /**
   * Whether the last report woke a pass already: each wakes one at most. A pane started since that
   * report (they come about once a second, on change) is missing from it without having exited,
   * and would otherwise wake pass after pass until the next one.
   */
  let spent = false;
  const check = () => {
    if (spent || !children || !anyMissing(followed, children)) return;
    spent = true;
    followed = [];
    onExit();
  };
  let running: { pid: number; abort: AbortController } | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retryMs = HOST_NUDGE_RETRY_FIRST_MS;
  let stopped = false;

  const end = () => {
    clearTimeout(retry);
    retry = undefined;
    running?.abort.abort();
    running = undefined;
  };
  const start = (pid: number) => {
    const abort = new AbortController();
    const me = { pid, abort };
    running = me;
    const since = Date.now();
    const report = (kids: Set<number>) => {
      if (running !== me) return;
      children = kids;
      spent = false;
      check();
    };
    void keepNudging(pid, nudgeMs, abort.signal, report).then((why) => {
      // Aborted (replaced, stopped), or not the current one any more: nothing to do.
      if (why === undefined || running !== me || stopped) return;
      if (Date.now() - since >= HOST_NUDGE_STEADY_MS) retryMs = HOST_NUDGE_RETRY_FIRST_MS;
      const wait = retryMs;
      retryMs = Math.min(retryMs * 2, HOST_NUDGE_RETRY_MAX_MS);
      onEnded(why, wait);
      retry = setTimeout(() => {
        retry = undefined;
        if (running === me && !stopped) start(pid);
      }, wait);
      retry.unref();
    });
  };

  return {
    follow(observed) {
      if (stopped) return;
      followed = [...observed.sessions.values()].flatMap((s) =>
        s.owned ? [...managedPanes(s).values()].flatMap(({ pane }) => (pane.dead ? [] : [pane.pid])) : [],
      );
      const pid = observed.serverPid;
      if (pid === running?.pid) {
        // The same server: the loop (or its retry) goes on. What it told during the pass counts too:
        // a pane this snapshot saw running may have gone since.
        check();
        return;
      }
      end();
      children = undefined;
      if (pid !== undefined) start(pid);
    },
    stop() {
      stopped = true;
      end();
    },
  };
}
