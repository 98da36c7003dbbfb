import { describe, expect, it } from 'vitest';
import { paneOf } from '../helpers/model.js';
import { MemoryLimits, type MemoryProbe } from '../../src/supervise/memory-limit.js';
import { desired, NOW, observed, running, spec } from '../helpers/model.js';

const MB = 1024 * 1024;

/** A probe that reports whatever RSS the test sets, per pid. */
function fakeProbe(rss: Map<number, number>): MemoryProbe {
  return { treeRss: async (roots) => new Map(roots.map((r) => [r, rss.get(r) ?? 0])) };
}

describe('memoryLimitMB', async () => {
  const s = spec('hog', { memoryLimitMB: 100 });
  const live = running(s);
  const pid = paneOf(live, 'hog').pid;

  it('is judged over only at the second look in a row above the limit, once, naming the figures', async () => {
    const rss = new Map([[pid, 150 * MB]]);
    let woken = 0;
    const m = new MemoryLimits(() => woken++, fakeProbe(rss));
    await m.look(desired([s]), observed(live), NOW);
    expect(m.verdicts().size).toBe(0); // one look is a spike
    await m.look(desired([s]), observed(live), NOW + 5000);
    expect(m.verdicts().get('hog')).toEqual({
      since: NOW + 5000,
      startedAt: paneOf(live, 'hog').stamp!.startedAt,
      detail: 'memory 150 MB over the limit of 100 MB',
    });
    await m.look(desired([s]), observed(live), NOW + 10_000);
    expect(woken).toBe(1);
  });

  it('a look under the limit in between starts the count again', async () => {
    const rss = new Map([[pid, 150 * MB]]);
    const m = new MemoryLimits(() => {}, fakeProbe(rss));
    await m.look(desired([s]), observed(live), NOW);
    rss.set(pid, 50 * MB);
    await m.look(desired([s]), observed(live), NOW + 5000);
    rss.set(pid, 150 * MB);
    await m.look(desired([s]), observed(live), NOW + 10_000);
    expect(m.verdicts().size).toBe(0);
  });

  it('panes without a limit are not looked at', async () => {
    let sampled = 0;
    const treeRss = async () => {
      sampled++;
      return new Map<number, number>();
    };
    const m = new MemoryLimits(() => {}, { treeRss });
    const plain = spec('plain');
    await m.look(desired([plain]), observed(running(plain)), NOW);
    expect(sampled).toBe(0);
    expect(MemoryLimits.wanted(desired([plain]))).toBe(false);
    expect(MemoryLimits.wanted(desired([s]))).toBe(true);
  });
});
