import { TmuxctlError, UsageError } from '../errors.js';
import type { PaneRow } from './list-panes.js';

/**
 * The panes of the sessions to freeze. Named: exactly those (a name that is not there is a usage
 * error listing the sessions that are). Unnamed: every session tmuxctl does not own (its own are
 * declared already, by the specs that made them).
 */
export function selectPanes(rows: readonly PaneRow[], names: readonly string[]): PaneRow[] {
  const live = [...new Set(rows.map((r) => r.session))];
  if (names.length > 0) {
    const missing = names.filter((n) => !live.includes(n));
    if (missing.length > 0) {
      const there = live.length === 0 ? 'no session is running on this tmux server' : `sessions: ${live.join(', ')}`;
      throw new UsageError(`no session named ${missing.map((n) => JSON.stringify(n)).join(', ')} (${there})`);
    }
    return rows.filter((r) => names.includes(r.session));
  }
  const selected = rows.filter((r) => !r.owned);
  if (selected.length === 0)
    throw new TmuxctlError(
      live.length === 0
        ? 'nothing to freeze: no session is running on this tmux server'
        : 'nothing to freeze: every session on this tmux server is managed by tmuxctl (name one to freeze it anyway)',
      3,
    );
  return selected;
}
