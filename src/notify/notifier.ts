import { hostname } from 'node:os';
import { errorText } from '../errors.js';
import type { MachineFiles } from '../host/files.js';
import type { EventLog, TmuxctlEvent } from '../log/events.js';
import type { ObservedState } from '../observe/types.js';
import { type DesiredState, panesOf, type PaneSpec, type SessionSpec } from '../spec/types.js';
import { type Delivery, Folder } from './fold.js';
import { Judge, type Occurrence } from './judge.js';
import { lastLines, lastLinesOn, linesWithin } from './last-lines.js';
import { Outbox } from './outbox.js';
import { realTransport, type Transport } from './send.js';
import type { NotifyEventName } from './types.js';

export interface NotifierOptions {
  /** The event log everything is recorded in; the notifier's own events (sent, failed) go here too. */
  events: EventLog;
  /** This machine's sessions (watch's local watcher); a host's come with `forHost`. */
  desired: DesiredState;
  logDir: string;
  /** The environment a `command` channel runs with (plus the payload). */
  env: NodeJS.ProcessEnv;
  /** Only these events are sent (apply: `start-failed`); default all. */
  only?: ReadonlySet<NotifyEventName>;
  host?: string;
  send?: Transport;
  now?: () => number;
  /** How long a message waits for a host's last lines (HOST_LINES_MS; shorter in tests). */
  hostLinesMs?: number;
}

/** What one watcher feeds: its events and its passes' snapshots. */
export interface WatcherNotifier {
  /** The event log to hand reconcile and watch: records as the inner one does, and feeds the outbox. */
  readonly events: EventLog;
  /** A snapshot a pass took (watch), with the specs it was taken for: deaths, verdicts, recoveries. */
  observe(observed: ObservedState, desired: DesiredState): void;
}

/** A host's watcher, as the notifier needs it. */
export interface HostFeed {
  /** The host's name in the specs: the `host` of its messages, and the `gpu1/` of their targets. */
  host: string;
  /** Where the host's events are recorded (they name the host already: cli/host-watchers.ts). */
  events: EventLog;
  /** The specs' sessions on that host. */
  desired: DesiredState;
  /** The host's files (its logs are read over its connection) and the folder of its session logs there. */
  files: Pick<MachineFiles, 'readLogs'>;
  logDir: string;
}

export interface Notifier extends WatcherNotifier {
  /** The notifier of a host's watcher: same channels, outbox and cooldowns; targets named `host/session`. */
  forHost(feed: HostFeed): WatcherNotifier;
  /** Waits for queued messages, at most `ms`, then sends nothing more. */
  drain(ms: number): Promise<boolean>;
}

/**
 * How long a message waits for a host's last lines: a host that does not answer (lost, or slow)
 * gets its message sent without them.
 */
export const HOST_LINES_MS = 5000;

/**
 * One machine's part of the notifier: the judge of its targets, the cooldowns of its messages, the
 * specs of its sessions, and where its panes' output is read. Each watcher forgets the targets its
 * own specs no longer declare, so one machine's pass never forgets another's.
 */
class Lane {
  readonly judge = new Judge();
  readonly folder: Folder;
  sessions = new Map<string, SessionSpec>();
  panes = new Map<string, PaneSpec>();

  constructor(
    /** `local`'s lane: undefined; a host's: its name, the prefix of its targets. */
    private readonly prefix: string | undefined,
    hostField: string,
    readonly readLines: (target: string) => Promise<string[]>,
  ) {
    this.folder = new Folder(hostField);
  }

  follow(desired: DesiredState): void {
    this.sessions = new Map(desired.sessions.map((s) => [s.name, s]));
    this.panes = new Map(desired.sessions.flatMap(panesOf).map((p) => [p.target, p]));
  }

  /** The target as messages and events name it: `gpu1/agent-a` on a host. */
  qualify(target: string): string {
    return this.prefix === undefined ? target : `${this.prefix}/${target}`;
  }

  forget(): void {
    this.judge.forget((target) => this.panes.has(target));
    const declared = new Set([...this.panes.keys()].map((t) => this.qualify(t)));
    this.folder.forget((target) => declared.has(target));
  }
}

/**
 * The notifier: a tee on the event log (what tmuxctl records: apply's failed starts, restart limits,
 * stopped orphans) plus the snapshots of watch's passes (deaths and their crash counts, health
 * verdicts, recoveries), turned into one message per state change per target (judge.ts), per channel
 * with its cooldown (fold.ts), delivered off the pass by the outbox (outbox.ts). Nothing here can
 * fail a pass: a fault of its own is recorded as a `notify-error` event and the pass goes on.
 * This machine's watcher feeds it directly; each host's watcher through `forHost`, one outbox for all.
 */
export function createNotifier(opts: NotifierOptions): Notifier {
  const inner = opts.events;
  const now = opts.now ?? Date.now;

  const outbox = new Outbox({
    send: opts.send ?? realTransport(opts.env),
    prepare: async (d) => ({
      ...d,
      notification: { ...d.notification, lines: d.notification.event === 'test' || !d.readLines ? [] : await d.readLines() },
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

  const send = (lane: Lane, occurrences: readonly Occurrence[]) => {
    for (const o of occurrences) {
      if (o.event !== 'crash' && opts.only && !opts.only.has(o.event)) continue;
      const channels = lane.sessions.get(o.target.split(':')[0]!)?.notify ?? [];
      if (channels.length === 0) continue;
      // Read when the message is sent, not now: the pass that saw the death is not held up by it.
      const readLines = () => lane.readLines(o.target);
      for (const d of lane.folder.fold({ ...o, target: lane.qualify(o.target) }, channels)) outbox.enqueue({ ...(d as Delivery), readLines });
    }
  };
  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      inner.record({ event: 'notify-error', reason: `${what}: ${errorText(e)}` }, 'error');
    }
  };

  /** A watcher's feed into a lane: its events recorded where `record` writes them, and judged. */
  const feed = (lane: Lane, record: EventLog): WatcherNotifier => ({
    events: {
      record(e: TmuxctlEvent, level) {
        record.record(e, level);
        safely('reading an event', () => send(lane, lane.judge.record(e, now())));
      },
      close: () => record.close(),
    },
    observe(observed, desired) {
      safely('reading a snapshot', () => {
        lane.follow(desired);
        lane.forget();
        send(lane, lane.judge.observe(observed, lane.panes));
      });
    },
  });

  const local = new Lane(undefined, opts.host ?? safeHostname(), async (target) => lastLines(opts.logDir, target));
  local.follow(opts.desired);
  const localFeed = feed(local, inner);
  const hosts = new Map<string, Lane>();

  return {
    ...localFeed,
    forHost(host) {
      // A host watched again (reconnected) keeps its lane: what its people were told stays told.
      let lane = hosts.get(host.host);
      if (!lane) {
        lane = new Lane(host.host, host.host, (target) => linesWithin(opts.hostLinesMs ?? HOST_LINES_MS, () => lastLinesOn(host.files, host.logDir, target)));
        hosts.set(host.host, lane);
      }
      lane.follow(host.desired);
      return feed(lane, host.events);
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
