import { HostUnreachableError, errorText } from '../errors.js';
import { LOCAL_HOST } from '../host/machine.js';
import type { EventLog } from '../log/events.js';
import type { Watcher } from '../supervise/watch.js';
import type { HostScope } from './hosts.js';

/** The first wait before connecting again to a host that could not be reached; it doubles up to the last. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export interface HostWatchersOptions {
  start(scope: HostScope): Promise<Watcher>;
  /** Connects to the host again: its scope, or why it still cannot be reached. */
  reconnect(host: string): Promise<HostScope | HostUnreachableError>;
  events: EventLog;
}

/**
 * `watch`'s watchers of the declared hosts, one per host. A host not reached at start is tried
 * again with a growing delay (1 s doubling to 30 s, never at once), and watched from the moment it
 * answers; its sessions are left alone meanwhile (nothing is done on a host that was not observed).
 * A host lost later is the watcher's own business: its passes fail and are retried with backoff.
 */
export class HostWatchers {
  private readonly watchers = new Map<string, Watcher>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(private readonly opts: HostWatchersOptions) {}

  async add(scope: HostScope): Promise<void> {
    if (this.stopped || this.watchers.has(scope.host)) return;
    const w = await this.opts.start(scope);
    this.watchers.set(scope.host, w);
    // A host where watch cannot work at all (no tmux there) is reported; the other hosts go on.
    void w.fatal.then((e) => {
      this.opts.events.record({ event: 'error', reason: `${scope.host}: ${e.message}; not watched until watch is started again` }, 'error');
      this.watchers.delete(scope.host);
      void w.stop();
    });
  }

  /** Reports the host and tries it again later. */
  retry(lost: HostUnreachableError, delayMs = FIRST_RETRY_MS): void {
    if (this.stopped) return;
    this.opts.events.record({ event: 'host-unreachable', reason: `${lost.message}; trying again in ${Math.round(delayMs / 1000)}s` }, 'warn');
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      const r = await this.opts.reconnect(lost.host).catch((e: unknown) => new HostUnreachableError(lost.host, errorText(e)));
      if (this.stopped) return;
      if (r instanceof HostUnreachableError) {
        this.retry(r, Math.min(delayMs * 2, MAX_RETRY_MS));
        return;
      }
      this.opts.events.record({ event: 'host-connected', reason: lost.host });
      await this.add(r).catch((e: unknown) => this.opts.events.record({ event: 'error', reason: `${lost.host}: ${errorText(e)}` }, 'error'));
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
  }

  abandon(): void {
    for (const w of this.watchers.values()) w.abandon();
  }
}

/**
 * The event log as a host's watcher writes it: every event names its host, and a session is written
 * `gpu1/agent-a`, in the file and on the console alike.
 */
export function eventsOnHost(events: EventLog, host: string): EventLog {
  if (host === LOCAL_HOST) return events;
  return {
    record: (e, level) => events.record({ ...e, host, ...(typeof e.session === 'string' && { session: `${host}/${e.session}` }) }, level),
    close: async () => {},
  };
}
