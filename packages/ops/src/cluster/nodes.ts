/**
 * CLUSTER NODES as data. One line per node:
 * `<id> <ip:port@cport[,hostname]> <flags> <master|-> <ping-sent> <pong-recv> <epoch> <link> <slots...>`
 * where a slot entry is "N", "A-B", "[N->-id]" (migrating) or "[N-<-id]" (importing).
 */
import type { Endpoint } from '../endpoint.js';

export interface ClusterNodeLine {
  id: string;
  endpoint: Endpoint;
  busPort: number;
  hostname: string;
  flags: Set<string>;
  /** The master's id for a replica, null for a master. */
  masterId: string | null;
  configEpoch: number;
  connected: boolean;
  /** Served slot ranges, inclusive. */
  slots: Array<[number, number]>;
  migrating: Array<{ slot: number; to: string }>;
  importing: Array<{ slot: number; from: string }>;
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text.split('\n').filter((line) => line.trim() !== '').map(parseLine);
}

function parseLine(line: string): ClusterNodeLine {
  const fields = line.trim().split(' ');
  if (fields.length < 8) throw new Error(`malformed CLUSTER NODES line: '${line}'`);
  const [id, address, flags, master, , , epoch, link, ...slotFields] = fields as [string, string, string, string, string, string, string, string, ...string[]];
  const addressMatch = /^(.*):(\d+)@(\d+)(?:,(.*))?$/.exec(address);
  if (!addressMatch) throw new Error(`malformed node address: '${address}'`);
  const node: ClusterNodeLine = {
    id,
    endpoint: { host: addressMatch[1]!, port: Number(addressMatch[2]) },
    busPort: Number(addressMatch[3]),
    hostname: addressMatch[4] ?? '',
    flags: new Set(flags.split(',')),
    masterId: master === '-' ? null : master,
    configEpoch: Number(epoch),
    connected: link === 'connected',
    slots: [],
    migrating: [],
    importing: [],
  };
  for (const field of slotFields) addSlotField(node, field);
  return node;
}

function addSlotField(node: ClusterNodeLine, field: string): void {
  const open = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(field);
  if (open) {
    if (open[2] === '>') node.migrating.push({ slot: Number(open[1]), to: open[3]! });
    else node.importing.push({ slot: Number(open[1]), from: open[3]! });
    return;
  }
  const [first, last = first] = field.split('-').map(Number) as [number, number?];
  node.slots.push([first, last]);
}

export function isMaster(node: ClusterNodeLine): boolean {
  return node.flags.has('master');
}

/** Flags that mean a node is not (yet, or any more) a healthy member. */
const UNHEALTHY_FLAGS = ['fail', 'fail?', 'handshake', 'noaddr'];

export function isHealthy(node: ClusterNodeLine): boolean {
  return UNHEALTHY_FLAGS.every((flag) => !node.flags.has(flag)) && (node.flags.has('myself') || node.connected);
}

export function myself(nodes: ClusterNodeLine[]): ClusterNodeLine | undefined {
  return nodes.find((node) => node.flags.has('myself'));
}
