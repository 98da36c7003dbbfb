import { describe, expect, it } from 'vitest';
import { asLost, onEachHost } from '../../src/cli/each-host.js';
import type { HostScope, OpenedHosts } from '../../src/cli/hosts.js';
import { HostUnreachableError, LockError } from '../../src/errors.js';

/** Scopes carry only what onEachHost reads: the host's name (the context is the command's business). */
const scope = (host: string) => ({ host }) as HostScope;
const opened = (hosts: string[], unreachable: string[] = []): OpenedHosts => ({
  scopes: hosts.map(scope),
  unreachable: unreachable.map((h) => new HostUnreachableError(h, 'ssh: connect to host h port 22: Connection refused')),
});

describe('onEachHost', () => {
  it('keeps what every host returned, in host order, and reports the hosts not reached first', async () => {
    const r = await onEachHost(opened(['local', 'gpu1'], ['gpu2']), async (s) => s.host.toUpperCase());
    expect(r.done).toEqual(['LOCAL', 'GPU1']);
    expect(r.lost.map((e) => e.host)).toEqual(['gpu2']);
  });

  it('a host lost on the way is reported with its name and the others still count', async () => {
    const r = await onEachHost(opened(['local', 'gpu1']), async (s) => {
      if (s.host === 'gpu1') throw new HostUnreachableError('gpu1', 'no answer over ssh');
      return s.host;
    });
    expect(r.done).toEqual(['local']);
    expect(r.lost.map((e) => e.message)).toEqual(['gpu1: no answer over ssh']);
  });

  it("one host's expected failure among several is that host's (named once), not the command's", async () => {
    const r = await onEachHost(opened(['local', 'gpu1']), async (s) => {
      if (s.host === 'gpu1') throw new LockError('gpu1: lock not obtained within 1s');
      return s.host;
    });
    expect(r.done).toEqual(['local']);
    expect(r.lost.map((e) => e.message)).toEqual(['gpu1: lock not obtained within 1s']);
  });

  it("the only host's failure is the command's: thrown as it is", async () => {
    const lock = new LockError('lock not obtained within 1s');
    await expect(onEachHost(opened(['local']), async () => Promise.reject(lock))).rejects.toBe(lock);
  });

  it('a bug is never turned into a host report', async () => {
    await expect(onEachHost(opened(['local', 'gpu1']), async () => Promise.reject(new TypeError('x is undefined')))).rejects.toThrow(TypeError);
    expect(() => asLost('gpu1', new TypeError('x'), true)).toThrow(TypeError);
  });
});
