import { HostUnreachableError, TmuxctlError } from '../errors.js';
import type { HostScope, OpenedHosts } from './hosts.js';

/** What a command did on each host it reached, and the hosts it could not reach or lost on the way. */
export interface EachHost<T> {
  done: T[];
  /** The hosts not reached at open, then those lost while acting: each reported as one line, exit 3. */
  lost: HostUnreachableError[];
}

/**
 * Runs `act` on every host reached, all at once (the slowest host is what a many-host command
 * costs). A failure on one host of several is that host's: reported with the unreachable ones while
 * the others go on. The only host's failure is the command's, as it was before hosts existed.
 */
export async function onEachHost<T>(opened: OpenedHosts, act: (scope: HostScope) => Promise<T>): Promise<EachHost<T>> {
  const several = opened.scopes.length + opened.unreachable.length > 1;
  const outcomes = await Promise.all(
    opened.scopes.map(async (s): Promise<{ ok: T } | { lost: HostUnreachableError }> => {
      try {
        return { ok: await act(s) };
      } catch (e) {
        return { lost: asLost(s.host, e, several) };
      }
    }),
  );
  return {
    done: outcomes.flatMap((o) => ('ok' in o ? [o.ok] : [])),
    lost: [...opened.unreachable, ...outcomes.flatMap((o) => ('lost' in o ? [o.lost] : []))],
  };
}

/**
 * One host's failure as a report: a host lost on the way always, any other expected failure when
 * there are several hosts (the others' results still count). Anything else is thrown.
 */
export function asLost(host: string, e: unknown, several: boolean): HostUnreachableError {
  if (e instanceof HostUnreachableError) return e;
  if (e instanceof TmuxctlError && several) return new HostUnreachableError(host, e.message.replace(`${host}: `, ''));
  throw e;
}
