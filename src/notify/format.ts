import type { Notification } from './types.js';

/** Telegram refuses a message over 4096 characters; the output lines are cut first. */
const MAX_TEXT = 4000;

/** One readable message (Telegram, `notify test` previews): what, where, why, and the last output. */
export function messageText(n: Notification): string {
  const head = [
    `tmuxctl: ${n.event} ${n.target} on ${n.host}`,
    `${n.reason}${n.restarts !== undefined ? ` (${n.restarts} restart${n.restarts === 1 ? '' : 's'})` : ''}`,
    ...(n.folded ? [n.folded] : []),
    new Date(n.at).toISOString(),
  ].join('\n');
  if (!n.lines || n.lines.length === 0) return head.slice(0, MAX_TEXT);
  const lines = [...n.lines];
  let text = `${head}\n\nlast output:\n${lines.join('\n')}`;
  while (text.length > MAX_TEXT && lines.length > 0) {
    lines.shift();
    text = `${head}\n\nlast output:\n${lines.join('\n')}`;
  }
  return text.slice(0, MAX_TEXT);
}

/** What a webhook receives, as JSON. */
export function payload(n: Notification): Record<string, unknown> {
  return {
    event: n.event,
    target: n.target,
    host: n.host,
    time: new Date(n.at).toISOString(),
    reason: n.reason,
    restarts: n.restarts ?? null,
    folded: n.folded ?? null,
    lines: n.lines ?? [],
    text: messageText(n),
  };
}

/** What a `command` channel gets in its environment (the output lines go to its stdin). */
export function commandEnv(n: Notification): Record<string, string> {
  return {
    TMUXCTL_EVENT: n.event,
    TMUXCTL_TARGET: n.target,
    TMUXCTL_REASON: n.reason,
    TMUXCTL_HOST: n.host,
    TMUXCTL_TIME: new Date(n.at).toISOString(),
    TMUXCTL_RESTARTS: n.restarts === undefined ? '' : String(n.restarts),
    TMUXCTL_FOLDED: n.folded ?? '',
  };
}
