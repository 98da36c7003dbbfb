import type { PaneInfo, TmuxServer } from './tmux.js';

/**
 * Makes a session tmuxctl just created look as tmuxctl 0.1 left it: its pane and window stamps
 * removed, the stamps on the session instead (`@tmuxctl-hash` = the pane's hash, `@tmuxctl-pane`,
 * and `options`, e.g. `@tmuxctl-restarts`), the pane marked `@tmuxctl-managed-pane`. Returns the pane.
 */
export async function stampAsLegacy(t: TmuxServer, session: string, options: Record<string, string>): Promise<PaneInfo> {
  const made = (await t.pane(session))!;
  const hash = /(?:^| )h=(\S+)/.exec(made.stamp)![1]!;
  await t.tmux('set-option', '-p', '-t', made.paneId, '-u', '@tmuxctl-stamp');
  await t.tmux('set-option', '-w', '-t', made.windowId, '-u', '@tmuxctl-window');
  for (const [k, v] of Object.entries({ '@tmuxctl-hash': hash, '@tmuxctl-pane': made.paneId, ...options })) {
    await t.tmux('set-option', '-t', made.sessionId, k, v);
  }
  await t.tmux('set-option', '-p', '-t', made.paneId, '@tmuxctl-managed-pane', '1');
  return made;
}
