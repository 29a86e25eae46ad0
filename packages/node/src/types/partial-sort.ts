/**
 * Redis's pqsort (pqsort.c): Bentley & McIlroy's quicksort that only recurses into partitions
 * overlapping the wanted index range. GEORADIUS/GEOSEARCH use it when COUNT keeps fewer results
 * than were found; it is not stable, so elements that compare equal (points at the same
 * distance) end up where this exact algorithm leaves them — which is why it is reproduced step
 * by step rather than replaced by a sort and a slice.
 */

export type Compare<T> = (a: T, b: T) => number;

/** Sorts `items` enough that positions first..last (inclusive) hold what a full sort puts there. */
export function partialSort<T>(items: T[], compare: Compare<T>, first: number, last: number): void {
  sortPart(items, compare, 0, items.length, first, last);
}

function swap<T>(items: T[], i: number, j: number): void {
  const t = items[i]!;
  items[i] = items[j]!;
  items[j] = t;
}

/** Swaps the runs [i, i+n) and [j, j+n) element by element. */
function swapRuns<T>(items: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(items, i + k, j + k);
}

function median3<T>(items: T[], compare: Compare<T>, a: number, b: number, c: number): number {
  const x = items[a]!;
  const y = items[b]!;
  const z = items[c]!;
  return compare(x, y) < 0 ? (compare(y, z) < 0 ? b : compare(x, z) < 0 ? c : a) : compare(y, z) > 0 ? b : compare(x, z) < 0 ? a : c;
}

/** Whether the partition [start, start+n) lies wholly before or wholly after the wanted range. */
function outside(start: number, n: number, first: number, last: number): boolean {
  return (first < start && last < start) || (first >= start + n && last >= start + n);
}

function sortPart<T>(items: T[], compare: Compare<T>, start: number, n: number, first: number, last: number): void {
  for (;;) {
    if (n < 7) {
      for (let m = start + 1; m < start + n; m++) {
        for (let l = m; l > start && compare(items[l - 1]!, items[l]!) > 0; l--) swap(items, l, l - 1);
      }
      return;
    }
    let pm = start + Math.floor(n / 2);
    if (n > 7) {
      let pl = start;
      let pn = start + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = median3(items, compare, pl, pl + d, pl + 2 * d);
        pm = median3(items, compare, pm - d, pm, pm + d);
        pn = median3(items, compare, pn - 2 * d, pn - d, pn);
      }
      pm = median3(items, compare, pl, pm, pn);
    }
    swap(items, start, pm);
    // Partition around items[start], gathering equal elements at both ends.
    let pa = start + 1;
    let pb = pa;
    let pc = start + n - 1;
    let pd = pc;
    for (;;) {
      let c: number;
      while (pb <= pc && (c = compare(items[pb]!, items[start]!)) <= 0) {
        if (c === 0) swap(items, pa++, pb);
        pb++;
      }
      while (pb <= pc && (c = compare(items[pc]!, items[start]!)) >= 0) {
        if (c === 0) swap(items, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(items, pb++, pc--);
    }
    const end = start + n;
    let r = Math.min(pa - start, pb - pa);
    swapRuns(items, start, pb - r, r);
    r = Math.min(pd - pc, end - pd - 1);
    swapRuns(items, pb, end - r, r);

    r = pb - pa;
    if (r > 1 && !outside(start, r, first, last)) sortPart(items, compare, start, r, first, last);
    r = pd - pc;
    if (r <= 1) return;
    // The upper partition is looped on rather than recursed into, as pqsort does.
    start = end - r;
    n = r;
    if (outside(start, n, first, last)) return;
  }
}
