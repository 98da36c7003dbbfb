import { describe, expect, it } from 'vitest';
import { swapsToOrder } from '../../src/plan/reorder.js';

/** What tmux does with the swaps: window indexes exchanged pairwise. Returns where each spec window ends. */
function apply(current: readonly number[], swaps: Array<[number, number]>): number[] {
  const at = [...current];
  for (const [a, b] of swaps) {
    const i = at.indexOf(a);
    const j = at.indexOf(b);
    // A swap moves tmuxctl's windows only: both ends hold one of the spec's windows.
    expect(i, `swap ${a}<->${b}: ${a} holds no spec window`).toBeGreaterThanOrEqual(0);
    expect(j, `swap ${a}<->${b}: ${b} holds no spec window`).toBeGreaterThanOrEqual(0);
    at[i] = b;
    at[j] = a;
  }
  return at;
}

/** A small deterministic generator (no flaky seeds). */
function* permutations(seed: number, count: number): Generator<number[]> {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  for (let c = 0; c < count; c++) {
    const n = 1 + (next() % 9);
    // Distinct indexes with gaps (a person's windows sit in between), in a random order.
    const slots = new Set<number>();
    while (slots.size < n) slots.add(next() % 20);
    const current = [...slots];
    for (let i = current.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [current[i], current[j]] = [current[j]!, current[i]!];
    }
    yield current;
  }
}

describe('swapsToOrder', () => {
  it('in order already (gaps included): no swap', () => {
    expect(swapsToOrder([])).toEqual([]);
    expect(swapsToOrder([0, 1, 2])).toEqual([]);
    expect(swapsToOrder([1, 4, 7])).toEqual([]);
  });

  it('two windows exchanged: one swap', () => {
    expect(swapsToOrder([1, 0])).toEqual([[1, 0]]);
  });

  it("around a person's window at index 1: only the spec's slots are used", () => {
    const swaps = swapsToOrder([3, 0, 2]);
    expect(apply([3, 0, 2], swaps)).toEqual([0, 2, 3]);
    expect(swaps.flat()).not.toContain(1);
  });

  it('property: applying the swaps yields spec order in the same slots, with at most n-1 swaps', () => {
    let checked = 0;
    for (const current of permutations(42, 500)) {
      const swaps = swapsToOrder(current);
      const slots = [...current].sort((a, b) => a - b);
      expect(apply(current, swaps)).toEqual(slots);
      expect(swaps.length).toBeLessThanOrEqual(Math.max(0, current.length - 1));
      for (const [a, b] of swaps) expect(a).not.toBe(b);
      checked += 1;
    }
    expect(checked).toBe(500);
  });
});
