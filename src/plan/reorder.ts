/**
 * Swaps that put windows in spec order using only the slots they already hold (a person's own
 * windows keep theirs): `current[k]` is the index the k-th spec window has now; it must end at the
 * k-th smallest of those indexes. Each swap exchanges two windows (tmux's swap-window), so no
 * process is touched; at most one swap per window.
 */
export function swapsToOrder(current: readonly number[]): Array<[number, number]> {
  const slots = [...current].sort((a, b) => a - b);
  const at = [...current]; // at[k]: where spec window k is now
  const who = new Map<number, number>(at.map((index, k) => [index, k])); // index -> spec window there
  const swaps: Array<[number, number]> = [];
  for (let k = 0; k < at.length; k++) {
    const want = slots[k]!;
    const have = at[k]!;
    if (have === want) continue;
    const other = who.get(want)!;
    swaps.push([have, want]);
    at[other] = have;
    who.set(have, other);
    at[k] = want;
    who.set(want, k);
  }
  return swaps;
}
