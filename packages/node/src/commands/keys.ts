import { parseInteger } from '../server/config.js';
import type { Command } from './table.js';

/**
 * The positions of the keys in argv, found from the command's key specs the way Redis does
 * (begin_search by index or keyword, find_keys by range or key count), or by the command's
 * own key finder where the specs are incomplete. Used for cluster slots, ACL key checks,
 * COMMAND GETKEYS and WATCH. Returns null when the arguments cannot name keys (a syntax error
 * the command itself reports).
 */
export function keyPositions(command: Command, argv: readonly string[]): number[] | null {
  if (command.keyFinder !== null) return command.keyFinder(argv);
  const argc = argv.length;
  const positions: number[] = [];
  for (const spec of command.keySpecs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const begin = spec.beginSearch;
    if (begin.type === 'index') {
      first = begin.index;
    } else if (begin.type === 'keyword') {
      const forward = begin.startFrom > 0;
      const start = forward ? begin.startFrom : argc + begin.startFrom;
      const end = forward ? argc - 1 : 1;
      const keyword = begin.keyword.toLowerCase();
      for (let i = start; i !== end; i += start <= end ? 1 : -1) {
        if (i >= argc || i < 1) break;
        if (argv[i]!.toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      return null;
    }
    let last: number;
    let step: number;
    const find = spec.findKeys;
    if (find.type === 'range') {
      step = find.keyStep;
      if (find.lastKey >= 0) last = first + find.lastKey;
      else if (find.limit === 0) last = argc + find.lastKey;
      else last = first + (Math.floor((argc - first) / find.limit) + find.lastKey);
    } else if (find.type === 'keynum') {
      step = find.keyStep;
      if (first + find.keyNumIdx >= argc) return null;
      const count = parseInteger(argv[first + find.keyNumIdx]!);
      if (count === null || count < 0) return null;
      first += find.firstKey;
      last = first + count - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) {
      // A keynum of 0 names no keys; anything else out of bounds is a syntax error.
      if (last === first - 1) continue;
      return null;
    }
    for (let i = first; i <= last; i += step) positions.push(i);
    if (spec.flags.includes('incomplete')) return null;
  }
  return positions;
}

/** The key arguments themselves. */
export function commandKeys(command: Command, argv: readonly string[]): string[] {
  const positions = keyPositions(command, argv);
  return positions === null ? [] : positions.map((i) => argv[i]!);
}
