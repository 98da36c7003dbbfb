import { HostUnreachableError, errorText } from '../errors.js';
import { LOCAL_HOST } from '../host/machine.js';
import type { EventLog } from '../log/events.js';
import type { DesiredState, HostSpec } from '../spec/types.js';
import type { Watcher } from '../supervise/watch.js';
import { type HostScope, sameHost } from './hosts.js';

/** The first wait before connecting again to a host that could not be reached; it doubles up to the last. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export interface HostWatchersOptions {
  /** Starts the watcher of a host reached as `spec` declares it. */
  start(scope: HostScope, spec: HostSpec): Promise<Watcher>;
  /** Connects to a host as it is declared now, with the specs' sessions there: its scope, or why it cannot be reached. */
  connect(host: HostSpec, desired: DesiredState): Promise<HostScope | HostUnreachableError>;
  events: EventLog;
  /** `--host`: only these hosts are ever watched; none given, every declared host. */
  only?: readonly string[];
}

/**
 * One declared host: being connected, waited for, or watched. Replaced, never reused, when its
 * declaration changes: an answer that arrives for an entry no longer in the map is dropped.
 */
interface HostEntry {
  spec: HostSpec;
  watcher?: Watcher;
  retryTimer?: ReturnType<typeof setTimeout>;
}

/**
 * `watch`'s watchers of the declared remote hosts, one per host, following the specs as they change.
 * A host not reached (at start, or when added) is tried again with a growing delay (1 s doubling to
 * 30 s, never at once), and watched from the moment it answers; its sessions are left alone meanwhile
 * (nothing is done on a host that was not observed). A host lost later is the watcher's own business:
 * its passes fail and are retried with backoff. A host removed from the specs is no longer watched
 * and its sessions are left running there (nothing is done on a host not in play); a host whose
 * `ssh:` or `stateDir` changed is watched again over its new connection.
 */
export class HostWatchers {
  private readonly entries = new Map<string, HostEntry>();
  /** Watchers of removed or changed hosts still stopping: waited for (or abandoned) when watch ends. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly dropped = new Set<Watcher>();
  private desired: DesiredState;
  private stopped = false;

  constructor(
    private readonly opts: HostWatchersOptions,
    initial: DesiredState,
  ) {
    this.desired = initial;
  }

  /**
   * The hosts opened at start: each reached one watched, each other one reported and tried again
   * later. All are entered before any watcher starts: a first pass that reports the specs must find
   * them known, not added.
   */
  async begin(reached: readonly HostScope[], unreachable: readonly HostUnreachableError[]): Promise<void> {
    const watching = reached.map((scope) => ({ scope, entry: this.enter(scope.host) }));
    const waiting = unreachable.map((lost) => ({ lost, entry: this.enter(lost.host) }));
    for (const { lost, entry } of waiting) if (entry) this.wait(entry, lost, FIRST_RETRY_MS);
    for (const { scope, entry } of watching) if (entry) await this.watch(entry, scope);
  }

  /**
   * The specs changed (a reload a watcher accepted; an invalid edit never gets here): a host now
   * declared is connected and watched, one no longer declared is let go, one declared differently is
   * connected again. Returns at once: it is called from inside a watcher's pass, which a stop waits for.
   */
  follow(desired: DesiredState): void {
    if (this.stopped) return;
    this.desired = desired;
    const declared = new Map(desired.hosts.filter((h) => this.wanted(h.name)).map((h) => [h.name, h]));
    for (const [name, entry] of this.entries) {
      const now = declared.get(name);
      if (now && sameHost(now, entry.spec)) continue;
      // Told (and connected again) once its watcher's last pass is over: from then on nothing is done there.
      const gone = this.drop(entry);
      if (!now) {
        void gone.then(() =>
          this.opts.events.record({ event: 'host-removed', reason: `${name}: no longer in the specs; not watched, its sessions left as they are` }, 'warn'),
        );
        continue;
      }
      this.opts.events.record({ event: 'host-changed', reason: `${name}: now ${describe(now)} (was ${describe(entry.spec)}); connecting again` });
      this.connectNew(now, gone);
    }
    for (const [name, spec] of declared) {
      if (this.entries.has(name)) continue;
      this.opts.events.record({ event: 'host-added', reason: `${name}: ${describe(spec)}; connecting` });
      this.connectNew(spec);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const watchers: Watcher[] = [];
    for (const entry of this.entries.values()) {
      if (entry.retryTimer) clearTimeout(entry.retryTimer);
      if (entry.watcher) watchers.push(entry.watcher);
    }
    await Promise.all([...watchers.map((w) => w.stop()), ...this.stopping]);
  }

  abandon(): void {
    for (const entry of this.entries.values()) entry.watcher?.abandon();
    for (const w of this.dropped) w.abandon();
  }

  /** A new entry for a host of the specs watch started with (undefined when it is not wanted there). */
  private enter(name: string): HostEntry | undefined {
    const spec = this.desired.hosts.find((h) => h.name === name);
    if (this.stopped || !spec || name === LOCAL_HOST || this.entries.has(name)) return undefined;
    const entry: HostEntry = { spec };
    this.entries.set(name, entry);
    return entry;
  }

  /** Enters the host now (a later reload sees it), and connects once `after` (the old watcher's stop) is done. */
  private connectNew(spec: HostSpec, after: Promise<void> = Promise.resolve()): void {
    const entry: HostEntry = { spec };
    this.entries.set(spec.name, entry);
    void after.then(() => this.connect(entry, FIRST_RETRY_MS));
  }

  /** Whether `entry` is still the one in play for its host (not removed, changed or stopped since). */
  private current(entry: HostEntry): boolean {
    return !this.stopped && this.entries.get(entry.spec.name) === entry;
  }

  private async connect(entry: HostEntry, nextDelayMs: number): Promise<void> {
    const name = entry.spec.name;
    if (!this.current(entry)) return;
    const r = await this.opts.connect(entry.spec, this.desired).catch((e: unknown) => new HostUnreachableError(name, errorText(e)));
    if (!this.current(entry)) return;
    if (r instanceof HostUnreachableError) {
      this.wait(entry, r, nextDelayMs);
      return;
    }
    this.opts.events.record({ event: 'host-connected', reason: name });
    await this.watch(entry, r).catch((e: unknown) => this.opts.events.record({ event: 'error', reason: `${name}: ${errorText(e)}` }, 'error'));
  }

  /** Reports the host and tries it again after `delayMs` (the next wait doubles). */
  private wait(entry: HostEntry, lost: HostUnreachableError, delayMs: number): void {
    if (!this.current(entry)) return;
    this.opts.events.record({ event: 'host-unreachable', reason: `${lost.message}; trying again in ${Math.round(delayMs / 1000)}s` }, 'warn');
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      void this.connect(entry, Math.min(delayMs * 2, MAX_RETRY_MS));
    }, delayMs);
  }

  private async watch(entry: HostEntry, scope: HostScope): Promise<void> {
    const w = await this.opts.start(scope, entry.spec);
    if (!this.current(entry)) {
      this.release(w); // removed or changed while its watcher was starting
      return;
    }
    entry.watcher = w;
    // A host where watch cannot work at all (no tmux there) is reported; the other hosts go on. Its
    // entry stays: tried again only when its declaration changes, not at every reload.
    void w.fatal.then((e) => {
      if (entry.watcher !== w) return;
      this.opts.events.record({ event: 'error', reason: `${scope.host}: ${e.message}; not watched until watch is started again` }, 'error');
      entry.watcher = undefined;
      this.release(w);
    });
  }

  /** Forgets a host: no retry, and its watcher stopped (its sessions keep running). Resolves once it has. */
  private drop(entry: HostEntry): Promise<void> {
    this.entries.delete(entry.spec.name);
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    const w = entry.watcher;
    entry.watcher = undefined;
    return w ? this.release(w) : Promise.resolve();
  }

  /** Stops a watcher without waiting for it here (it may be in the very pass that called follow); resolves once it has. */
  private release(w: Watcher): Promise<void> {
    this.dropped.add(w);
    const stopping: Promise<void> = w
      .stop()
      .catch((e: unknown) => this.opts.events.record({ event: 'error', reason: `stopping a host's watcher: ${errorText(e)}` }, 'error'))
      .finally(() => {
        this.stopping.delete(stopping);
        this.dropped.delete(w);
      });
    this.stopping.add(stopping);
    return stopping;
  }

  private wanted(name: string): boolean {
    return name !== LOCAL_HOST && (!this.opts.only || this.opts.only.length === 0 || this.opts.only.includes(name));
  }
}

function describe(h: HostSpec): string {
  return `ssh ${h.ssh}, stateDir ${h.stateDir}`;
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
