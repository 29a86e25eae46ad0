import { describe, expect, it } from 'vitest';
import { NodeFlag } from './node.js';
import { formatNodeLine, parseNodesFile, NodesFileError } from './nodes-file.js';

// Lines as redis-server 7.0 writes them (a 3-master/3-replica cluster, one slot migrating).
const REDIS_WRITTEN = [
  'a1f1f0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 127.0.0.1:30001@40001 myself,master - 0 1700000000000 1 connected 0-5460 [5000->-b2e2e0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0]',
  'b2e2e0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 127.0.0.1:30002@40002,node-2.example master - 0 1700000000123 2 connected 5461-10922',
  'c3d3d0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 127.0.0.1:30003@40003 master,fail - 1700000000500 1700000000000 3 disconnected 10923-16383',
  'd4c4c0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 127.0.0.1:30004@40004 slave a1f1f0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 0 1700000000321 1 connected',
  'e5b5b0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 :0@0 slave,fail?,noaddr,nofailover b2e2e0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 0 0 2 disconnected',
  'f6a6a0a4c5d4b3d2e1f0a9b8c7d6e5f4a3b2c1d0 127.0.0.1:30006@40006 noflags - 0 0 0 connected 1 3 5-7',
];

describe('nodes.conf', () => {
  it('parses Redis-written lines and writes them back byte for byte', () => {
    const text = `${REDIS_WRITTEN.join('\n')}\nvars currentEpoch 6 lastVoteEpoch 4\n`;
    const parsed = parseNodesFile(text);
    expect(parsed.currentEpoch).toBe(6);
    expect(parsed.lastVoteEpoch).toBe(4);
    expect(parsed.nodes.map((node) => formatNodeLine(node))).toEqual(REDIS_WRITTEN);
    const [myself, second, third, replica, noaddr, plain] = parsed.nodes;
    expect(myself!.flags).toBe(NodeFlag.Myself | NodeFlag.Master);
    expect(myself!.slots).toEqual([[0, 5460]]);
    expect(myself!.migrating).toEqual([[5000, second!.id]]);
    expect(second!.hostname).toBe('node-2.example');
    expect(third!.flags & NodeFlag.Fail).toBe(NodeFlag.Fail);
    expect(replica!.master).toBe(myself!.id);
    expect(noaddr!.flags).toBe(NodeFlag.Replica | NodeFlag.PFail | NodeFlag.NoAddr | NodeFlag.NoFailover);
    expect(plain!.slots).toEqual([[1, 1], [3, 3], [5, 7]]);
  });

  it('accepts old files without the bus port (port + 10000) and blank lines', () => {
    const parsed = parseNodesFile('\n1111111111111111111111111111111111111111 10.0.0.1:7000 myself,master - 0 0 5 connected 0-16383\n\n');
    expect(parsed.nodes[0]).toMatchObject({ ip: '10.0.0.1', port: 7000, cport: 17000, configEpoch: 5 });
  });

  it('rejects corrupted files as Redis does', () => {
    expect(() => parseNodesFile('1111111111111111111111111111111111111111 10.0.0.1:7000 master - 0 0 5 connected\n')).toThrow(NodesFileError);
    expect(() => parseNodesFile('short 10.0.0.1:7000 myself,master - 0 0 5 connected\n')).toThrow(NodesFileError);
    expect(() => parseNodesFile('1111111111111111111111111111111111111111 10.0.0.1:7000 myself,bogus - 0 0 5 connected\n')).toThrow(/Unknown flag/);
    expect(() => parseNodesFile('1111111111111111111111111111111111111111 10.0.0.1:7000 myself,master - 0 0 5 connected 16384\n')).toThrow(NodesFileError);
  });
});
