import { errorText } from '../errors.js';
import type { EventLog } from '../log/events.js';
import type { Tmux } from '../tmux/client.js';
import { setPaneHealth } from '../tmux/commands.js';

/**
 * Health as watch judges it is stamped on the pane, so `status` (another process) can show it.
 * Fire and forget: a stamp that cannot be written (the session just went, tmux busy) is replaced by
 * the next verdict, and must never hold up or fail a pass.
 */
export function stampHealth(tmux: Tmux, events: EventLog): (paneId: string, health: string) => void {
  return (paneId, health) => {
    tmux.runScript(setPaneHealth(paneId, health)).catch((e: unknown) => {
      events.record({ event: 'health-stamp-failed', reason: errorText(e) }, 'debug');
    });
  };
}
