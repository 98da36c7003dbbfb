import type { Tmux } from './client.js';
import { WAKE_CHANNEL } from './options.js';

/**
 * Signals the channel a `watch` on this server waits on, so it looks at once (it hands over the
 * lock it keeps between passes when asked: apply/kept-lock.ts). Best effort and short: without a
 * watch or a server nothing listens, and the lock's own request file is what counts.
 */
export async function wakeWatch(tmux: Tmux): Promise<void> {
  await tmux.exec(['wait-for', '-S', WAKE_CHANNEL], { timeoutMs: 2000 }).catch(() => undefined);
}
