import type { LoadResult } from '../spec/load.js';
import type { DesiredState, HostSpec } from '../spec/types.js';
import { desiredOn, sameHost } from './hosts.js';

/** What one host's watcher is given: its first desired state, how it reloads, and whom it tells. */
export interface HostSpecs {
  initial: DesiredState;
  load(): Promise<LoadResult>;
  onSpecs(accepted: DesiredState): void;
}

export interface HostSpecsOptions {
  host: string;
  /** The specs' sessions on the host, as watch last accepted them. */
  initial: DesiredState;
  /** The declaration the host's watcher was connected for; none for this machine (always in play). */
  spec?: HostSpec;
  /** Reads every spec file (all hosts). */
  loadAll(): Promise<LoadResult>;
  /** A reload this watcher accepted changed the specs: all of them, every host's sessions included. */
  onChange(full: DesiredState): void;
}

/**
 * A host's watcher reloads the specs' sessions on its host only. A host no longer declared as its
 * watcher was connected (removed, or its `ssh:`/`stateDir` changed) keeps its last sessions until
 * that watcher is stopped: its own reload, racing the stop, must not prune a host leaving play.
 */
export function specsForHost(opts: HostSpecsOptions): HostSpecs {
  let returned = opts.initial;
  let full = opts.initial;
  const { host, spec } = opts;
  return {
    initial: opts.initial,
    load: async () => {
      const r = await opts.loadAll();
      if (!r.ok) return r;
      const inPlay = !spec || r.desired.hosts.some((h) => sameHost(h, spec));
      full = r.desired;
      returned = inPlay ? desiredOn(r.desired, host) : { ...r.desired, sessions: returned.sessions };
      return { ...r, desired: returned };
    },
    // What a watcher accepts is what its last load returned (SpecSource takes it as it is).
    onSpecs: (accepted) => {
      if (accepted === returned) opts.onChange(full);
    },
  };
}
