import type { TmuxClient } from '../tmux/client.js';
import { WAKE_CHANNEL } from '../tmux/options.js';

export interface TmuxEvents {
  stop(): void;
}

/**
 * Wakes watch when tmux says something changed: the pane-died and session-closed hooks signal
 * WAKE_CHANNEL, and one blocked `tmux wait-for` client per watch returns at once. The wait's own
 * timeout is the periodic resync, the backstop for anything a hook did not report.
 */
export function listenForTmuxEvents(tmux: TmuxClient, onWake: (why: string) => void, resyncMs: number): TmuxEvents {
  const abort = new AbortController();
  const loop = async () => {
    while (!abort.signal.aborted) {
      let why = 'resync';
      try {
        const r = await tmux.exec(['wait-for', WAKE_CHANNEL], { timeoutMs: resyncMs, signal: abort.signal });
        if (abort.signal.aborted) return;
        if (r.code === 0) why = 'tmux event';
        else {
          // No server (yet, or any more): look again, then retry the wait a little later.
          why = 'tmux server gone';
          onWake(why);
          await pause(Math.min(1000, resyncMs), abort.signal);
          continue;
        }
      } catch {
        // timed out: the resync
      }
      if (!abort.signal.aborted) onWake(why);
    }
  };
  void loop();
  return { stop: () => abort.abort() };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
