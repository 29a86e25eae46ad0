/**
 * Random positions for the commands that sample a collection (SRANDMEMBER, SPOP, HRANDFIELD):
 * values keep their members in dense arrays, so a sample is a set of array positions.
 */

/** A uniformly random position in [0, size); size must be positive. */
export function randomPosition(size: number): number {
  return (Math.random() * size) | 0;
}

/**
 * `count` distinct uniformly chosen positions in [0, size), ascending (count <= size), so a
 * sample of an ordered encoding (listpack, intset) comes out in the value's order, as Redis's
 * lpRandomPairsUnique does. Dense samples shuffle a prefix of all positions; sparse ones use
 * Floyd's algorithm, which costs O(count) whatever the size.
 */
export function distinctPositions(size: number, count: number): number[] {
  let chosen: number[];
  if (count * 3 > size) {
    const all = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + randomPosition(size - i);
      const swap = all[i]!;
      all[i] = all[j]!;
      all[j] = swap;
    }
    chosen = all.slice(0, count);
  } else {
    const picked = new Set<number>();
    for (let j = size - count; j < size; j++) {
      const t = randomPosition(j + 1);
      picked.add(picked.has(t) ? j : t);
    }
    chosen = [...picked];
  }
  return chosen.sort((a, b) => a - b);
}
