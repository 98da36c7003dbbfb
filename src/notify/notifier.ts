import { hostname } from 'node:os';
import { errorText } from '../errors.js';
import type { EventLog, TmuxctlEvent } from '../log/events.js';
import type { ObservedState } from '../observe/types.js';
import { type DesiredState, panesOf, type PaneSpec, type SessionSpec } from '../spec/types.js';
import { type Delivery, Folder } from './fold.js';
import { Judge, type Occurrence } from './judge.js';
import { lastLines } from './last-lines.js';
import { Outbox } from './outbox.js';
import { realTransport, type Transport } from './send.js';
import type { NotifyEventName } from './types.js';

export interface NotifierOptions {
  /** The event log everything is recorded in; the notifier's own events (sent, failed) go here too. */
  events: EventLog;
  desired: DesiredState;
  logDir: string;
  /** The environment a `command` channel runs with (plus the payload). */
  env: NodeJS.ProcessEnv;
  /** Only these events are sent (apply: `start-failed`); default all. */
  only?: ReadonlySet<NotifyEventName>;
  host?: string;
  send?: Transport;
  now?: () => number;
}

export interface Notifier {
  /** The event log to hand reconcile and watch: records as the inner one does, and feeds the outbox. */
  readonly events: EventLog;
  /** A snapshot a pass took (watch), with the specs it was taken for: deaths, verdicts, recoveries. */
  observe(observed: ObservedState, desired: DesiredState): void;
  /** Waits for queued messages, at most `ms`, then sends nothing more. */
  drain(ms: number): Promise<boolean>;
}

/**
 * The notifier: a tee on the event log (what tmuxctl records: apply's failed starts, restart limits,
 * stopped orphans) plus the snapshots of watch's passes (deaths and their crash counts, health
 * verdicts, recoveries), turned into one message per state change per target (judge.ts), per channel
 * with its cooldown (fold.ts), delivered off the pass by the outbox (outbox.ts). Nothing here can
 * fail a pass: a fault of its own is recorded as a `notify-error` event and the pass goes on.
 */
export function createNotifier(opts: NotifierOptions): Notifier {
  const inner = opts.events;
  const now = opts.now ?? Date.now;
  const judge = new Judge();
  const folder = new Folder(opts.host ?? safeHostname());
  let sessions = new Map<string, SessionSpec>();
  let panes = new Map<string, PaneSpec>();
  const follow = (desired: DesiredState) => {
    sessions = new Map(desired.sessions.map((s) => [s.name, s]));
    panes = new Map(desired.sessions.flatMap(panesOf).map((p) => [p.target, p]));
  };
  follow(opts.desired);

  const outbox = new Outbox({
    send: opts.send ?? realTransport(opts.env),
    prepare: (d) => ({
      ...d,
      notification: { ...d.notification, lines: d.notification.event === 'test' ? [] : lastLines(opts.logDir, d.notification.target) },
    }),
    onResult: (d, r) => {
      const what = `${d.notification.event} via ${d.channel.label}`;
      if (r.ok) inner.record({ event: 'notify-sent', session: d.notification.target, reason: what }, 'info');
      else if (r.final)
        inner.record({ event: 'notify-failed', session: d.notification.target, reason: `${what}: ${r.reason} (try ${r.tries}, giving up)` }, 'warn');
      else inner.record({ event: 'notify-retry', session: d.notification.target, reason: `${what}: ${r.reason} (try ${r.tries}, trying again)` }, 'debug');
    },
    onDropped: (d) =>
      inner.record(
        {
          event: 'notify-failed',
          session: d.notification.target,
          reason: `${d.notification.event} via ${d.channel.label}: too many messages waiting, dropped`,
        },
        'warn',
      ),
  });

  const send = (occurrences: readonly Occurrence[]) => {
    for (const o of occurrences) {
      if (o.event !== 'crash' && opts.only && !opts.only.has(o.event)) continue;
      const channels = sessions.get(o.target.split(':')[0]!)?.notify ?? [];
      if (channels.length === 0) continue;
      for (const d of folder.fold(o, channels)) outbox.enqueue(d as Delivery);
    }
  };
  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      inner.record({ event: 'notify-error', reason: `${what}: ${errorText(e)}` }, 'error');
    }
  };

  return {
    events: {
      record(e: TmuxctlEvent, level) {
        inner.record(e, level);
        safely('reading an event', () => send(judge.record(e, now())));
      },
      close: () => inner.close(),
    },
    observe(observed, desired) {
      safely('reading a snapshot', () => {
        follow(desired);
        judge.forget((target) => panes.has(target));
        folder.forget((target) => panes.has(target));
        send(judge.observe(observed, panes));
      });
    },
    drain: (ms) => outbox.drain(ms),
  };
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return 'unknown host';
  }
}
