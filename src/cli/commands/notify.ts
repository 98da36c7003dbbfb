import { hostname } from 'node:os';
import { Outbox } from '../../notify/outbox.js';
import { realTransport } from '../../notify/send.js';
import type { Notification, NotifyChannel } from '../../notify/types.js';
import type { Context } from '../context.js';
import { loadOrFail } from '../context.js';
import { paint } from '../io.js';

/**
 * `tmuxctl notify test`: one test message through every channel the specs configure (a file's
 * channels once, however many sessions share them), one try each with the usual timeout, sent at
 * the same time. One line per channel, by its label (never a url or token). Exit 0 when every
 * channel took its message, 3 when one did not, 2 when the specs configure none.
 */
export async function notifyTestCommand(ctx: Context, opts: { file?: string[] }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file, 'inspect');
  const channels = new Map<string, { channel: NotifyChannel; sessions: string[] }>();
  for (const s of desired.sessions) {
    for (const c of s.notify ?? []) {
      const entry = channels.get(c.label) ?? { channel: c, sessions: [] };
      entry.sessions.push(s.name);
      channels.set(c.label, entry);
    }
  }
  if (channels.size === 0) {
    ctx.io.err('tmuxctl: no notification channels in these specs (add `notify:` to a spec file or a session)\n');
    return 2;
  }
  const results = new Map<string, string | undefined>();
  const outbox = new Outbox({
    send: realTransport(ctx.io.env as NodeJS.ProcessEnv),
    tries: 1,
    onResult: (d, r) => results.set(d.channel.label, r.ok ? undefined : r.reason),
  });
  const host = hostname();
  for (const { channel, sessions } of channels.values()) {
    const n: Notification = { event: 'test', target: sessions.join(', '), host, at: Date.now(), reason: 'a test message from `tmuxctl notify test`' };
    outbox.enqueue({ channel, notification: n });
  }
  // Each try ends at its own timeout; this only bounds the whole.
  await outbox.drain(15_000);
  let failed = 0;
  for (const label of channels.keys()) {
    const result = results.has(label) ? results.get(label) : 'no answer in time';
    if (result === undefined) ctx.io.out(`${paint(ctx.io, 'green', 'ok')}      ${label}\n`);
    else {
      failed++;
      ctx.io.out(`${paint(ctx.io, 'red', 'failed')}  ${label}: ${result}\n`);
    }
  }
  return failed > 0 ? 3 : 0;
}
