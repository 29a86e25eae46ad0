import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, replyElements } from '../../../../test/helpers/raw.js';
import { hasRealRedis, startPair, type RunningServer } from '../../../../test/helpers/servers.js';

/**
 * Golden comparison of the COMMAND family with redis-server 7.0: for every command tsredis
 * implements, its COMMAND INFO row must be byte-identical to Redis's (RESP2 and RESP3), its
 * COMMAND DOCS identical apart from our prose (summary, complexity, history texts), and
 * GETKEYS / LIST / error replies identical. Containers list only the subcommands tsredis
 * implements, in sorted order where Redis uses its hash order, so subcommands are matched
 * by name.
 */

const REAL = hasRealRedis();
if (!REAL) console.warn('command-golden.test.ts: redis-server is not installed — comparison with Redis 7.0 SKIPPED');

/** The text of a raw bulk string reply. */
function bulkText(raw: string): string {
  return raw.slice(raw.indexOf('\r\n') + 2, -2);
}

function elementsOf(raw: string): string[] {
  const split = replyElements(raw);
  if (split === null) throw new Error(`not an aggregate: ${raw.slice(0, 80)}`);
  return split.elements;
}

/** A parsed RESP value that keeps its wire type (the first byte: '$', '+', '*', '~', '%', …). */
interface Node {
  t: string;
  v: string | Node[];
}

function parse(raw: string): Node {
  return parseAt(Buffer.from(raw, 'latin1'), 0)[0];
}

function parseAt(buf: Buffer, at: number): [Node, number] {
  const lineEnd = buf.indexOf('\r\n', at);
  const t = String.fromCharCode(buf[at]!);
  const head = buf.toString('latin1', at + 1, lineEnd);
  let next = lineEnd + 2;
  if ('*~%'.includes(t)) {
    const items: Node[] = [];
    const count = Math.max(0, Number(head)) * (t === '%' ? 2 : 1);
    for (let i = 0; i < count; i++) {
      const [item, end] = parseAt(buf, next);
      items.push(item);
      next = end;
    }
    return [{ t, v: items }, next];
  }
  if (t === '$' && Number(head) >= 0) return [{ t, v: buf.toString('latin1', next, next + Number(head)) }, next + Number(head) + 2];
  return [{ t, v: head }, next];
}

/** Key/value pairs of a map node: `%` in RESP3, a flat array in RESP2. */
function pairsOf(node: Node): [Node, Node][] {
  const items = node.v as Node[];
  const pairs: [Node, Node][] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  return pairs;
}

const PROSE: Node = { t: '$', v: '<prose>' };

/**
 * A COMMAND DOCS map with our own words blanked (summary, complexity, history texts) and the
 * subcommands restricted to `implemented`, sorted by name.
 */
function withoutProse(docs: Node, implemented: ReadonlySet<string>): [Node, Node][] {
  return pairsOf(docs).map(([key, value]) => {
    switch (key.v) {
      case 'summary':
      case 'complexity':
        return [key, PROSE];
      case 'history':
        return [key, { t: value.t, v: (value.v as Node[]).map((entry) => ({ t: entry.t, v: [(entry.v as Node[])[0]!, PROSE] })) }];
      case 'subcommands': {
        const subs = pairsOf(value)
          .filter(([name]) => implemented.has(name.v as string))
          .sort(([a], [b]) => ((a.v as string) < (b.v as string) ? -1 : 1));
        return [key, { t: value.t, v: subs.flatMap(([name, sub]) => [name, { t: sub.t, v: withoutProse(sub, implemented).flat() }]) }];
      }
      default:
        return [key, value];
    }
  });
}

/** GETKEYS lines: implemented commands must answer as Redis; others are "Invalid command". */
const GETKEYS_LINES: string[][] = [
  ['set', 'k', 'v'], ['set', 'k', 'v', 'GET'], ['set', 'k', 'v', 'get', 'EX', '1'], ['SET', 'k'],
  ['get', 'k'], ['get', 'k', 'x'], ['get'], ['mset', 'a', '1', 'b', '2'], ['mset', 'a', '1', 'b'], ['mset', 'a'],
  ['mget', 'a', 'b', 'c'], ['del', 'a', 'b'], ['rename', 'a', 'b'], ['copy', 'a', 'b', 'DB', '1'], ['lcs', 'a', 'b'],
  ['getex', 'k', 'PERSIST'], ['bitop', 'AND', 'd', 'a', 'b'], ['bitcount', 'k'], ['bitfield', 'k', 'get', 'u8', '0'],
  ['bitfield', 'k', 'get', 'u8', '0', 'set', 'u8', '0', '1'], ['bitfield', 'k', 'overflow'], ['bitfield_ro', 'k', 'get', 'u8', '0'],
  ['object', 'encoding', 'k'], ['object', 'nosuch', 'k'], ['object'], ['config', 'get', 'x'], ['config'],
  ['ping', 'x'], ['echo', 'x'], ['nosuch', 'k'], ['client', 'list'], ['expire', 'k', '10'], ['touch', 'a', 'b'],
  ['zunionstore', 'dst', '2', 'a', 'b'], ['zunionstore', 'dst', '0', 'a'], ['zunionstore', 'dst', '1abc', 'a'],
  ['eval', 'return 1', '0'], ['eval', 's', '2', 'a', 'b', 'c'], ['xread', 'STREAMS', 's1', 's2', '0', '0'],
  ['migrate', 'h', '1', '', '0', '5', 'KEYS', 'a', 'b'], ['sort', 'k', 'STORE', 'd'], ['lmpop', '0', 'a', 'left'],
  ['publish', 'c', 'm'], ['spublish', 'c', 'm'],
];

const LIST_FILTERS: string[][] = [
  [], ['FILTERBY', 'ACLCAT', 'read'], ['FILTERBY', 'aclcat', 'KEYSPACE'], ['FILTERBY', 'ACLCAT', 'dangerous'],
  ['FILTERBY', 'ACLCAT', 'connection'], ['FILTERBY', 'ACLCAT', '@read'], ['FILTERBY', 'ACLCAT', 'nosuch'],
  ['FILTERBY', 'PATTERN', '*'], ['FILTERBY', 'pattern', 'GET*'], ['FILTERBY', 'PATTERN', '*|*'],
  ['FILTERBY', 'PATTERN', 'c?nfig*'], ['FILTERBY', 'PATTERN', '[a-c]*'], ['FILTERBY', 'PATTERN', 'client|[^k]*'],
  ['FILTERBY', 'MODULE', 'x'],
];

/** Replies that must be byte-identical (they name only get and config|get, which tsredis has from the start). */
const EXACT_LINES: string[][] = [
  ['COMMAND', 'INFO', 'nosuch', 'get', 'GET', 'CONFIG|GET', 'config|nosuch', 'get|x', 'config|get|x', '', '|'],
  ['COMMAND', 'DOCS', 'nosuch', 'x|y'],
  ['COMMAND', 'LIST', 'FILTERBY'], ['COMMAND', 'LIST', 'FILTERBY', 'x', 'y'], ['COMMAND', 'LIST', 'foo'],
  ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'a', 'FILTERBY', 'PATTERN', 'b'], ['COMMAND', 'LIST', 'FILTERBY', 'nope', 'x'],
  ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'nosuch'], ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYSANDFLAGS'],
  ['COMMAND', 'HELP', 'x'],
];

describe.skipIf(!REAL)('COMMAND family against redis-server 7.0', () => {
  let real: RunningServer;
  let ours: RunningServer;
  /** Top-level command names tsredis implements, and every full name (subcommands too). */
  let topLevel: string[];
  let implemented: Set<string>;

  beforeAll(async () => {
    [ours, real] = await startPair();
    const client = await RawClient.connect(ours.port);
    const names = elementsOf(await client.call('COMMAND', 'LIST')).map(bulkText);
    client.destroy();
    implemented = new Set(names);
    topLevel = names.filter((name) => !name.includes('|'));
  });

  afterAll(async () => {
    await Promise.all([real?.stop(), ours?.stop()]);
  });

  /** Whether a command line resolves to a command (or subcommand) tsredis implements. */
  function runsImplemented(line: string[]): boolean {
    const name = line[0]!.toLowerCase();
    if (!implemented.has(name)) return false;
    const isContainer = [...implemented].some((full) => full.startsWith(`${name}|`));
    return !isContainer || line.length === 1 || implemented.has(`${name}|${line[1]!.toLowerCase()}`);
  }

  /** Runs the same commands on both servers (after HELLO 3 for RESP3) and returns both replies. */
  async function both(resp: 2 | 3, commands: string[][]): Promise<[string[], string[]]> {
    const run = async (port: number): Promise<string[]> => {
      const client = await RawClient.connect(port);
      try {
        if (resp === 3) await client.call('HELLO', '3');
        const replies: string[] = [];
        for (const command of commands) replies.push(await client.call(...command));
        return replies;
      } finally {
        client.destroy();
      }
    };
    return Promise.all([run(ours.port), run(real.port)]);
  }

  it('implements a sensible set of commands', () => {
    expect(topLevel.length).toBeGreaterThan(10);
    expect(implemented.has('command|getkeysandflags')).toBe(true);
  });

  for (const resp of [2, 3] as const) {
    it(`COMMAND INFO rows are byte-identical for every implemented command (RESP${resp})`, async () => {
      const [mine, theirs] = await both(resp, topLevel.map((name) => ['COMMAND', 'INFO', name]));
      topLevel.forEach((name, i) => {
        const myRow = elementsOf(mine[i]!);
        const realRow = elementsOf(theirs[i]!);
        expect(myRow.length, name).toBe(1);
        const myFields = elementsOf(myRow[0]!);
        const realFields = elementsOf(realRow[0]!);
        expect(myFields.slice(0, 9), name).toEqual(realFields.slice(0, 9));
        const mySubs = myFields[9]!;
        const realSubs = realFields[9]!;
        expect(mySubs[0], `${name} subcommands type`).toBe(realSubs[0]);
        const realByName = new Map(elementsOf(realSubs).map((row) => [bulkText(elementsOf(row)[0]!), row]));
        const myNames: string[] = [];
        for (const row of elementsOf(mySubs)) {
          const subName = bulkText(elementsOf(row)[0]!);
          myNames.push(subName);
          expect(row, subName).toBe(realByName.get(subName));
        }
        expect(myNames, `${name} lists exactly its implemented subcommands, sorted`).toEqual(
          [...implemented].filter((full) => full.startsWith(`${name}|`)).sort(),
        );
      });
    });

    it(`COMMAND INFO of each implemented subcommand is byte-identical (RESP${resp})`, async () => {
      const subs = [...implemented].filter((name) => name.includes('|'));
      const [mine, theirs] = await both(resp, subs.map((name) => ['COMMAND', 'INFO', name]));
      subs.forEach((name, i) => expect(mine[i], name).toBe(theirs[i]));
    });

    it(`COMMAND DOCS matches Redis apart from our prose (RESP${resp})`, async () => {
      const lookups = ['nosuch', 'get', 'Get', 'CONFIG|get', 'config|nosuch', 'get|x', 'config|get|x', ''];
      const lines = [...topLevel.map((name) => ['COMMAND', 'DOCS', name]), ['COMMAND', 'DOCS', ...lookups]];
      const [mine, theirs] = await both(resp, lines);
      lines.forEach((line, i) => {
        const myDocs = pairsOf(parse(mine[i]!));
        const realDocs = pairsOf(parse(theirs[i]!)).filter(([name]) => implemented.has(name.v as string));
        expect(myDocs.map(([name]) => name), line.join(' ')).toEqual(realDocs.map(([name]) => name));
        myDocs.forEach(([name, docs], j) => {
          expect(withoutProse(docs, implemented), name.v as string).toEqual(withoutProse(realDocs[j]![1], implemented));
          const summary = pairsOf(docs).find(([key]) => key.v === 'summary')![1].v as string;
          expect(summary.length > 0 && summary !== 'TODO', `${name.v as string} has a summary of our own`).toBe(true);
        });
      });
    });

    it(`COMMAND GETKEYS / GETKEYSANDFLAGS answer as Redis (RESP${resp})`, async () => {
      const lines = GETKEYS_LINES.flatMap((line) => [['COMMAND', 'GETKEYS', ...line], ['COMMAND', 'GETKEYSANDFLAGS', ...line]]);
      const [mine, theirs] = await both(resp, lines);
      lines.forEach((line, i) => {
        const expected = runsImplemented(line.slice(2)) ? theirs[i] : '-ERR Invalid command specified\r\n';
        expect(mine[i], line.join(' ')).toBe(expected);
      });
    });

    it(`COMMAND LIST filters as Redis over the implemented commands (RESP${resp})`, async () => {
      const lines = LIST_FILTERS.map((filter) => ['COMMAND', 'LIST', ...filter]);
      const [mine, theirs] = await both(resp, lines);
      lines.forEach((line, i) => {
        const expected = elementsOf(theirs[i]!).map(bulkText).filter((name) => implemented.has(name)).sort();
        expect([...elementsOf(mine[i]!).map(bulkText)].sort(), line.join(' ')).toEqual(expected);
      });
    });

    it(`errors and lookups are byte-identical (RESP${resp})`, async () => {
      const [mine, theirs] = await both(resp, EXACT_LINES);
      EXACT_LINES.forEach((line, i) => expect(mine[i], line.join(' ')).toBe(theirs[i]));
    });
  }

  it('COMMAND HELP lists the same subcommand syntax as Redis', async () => {
    const [[mine], [theirs]] = await both(2, [['COMMAND', 'HELP']]);
    const syntaxLines = (raw: string): string[] => elementsOf(raw).filter((line) => !line.startsWith('+ '));
    expect(syntaxLines(mine!)).toEqual(syntaxLines(theirs!));
  });

  it('COMMAND COUNT counts the implemented top-level commands', async () => {
    const [[count]] = await both(3, [['COMMAND', 'COUNT']]);
    expect(count).toBe(`:${topLevel.length}\r\n`);
  });
});
