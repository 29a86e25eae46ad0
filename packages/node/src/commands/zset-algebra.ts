import { ValueType } from '../keyspace/entry.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import type { RedisSet } from '../types/set.js';
import { SortedSet } from '../types/zset.js';
import { floatArgument, integerArgument, positiveLong } from './arguments.js';
import { lookupRead } from './lookup.js';
import { nodesByRank } from './zset-range.js';
import { listpackLimits, replyNodes, shrinkIfSmall, storeResult } from './zset-value.js';
import type { CommandFamily } from './table.js';

/** Sorted-set algebra over zsets and sets: ZUNION, ZINTER, ZDIFF, their *STORE forms and ZINTERCARD. */

/** One input of a set operation: a zset, or a set whose members all score 1. */
interface Source {
  value: SortedSet | RedisSet | null;
  size: number;
  weight: number;
}

function scoreIn(source: Source, member: string): number | undefined {
  const value = source.value;
  if (value === null) return undefined;
  if (value instanceof SortedSet) return value.score(member);
  return value.has(member) ? 1 : undefined;
}

/** Visits every (member, score) of a source: a zset in order, a set in its walk order. */
function forEachIn(source: Source, visit: (member: string, score: number) => boolean | void): void {
  const value = source.value;
  if (value === null) return;
  if (value instanceof SortedSet) {
    for (let x = value.first; x !== null; x = x.next[0]!) if (visit(x.member, x.score) === false) return;
  } else {
    for (let i = 0; i < value.size; i++) if (visit(value.at(i), 1) === false) return;
  }
}

const enum SetOp {
  Union,
  Inter,
  Diff,
}

const enum Aggregate {
  Sum,
  Min,
  Max,
}

function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === Aggregate.Sum) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum; // inf + -inf: Redis keeps 0
  }
  if (how === Aggregate.Min) return value < target ? value : target;
  return value > target ? value : target;
}

const STORE_EVENTS: Record<SetOp, string> = { [SetOp.Union]: 'zunionstore', [SetOp.Inter]: 'zinterstore', [SetOp.Diff]: 'zdiffstore' };

/** zunionInterDiffGenericCommand: `destination` for the *STORE forms, `cardinalityOnly` for ZINTERCARD. */
function setOperation(client: Client, argv: string[], numkeysIndex: number, op: SetOp, destination: string | null, cardinalityOnly = false): void {
  const setnum = Number(integerArgument(argv[numkeysIndex]!));
  if (setnum < 1) {
    client.error(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIndex + 1)) {
    client.error(Err.syntax);
    return;
  }
  const sources: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const entry = lookupRead(client, argv[j]!);
    let value: SortedSet | RedisSet | null = null;
    if (entry !== undefined) {
      if (entry.type !== ValueType.ZSet && entry.type !== ValueType.Set) {
        client.error(Err.wrongType);
        return;
      }
      value = entry.value as SortedSet | RedisSet;
    }
    sources.push({ value, size: value === null ? 0 : value.size, weight: 1 });
  }

  let how = Aggregate.Sum;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const option = argv[j]!.toLowerCase();
    if (op !== SetOp.Diff && !cardinalityOnly && remaining >= setnum + 1 && option === 'weights') {
      j++;
      for (const source of sources) source.weight = floatArgument(argv[j++]!, 'ERR weight value is not a float');
    } else if (op !== SetOp.Diff && !cardinalityOnly && remaining >= 2 && option === 'aggregate') {
      const name = argv[j + 1]!.toLowerCase();
      if (name === 'sum') how = Aggregate.Sum;
      else if (name === 'min') how = Aggregate.Min;
      else if (name === 'max') how = Aggregate.Max;
      else {
        client.error(Err.syntax);
        return;
      }
      j += 2;
    } else if (destination === null && !cardinalityOnly && option === 'withscores') {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && option === 'limit') {
      limit = positiveLong(argv[j + 1]!, "ERR LIMIT can't be negative");
      j += 2;
    } else {
      client.error(Err.syntax);
      return;
    }
  }

  // Smallest inputs first (a stable sort, like glibc's qsort): it also fixes the order sums are made in.
  if (op !== SetOp.Diff) sources.sort((a, b) => a.size - b.size);
  const result = new SortedSet('skiplist');
  let maxMemberLength = 0;
  const keep = (member: string, score: number): void => {
    result.set(member, score);
    if (member.length > maxMemberLength) maxMemberLength = member.length;
  };

  if (op === SetOp.Inter) {
    let cardinality = 0;
    const [smallest, ...others] = sources;
    forEachIn(smallest!, (member, score) => {
      let total = smallest!.weight * score;
      if (Number.isNaN(total)) total = 0;
      for (const other of others) {
        // The same key twice: Redis reuses the score it is iterating.
        const found = other.value === smallest!.value ? score : scoreIn(other, member);
        if (found === undefined) return;
        total = aggregate(total, found * other.weight, how);
      }
      if (!cardinalityOnly) keep(member, total);
      else if (++cardinality === limit) return false;
    });
    if (cardinalityOnly) {
      client.integer(cardinality);
      return;
    }
  } else if (op === SetOp.Union) {
    const totals = new Map<string, number>();
    for (const source of sources) {
      forEachIn(source, (member, score) => {
        let weighted = source.weight * score;
        if (Number.isNaN(weighted)) weighted = 0;
        const total = totals.get(member);
        totals.set(member, total === undefined ? weighted : aggregate(total, weighted, how));
      });
    }
    for (const [member, total] of totals) keep(member, total);
  } else {
    const [first, ...others] = sources;
    // Subtracting a set from itself leaves nothing.
    if (!others.some((other) => other.value !== null && other.value === first!.value)) {
      forEachIn(first!, (member, score) => {
        if (!others.some((other) => scoreIn(other, member) !== undefined)) keep(member, score);
      });
    }
  }

  if (destination !== null) {
    shrinkIfSmall(result, listpackLimits(client), maxMemberLength);
    storeResult(client, destination, result, STORE_EVENTS[op]);
  } else replyNodes(client, nodesByRank(result, 0, -1, false), withScores);
}

function zunion(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Union, null);
}

function zinter(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Inter, null);
}

function zdiff(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Diff, null);
}

function zunionstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Union, argv[1]!);
}

function zinterstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Inter, argv[1]!);
}

function zdiffstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Diff, argv[1]!);
}

function zintercard(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Inter, null, true);
}

export const zsetAlgebraCommands: CommandFamily = {
  handlers: {
    zunion,
    zinter,
    zdiff,
    zunionstore,
    zinterstore,
    zdiffstore,
    zintercard,
  },
};
