/** How often `logs --follow` looks for pane logs that appeared since it started. */
export const NEW_LOG_POLL_MS = 1000;

/**
 * Calls `onNew` once for each log `list()` names that is not in `known` (which it extends), every
 * `intervalMs`, until the signal aborts: the timer is cleared then, and no call follows. A poll of
 * the log folder (one readdir a second) rather than fs.watch: a pane's log is made by its writer
 * when the pane starts, in a folder that may not exist yet when following begins, and fs.watch
 * neither sees a folder made later nor works on every file system. A list that fails (the folder
 * gone) is simply tried again at the next poll.
 */
export function watchNewLogs(
  list: () => readonly string[],
  known: Set<string>,
  onNew: (target: string) => void,
  signal: AbortSignal,
  intervalMs = NEW_LOG_POLL_MS,
): void {
  if (signal.aborted) return;
  const look = (): void => {
    let found: readonly string[];
    try {
      found = list();
    } catch {
      return;
    }
    for (const target of found) {
      if (known.has(target)) continue;
      known.add(target);
      onNew(target);
    }
  };
  const timer = setInterval(look, intervalMs);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
