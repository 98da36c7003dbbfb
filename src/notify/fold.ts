import type { Occurrence } from './judge.js';
import type { Notification, NotifyChannel } from './types.js';

/** What a message is about, and the channel it goes through. */
export interface Delivery {
  channel: NotifyChannel;
  notification: Notification;
  /**
   * Reads the pane's last output lines, when the message is about to be sent (off the pass): from
   * this machine's log, or from a host's over its connection. Never rejects; bounded in time.
   */
  readLines?: () => Promise<string[]>;
}

/** How uncounted occurrences are named when folded into the next message. */
function noun(event: Occurrence['event'], n: number): string {
  const one = event === 'unhealthy' ? 'failed health verdict' : event === 'orphan-stopped' ? 'orphan stopped' : 'crash';
  if (n === 1) return one;
  return one === 'crash' ? 'crashes' : one === 'orphan stopped' ? 'orphans stopped' : `${one}s`;
}

/**
 * Decides which occurrences become messages, per channel: only the events the channel is `on`, and
 * the same event for the same target again within the channel's `cooldownSeconds` is not sent but
 * counted, like every crash nobody was told about, and the count rides on the next message sent
 * for that target through that channel (`... and 4 more crashes`). Pure: time comes with each call.
 */
export class Folder {
  /** `label\0target\0event` -> when it was last sent. */
  private readonly lastSent = new Map<string, number>();
  /** `label\0target` -> counts by noun, waiting for the next message. */
  private readonly pending = new Map<string, Map<Occurrence['event'], number>>();

  constructor(private readonly host: string) {}

  fold(o: Occurrence, channels: readonly NotifyChannel[]): Delivery[] {
    const out: Delivery[] = [];
    for (const channel of channels) {
      const key = `${channel.label}\0${o.target}`;
      const wanted = o.event !== 'crash' && channel.on.includes(o.event);
      const sentKey = `${key}\0${o.event}`;
      const last = this.lastSent.get(sentKey);
      if (wanted && (last === undefined || o.at - last >= channel.cooldownSeconds * 1000)) {
        this.lastSent.set(sentKey, o.at);
        const folded = this.takeFolded(key);
        out.push({
          channel,
          notification: {
            event: o.event as Notification['event'],
            target: o.target,
            host: this.host,
            at: o.at,
            reason: o.reason,
            ...(o.restarts !== undefined && { restarts: o.restarts }),
            ...(folded && { folded }),
          },
        });
        continue;
      }
      // Counted: deaths (told or not through this channel), and bad news the cooldown held back.
      // Good news, and a limit already reached (`gave-up`), is no count.
      const kind = isCrash(o.event) ? 'crash' : wanted && (o.event === 'unhealthy' || o.event === 'orphan-stopped') ? o.event : undefined;
      if (kind === undefined) continue;
      const counts = this.pending.get(key) ?? new Map<Occurrence['event'], number>();
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      this.pending.set(key, counts);
    }
    return out;
  }

  /** Targets no longer declared are forgotten, as the judge forgets them. */
  forget(keep: (target: string) => boolean): void {
    for (const map of [this.lastSent, this.pending]) {
      for (const key of map.keys()) if (!keep(key.split('\0')[1]!)) map.delete(key);
    }
  }

  private takeFolded(key: string): string | undefined {
    const counts = this.pending.get(key);
    if (!counts || counts.size === 0) return undefined;
    this.pending.delete(key);
    const parts = [...counts].map(([kind, n]) => `${n} more ${noun(kind, n)}`);
    return `... and ${parts.join(', ')}`;
  }
}

function isCrash(event: Occurrence['event']): boolean {
  return event === 'crash' || event === 'start-failed' || event === 'crash-loop';
}
