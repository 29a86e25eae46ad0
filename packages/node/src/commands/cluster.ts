import type { TLSSocket } from 'node:tls';
import {
  clusterInfo,
  describeNode,
  describeNodes,
  linkDescriptions,
  replicaAvailable,
  slotOwnerRanges,
  slotRanges,
  type Cluster,
  type ClusterNode,
  type FailoverMode,
} from '@tsredis/cluster-bus';
import { Err, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInt64 } from '../types/int64.js';
import type { Client } from '../server/client.js';
import { replyHelp } from '../server/help.js';
import type { CommandFamily } from './table.js';

/**
 * CLUSTER's control-plane subcommands (Redis 7.0's clusterCommand): topology (NODES, SLOTS,
 * SHARDS, INFO, MYID, REPLICAS, LINKS), operator actions (MEET, FORGET, REPLICATE, RESET,
 * ADDSLOTS…, SETSLOT, FAILOVER, epochs) and SAVECONFIG. KEYSLOT, COUNTKEYSINSLOT and
 * GETKEYSINSLOT live with the keyspace (cluster-keys.ts). The state machine is cluster-bus's.
 */

const SLOT_COUNT = 16384;
const DISABLED = 'ERR This instance has cluster support disabled';
const INVALID_SLOT = 'ERR Invalid or out of range slot';

const HELP = [
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
];

/** The cluster, or null after replying that cluster support is disabled. */
function clusterOf(client: Client): Cluster | null {
  const cluster = client.server.cluster;
  if (cluster === null) client.error(DISABLED);
  return cluster;
}

/** Whether a plain client of a TLS cluster should see plaintext ports. */
function usePlainPorts(client: Client): boolean {
  return client.server.config.bool('tls-cluster') && (client.socket as TLSSocket | null)?.encrypted !== true;
}

/** getSlotOrReply; -1 after replying. */
function slotOrReply(client: Client, text: string): number {
  const slot = parseInt64(text);
  if (slot === null || slot < 0 || slot >= SLOT_COUNT) {
    client.error(INVALID_SLOT);
    return -1;
  }
  return Number(slot);
}

function nodeOrReply(cluster: Cluster, client: Client, id: string, error = `ERR Unknown node ${id}`): ClusterNode | null {
  const node = cluster.lookup(id);
  if (node === null) client.error(error);
  return node;
}

/** Replies OK once what the command changed is applied and saved (clusterBeforeSleep). */
function done(cluster: Cluster, client: Client): void {
  cluster.beforeSleep();
  client.ok();
}

function help(client: Client): void {
  if (clusterOf(client) === null) return;
  replyHelp(client, 'cluster', HELP);
}

function meet(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  if (argv.length > 5) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  const port = parseInt64(argv[3]!);
  if (port === null) {
    client.error(`ERR Invalid TCP base port specified: ${argv[3]}`);
    return;
  }
  let busPort = Number(port) + 10000;
  if (argv.length === 5) {
    const parsed = parseInt64(argv[4]!);
    if (parsed === null) {
      client.error(`ERR Invalid TCP bus port specified: ${argv[4]}`);
      return;
    }
    busPort = Number(parsed);
  }
  if (!cluster.meet(argv[2]!, Number(port), busPort)) {
    client.error(`ERR Invalid node address specified: ${argv[2]}:${argv[3]}`);
    return;
  }
  client.ok();
}

function nodes(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  client.verbatim(describeNodes(cluster, 0, usePlainPorts(client)));
}

function myid(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  client.bulk(cluster.myself.id);
}

/** addNodeToNodeReply: endpoint, port, id, then the other known endpoints as a map. */
function replyNodeAddress(client: Client, node: ClusterNode): void {
  const preferred = preferredEndpoint(client);
  client.arrayLength(4);
  if (preferred === 'unknown-endpoint') client.nullBulk();
  else client.bulk(node.preferredEndpoint());
  client.integer(node.clientPort(!usePlainPorts(client)));
  client.bulk(node.id);
  const extra: [string, string][] = [];
  if (preferred !== 'ip') extra.push(['ip', node.ip]);
  if (preferred !== 'hostname' && node.hostname !== '') extra.push(['hostname', node.hostname]);
  client.mapLength(extra.length);
  for (const [name, value] of extra) {
    client.bulk(name);
    client.bulk(value);
  }
}

function preferredEndpoint(client: Client): string {
  return client.server.config.str('cluster-preferred-endpoint-type');
}

function slots(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const ranges = slotOwnerRanges(cluster);
  client.arrayLength(ranges.length);
  for (const { start, end, owner } of ranges) {
    const replicas = owner.replicas.filter((replica) => replicaAvailable(cluster, replica));
    client.arrayLength(3 + replicas.length);
    client.integer(start);
    client.integer(end);
    replyNodeAddress(client, owner);
    for (const replica of replicas) replyNodeAddress(client, replica);
  }
}

function shards(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const masters = [...cluster.nodes.values()].filter((node) => node.isMaster);
  client.arrayLength(masters.length);
  const tlsCluster = client.server.config.bool('tls-cluster');
  for (const master of masters) {
    client.mapLength(2);
    client.bulk('slots');
    const ranges = slotRanges(master);
    client.arrayLength(ranges.length * 2);
    for (const [start, end] of ranges) {
      client.integer(start);
      client.integer(end);
    }
    client.bulk('nodes');
    const members = [master, ...master.replicas];
    client.arrayLength(members.length);
    for (const node of members) replyShardNode(client, cluster, node, tlsCluster);
  }
}

/** addNodeDetailsToShardReply. */
function replyShardNode(client: Client, cluster: Cluster, node: ClusterNode, tlsCluster: boolean): void {
  const fields: [string, string | number][] = [['id', node.id]];
  const plainPort = tlsCluster ? node.pport : node.port;
  const tlsPort = tlsCluster ? node.port : 0;
  if (plainPort !== 0) fields.push(['port', plainPort]);
  if (tlsPort !== 0) fields.push(['tls-port', tlsPort]);
  fields.push(['ip', node.ip], ['endpoint', node.preferredEndpoint()]);
  if (node.hostname !== '') fields.push(['hostname', node.hostname]);
  const offset = cluster.offsetOf(node);
  fields.push(['role', node.isReplica ? 'replica' : 'master'], ['replication-offset', offset]);
  fields.push(['health', node.failed ? 'fail' : node.isReplica && offset === 0 ? 'loading' : 'online']);
  client.mapLength(fields.length);
  for (const [name, value] of fields) {
    client.bulk(name);
    if (typeof value === 'number') client.integer(value);
    else client.bulk(value);
  }
}

function flushslots(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  if (client.server.databases[0]!.size !== 0) {
    client.error('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
    return;
  }
  cluster.flushSlots();
  done(cluster, client);
}

/**
 * checkSlotAssignmentsOrReply for one range: adding needs free slots, deleting assigned ones, and
 * no slot twice. Returns false after replying.
 */
function checkRange(cluster: Cluster, client: Client, chosen: Set<number>, remove: boolean, start: number, end: number): boolean {
  for (let slot = start; slot <= end; slot++) {
    const owner = cluster.ownerOf(slot);
    if (remove && owner === null) {
      client.error(`ERR Slot ${slot} is already unassigned`);
      return false;
    }
    if (!remove && owner !== null) {
      client.error(`ERR Slot ${slot} is already busy`);
      return false;
    }
    if (chosen.has(slot)) {
      client.error(`ERR Slot ${slot} specified multiple times`);
      return false;
    }
    chosen.add(slot);
  }
  return true;
}

function addOrDeleteSlots(client: Client, argv: string[], remove: boolean): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const parsed: number[] = [];
  for (let i = 2; i < argv.length; i++) {
    const slot = slotOrReply(client, argv[i]!);
    if (slot === -1) return;
    parsed.push(slot);
  }
  const chosen = new Set<number>();
  for (const slot of parsed) if (!checkRange(cluster, client, chosen, remove, slot, slot)) return;
  cluster.updateSlots(chosen, remove);
  done(cluster, client);
}

function addOrDeleteSlotRanges(client: Client, argv: string[], remove: boolean): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  if (argv.length % 2 === 1) {
    client.error(Err.arity(`cluster|${argv[1]!.toLowerCase()}`));
    return;
  }
  const chosen = new Set<number>();
  for (let i = 2; i < argv.length; i += 2) {
    const start = slotOrReply(client, argv[i]!);
    if (start === -1) return;
    const end = slotOrReply(client, argv[i + 1]!);
    if (end === -1) return;
    if (start > end) {
      client.error(`ERR start slot number ${start} is greater than end slot number ${end}`);
      return;
    }
    if (!checkRange(cluster, client, chosen, remove, start, end)) return;
  }
  cluster.updateSlots([...chosen].sort((a, b) => a - b), remove);
  done(cluster, client);
}

/** A master (not a replica) named by SETSLOT, or null after replying. */
function setSlotTarget(cluster: Cluster, client: Client, id: string, unknownError: string): ClusterNode | null {
  const node = nodeOrReply(cluster, client, id, unknownError);
  if (node === null) return null;
  if (node.isReplica) {
    client.error('ERR Target node is not a master');
    return null;
  }
  return node;
}

function setslot(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const myself = cluster.myself;
  if (myself.isReplica) {
    client.error('ERR Please use SETSLOT only with masters.');
    return;
  }
  const slot = slotOrReply(client, argv[2]!);
  if (slot === -1) return;
  const action = argv[3]!.toLowerCase();
  if (action === 'migrating' && argv.length === 5) {
    if (cluster.ownerOf(slot) !== myself) {
      client.error(`ERR I'm not the owner of hash slot ${slot}`);
      return;
    }
    const node = setSlotTarget(cluster, client, argv[4]!, `ERR I don't know about node ${argv[4]}`);
    if (node === null) return;
    cluster.setMigrating(slot, node);
  } else if (action === 'importing' && argv.length === 5) {
    if (cluster.ownerOf(slot) === myself) {
      client.error(`ERR I'm already the owner of hash slot ${slot}`);
      return;
    }
    const node = setSlotTarget(cluster, client, argv[4]!, `ERR I don't know about node ${argv[4]}`);
    if (node === null) return;
    cluster.setImporting(slot, node);
  } else if (action === 'stable' && argv.length === 4) {
    cluster.setStable(slot);
  } else if (action === 'node' && argv.length === 5) {
    const node = setSlotTarget(cluster, client, argv[4]!, `ERR Unknown node ${argv[4]}`);
    if (node === null) return;
    if (cluster.ownerOf(slot) === myself && node !== myself && client.server.databases[0]!.countKeysInSlot(slot) !== 0) {
      client.error(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
      return;
    }
    cluster.setSlotNode(slot, node);
  } else {
    client.error('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
    return;
  }
  done(cluster, client);
}

function bumpepoch(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const bumped = cluster.bumpEpochWithoutConsensus();
  cluster.beforeSleep();
  client.simple(`${bumped ? 'BUMPED' : 'STILL'} ${cluster.myself.configEpoch}`);
}

function info(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  client.verbatim(clusterInfo(cluster));
}

function saveconfig(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const error = cluster.saveConfig(true);
  if (error === null) client.ok();
  else client.error(`ERR error saving the cluster node config: ${error}`);
}

function forget(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const node = nodeOrReply(cluster, client, argv[2]!);
  if (node === null) return;
  if (node === cluster.myself) {
    client.error("ERR I tried hard but I can't forget myself...");
    return;
  }
  if (cluster.myself.isReplica && cluster.myself.master === node) {
    client.error("ERR Can't forget my master!");
    return;
  }
  cluster.forget(node);
  done(cluster, client);
}

function replicate(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const node = nodeOrReply(cluster, client, argv[2]!);
  if (node === null) return;
  const myself = cluster.myself;
  if (node === myself) {
    client.error("ERR Can't replicate myself");
    return;
  }
  if (node.isReplica) {
    client.error('ERR I can only replicate a master, not a replica.');
    return;
  }
  if (myself.isMaster && (myself.slotCount !== 0 || client.server.databases[0]!.size !== 0)) {
    client.error('ERR To set a master the node must be empty and without assigned slots.');
    return;
  }
  cluster.replicate(node);
  done(cluster, client);
}

function replicas(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const node = nodeOrReply(cluster, client, argv[2]!);
  if (node === null) return;
  if (node.isReplica) {
    client.error('ERR The specified node is not a master');
    return;
  }
  const plain = usePlainPorts(client);
  client.arrayLength(node.replicas.length);
  for (const replica of node.replicas) client.bulk(describeNode(cluster, replica, plain));
}

function countFailureReports(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const node = nodeOrReply(cluster, client, argv[2]!);
  if (node !== null) client.integer(cluster.failureReportCount(node));
}

function failover(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let mode: FailoverMode = 'default';
  if (argv.length === 3) {
    const option = argv[2]!.toLowerCase();
    if (option === 'force') mode = 'force';
    else if (option === 'takeover') mode = 'takeover';
    else {
      client.error(Err.syntax);
      return;
    }
  }
  const myself = cluster.myself;
  const master = myself.master;
  if (myself.isMaster) {
    client.error('ERR You should send CLUSTER FAILOVER to a replica');
    return;
  }
  if (master === null) {
    client.error("ERR I'm a replica but my master is unknown to me");
    return;
  }
  if (mode === 'default' && (master.failed || master.link === null)) {
    client.error('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
    return;
  }
  cluster.failover(mode);
  done(cluster, client);
}

function setConfigEpoch(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const epoch = parseInt64(argv[2]!);
  if (epoch === null) {
    client.error(Err.notInteger);
    return;
  }
  if (epoch < 0) client.error(`ERR Invalid config epoch specified: ${epoch}`);
  else if (cluster.nodes.size > 1) client.error('ERR The user can assign a config epoch only when the node does not know any other node.');
  else if (cluster.myself.configEpoch !== 0) client.error('ERR Node config epoch is already non-zero');
  else {
    cluster.setConfigEpoch(Number(epoch));
    done(cluster, client);
  }
}

function reset(client: Client, argv: string[]): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let hard = false;
  if (argv.length === 3) {
    const option = argv[2]!.toLowerCase();
    if (option === 'hard') hard = true;
    else if (option !== 'soft') {
      client.error(Err.syntax);
      return;
    }
  }
  if (cluster.myself.isMaster && client.db.size !== 0) {
    client.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  cluster.reset(hard);
  done(cluster, client);
}

function links(client: Client): void {
  const cluster = clusterOf(client);
  if (cluster === null) return;
  const rows = linkDescriptions(cluster);
  client.arrayLength(rows.length);
  for (const row of rows) {
    client.mapLength(6);
    client.bulk('direction');
    client.bulk(row.direction);
    client.bulk('node');
    client.bulk(row.node);
    client.bulk('create-time');
    client.integer(row.createTime);
    client.bulk('events');
    client.bulk(row.events);
    client.bulk('send-buffer-allocated');
    client.integer(row.sendBufferAllocated);
    client.bulk('send-buffer-used');
    client.integer(row.sendBufferUsed);
  }
}

export const clusterCommands: CommandFamily = {
  handlers: {
    'cluster|help': help,
    'cluster|meet': meet,
    'cluster|nodes': nodes,
    'cluster|myid': myid,
    'cluster|slots': slots,
    'cluster|shards': shards,
    'cluster|flushslots': flushslots,
    'cluster|addslots': (client, argv) => addOrDeleteSlots(client, argv, false),
    'cluster|delslots': (client, argv) => addOrDeleteSlots(client, argv, true),
    'cluster|addslotsrange': (client, argv) => addOrDeleteSlotRanges(client, argv, false),
    'cluster|delslotsrange': (client, argv) => addOrDeleteSlotRanges(client, argv, true),
    'cluster|setslot': setslot,
    'cluster|bumpepoch': bumpepoch,
    'cluster|info': info,
    'cluster|saveconfig': saveconfig,
    'cluster|forget': forget,
    'cluster|replicate': replicate,
    'cluster|replicas': replicas,
    'cluster|slaves': replicas,
    'cluster|count-failure-reports': countFailureReports,
    'cluster|failover': failover,
    'cluster|set-config-epoch': setConfigEpoch,
    'cluster|reset': reset,
    'cluster|links': links,
  },
};
