import { parseLongLong } from '../server/config.js';
import type { KeySpec } from './meta.js';
import type { Command } from './table.js';

/** One key argument: its index in argv and how the command uses it (key-spec flag names). */
export interface KeyReference {
  position: number;
  /** 'RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', … in Redis's order; may be empty. */
  flags: readonly string[];
}

/**
 * The keys of a command line, found as Redis's getKeysFromCommandWithSpecs finds them: from the
 * key specs (begin_search by index or keyword, find_keys by range or key count) when the command
 * has real key specs whose flags do not vary with the arguments; otherwise, or when the specs
 * fail on these arguments (unknown or incomplete spec, unparsable key count, out of bounds), from
 * the command's key finder (Redis's getkeys_proc). Used for COMMAND GETKEYS, ACL key checks,
 * cluster slots and WATCH. Empty when the arguments name no keys or cannot be understood (a
 * syntax error the command itself reports).
 */
export function keyReferences(command: Command, argv: readonly string[]): KeyReference[] {
  if (hasRealKeySpec(command) && !command.keySpecs.some((spec) => spec.flags.includes('variable_flags'))) {
    const found = keysFromSpecs(command.keySpecs, argv);
    if (found !== null) return found;
  }
  return command.keyFinder === null ? [] : command.keyFinder(argv);
}

/** The positions of the keys in argv (see keyReferences). */
export function keyPositions(command: Command, argv: readonly string[]): number[] {
  return keyReferences(command, argv).map((key) => key.position);
}

/** The key arguments themselves. */
export function commandKeys(command: Command, argv: readonly string[]): string[] {
  return keyReferences(command, argv).map((key) => argv[key.position]!);
}

/** Whether the command can take keys at all (Redis's doesCommandHaveKeys). */
export function hasKeyArguments(command: Command): boolean {
  return command.keyFinder !== null || hasRealKeySpec(command);
}

/** At least one key spec names real keys (not a `not_key` argument such as a channel). */
function hasRealKeySpec(command: Command): boolean {
  return command.keySpecs.some((spec) => !spec.flags.includes('not_key'));
}

/** Walks the key specs in order; null when one of them cannot be applied to these arguments. */
function keysFromSpecs(specs: readonly KeySpec[], argv: readonly string[]): KeyReference[] | null {
  const argc = argv.length;
  const keys: KeyReference[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    const begin = spec.beginSearch;
    let first = 0;
    if (begin.type === 'index') {
      first = begin.index;
    } else if (begin.type === 'keyword') {
      first = keywordSearch(argv, begin.keyword, begin.startFrom);
      // An absent keyword (an optional clause not given) names no keys.
      if (first === 0) continue;
    } else {
      return null;
    }
    const find = spec.findKeys;
    let last: number;
    let step: number;
    if (find.type === 'range') {
      step = find.keyStep;
      if (find.lastKey >= 0) last = first + find.lastKey;
      else if (find.limit === 0) last = argc + find.lastKey;
      else last = first + (Math.trunc((argc - first) / find.limit) + find.lastKey);
    } else if (find.type === 'keynum') {
      step = find.keyStep;
      if (first + find.keyNumIdx >= argc) return null;
      const count = parseLongLong(argv[first + find.keyNumIdx]!);
      if (count === null || count < 0n) return null;
      first += find.firstKey;
      // Redis adds the count as a C int: huge counts wrap as they do there.
      last = first + Number(BigInt.asIntN(32, count)) - 1;
    } else {
      return null;
    }
    // Out of bounds (a key count of 0 included) means the arguments are not understood here.
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) keys.push({ position: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

/**
 * The index after the keyword, searching forward from `startFrom` (or backward from the end when
 * it is negative) as Redis does; 0 when the keyword is absent.
 */
function keywordSearch(argv: readonly string[], keyword: string, startFrom: number): number {
  const argc = argv.length;
  const start = startFrom > 0 ? startFrom : argc + startFrom;
  const end = startFrom > 0 ? argc - 1 : 1;
  const direction = start <= end ? 1 : -1;
  const wanted = keyword.toLowerCase();
  for (let i = start; i !== end; i += direction) {
    if (i >= argc || i < 1) break;
    if (argv[i]!.toLowerCase() === wanted) return i + 1;
  }
  return 0;
}
