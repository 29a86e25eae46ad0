import { describe, expect, it } from 'vitest';
import { isHealthy, myself, parseClusterNodes } from './nodes.js';

// Redis 7.0 CLUSTER NODES output (ids shortened to keep lines readable; the parser does not care).
const TEXT = [
  'aaa 127.0.0.1:7000@17000,node-0 myself,master - 0 1700000000000 1 connected 0-5460 [5461->-bbb]',
  'bbb 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected 5461-10922 16383 [42-<-aaa]',
  'ccc 127.0.0.1:7003@17003 slave aaa 0 1700000000000 1 connected',
  'ddd 127.0.0.1:7004@17004 master,fail - 1700000000000 1700000000000 3 disconnected',
  'eee :0@0 handshake,noaddr - 0 0 0 disconnected',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  const nodes = parseClusterNodes(TEXT);

  it('reads ids, addresses, hostnames, flags, masters, epochs and link states', () => {
    expect(nodes.map((node) => node.id)).toEqual(['aaa', 'bbb', 'ccc', 'ddd', 'eee']);
    expect(nodes[0]).toMatchObject({ endpoint: { host: '127.0.0.1', port: 7000 }, busPort: 17000, hostname: 'node-0', masterId: null, configEpoch: 1 });
    expect(nodes[2]!.masterId).toBe('aaa');
    expect(myself(nodes)?.id).toBe('aaa');
  });

  it('reads slot ranges, single slots and open (migrating, importing) slots', () => {
    expect(nodes[0]!.slots).toEqual([[0, 5460]]);
    expect(nodes[0]!.migrating).toEqual([{ slot: 5461, to: 'bbb' }]);
    expect(nodes[1]!.slots).toEqual([[5461, 10922], [16383, 16383]]);
    expect(nodes[1]!.importing).toEqual([{ slot: 42, from: 'aaa' }]);
  });

  it('tells healthy members from failed, disconnected and handshaking ones', () => {
    expect(nodes.map(isHealthy)).toEqual([true, true, true, false, false]);
  });
});
