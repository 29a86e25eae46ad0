import { expect, it } from 'vitest';
import { RawClient, replyElements } from '../helpers/raw.js';
import { describeAgainstRealRedis } from '../helpers/compare.js';

/**
 * The data-type families, by the ACL category Redis files their commands under. (@keyspace also
 * holds DUMP, RESTORE and MIGRATE, which come with persistence and cluster.)
 */
const FAMILIES = ['string', 'bitmap', 'list', 'hash', 'set', 'sortedset', 'stream', 'hyperloglog', 'geo'];

/** COMMAND LIST FILTERBY ACLCAT <category>, as a sorted list of names. */
async function commandNames(port: number, category: string): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    const reply = await client.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', category);
    return replyElements(reply)!.elements.map((element) => element.split('\r\n')[1]!).sort();
  } finally {
    client.destroy();
  }
}

describeAgainstRealRedis('command-list.test.ts', 'tsredis implements every command of each data-type family', (servers) => {
  for (const category of FAMILIES) {
    it(`@${category}: the same command names as Redis 7.0`, async () => {
      const { ours, real } = servers();
      const expected = await commandNames(real.port, category);
      expect(expected.length).toBeGreaterThan(0);
      expect(await commandNames(ours.port, category)).toEqual(expected);
    });
  }
});
