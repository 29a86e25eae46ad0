/**
 * nodes.conf on disk (cluster-config-file): loading it into the cluster state at startup,
 * writing it atomically, and checking it against the keys the node holds. The text format is
 * nodes-file.ts's.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { ClusterHost } from '../ports.js';
import { NodeFlag, type ClusterNode } from './node.js';
import { parseNodesFile, type NodesFile } from './nodes-file.js';

/** What loading and checking nodes.conf build in the cluster state (the Cluster implements it). */
export interface ConfigFileContext {
  readonly host: ClusterHost;
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  myself: ClusterNode;
  currentEpoch: number;
  lastVoteEpoch: number;
  readonly slots: readonly (ClusterNode | null)[];
  readonly migrating: (ClusterNode | null)[];
  readonly importing: (ClusterNode | null)[];
  createNode(id: string | null, flags: number): ClusterNode;
  addNode(node: ClusterNode): void;
  addSlot(node: ClusterNode, slot: number): boolean;
  maxEpoch(): number;
  saveConfigOrThrow(fsync: boolean): void;
}

/** clusterLoadConfig: false when there is no file (or an empty one); a corrupt file throws. */
export function loadConfig(cluster: ConfigFileContext, file: string): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'latin1');
  if (text.length === 0) return false;
  let parsed: NodesFile;
  try {
    parsed = parseNodesFile(text);
  } catch (error) {
    cluster.host.log.warn(`Unrecoverable error: corrupted cluster config file (${(error as Error).message}).`);
    throw error;
  }
  const now = Date.now();
  const byId = (id: string): ClusterNode => {
    let node = cluster.nodes.get(id);
    if (node === undefined) {
      node = cluster.createNode(id, 0);
      cluster.addNode(node);
    }
    return node;
  };
  for (const line of parsed.nodes) {
    const node = byId(line.id);
    node.hostname = line.hostname;
    node.ip = line.ip;
    node.port = line.port;
    node.cport = line.cport;
    // |=: a master listed after its replicas already carries MigrateTo from them.
    node.flags |= line.flags;
    if ((line.flags & NodeFlag.Myself) !== 0) cluster.myself = node;
    if ((line.flags & NodeFlag.Fail) !== 0) node.failTime = now;
    if (line.master !== '') {
      const master = byId(line.master);
      node.master = master;
      master.addReplica(node);
    }
    if (line.pingSent !== 0) node.pingSent = now;
    if (line.pongReceived !== 0) node.pongReceived = now;
    node.configEpoch = node.isReplica && node.master !== null ? 0 : line.configEpoch;
    for (const [start, end] of line.slots) for (let slot = start; slot <= end; slot++) cluster.addSlot(node, slot);
    for (const [slot, id] of line.migrating) cluster.migrating[slot] = byId(id);
    for (const [slot, id] of line.importing) cluster.importing[slot] = byId(id);
  }
  cluster.currentEpoch = parsed.currentEpoch;
  cluster.lastVoteEpoch = parsed.lastVoteEpoch;
  cluster.host.log.info(`Node configuration loaded, I'm ${cluster.myself.id}`);
  const max = cluster.maxEpoch();
  if (max > cluster.currentEpoch) cluster.currentEpoch = max;
  return true;
}

/**
 * Written to a temporary file, fsynced when asked, then renamed over the old one, so a crash
 * leaves either the old or the new file. Returns an error message or null.
 */
export function writeConfigFile(file: string, content: string, fsync: boolean): string | null {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(temporary, 'w', 0o644);
    try {
      writeSync(fd, content, null, 'latin1');
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * verifyClusterConfigWithData: keys of a slot nobody serves make it ours; keys of a slot
 * another node serves mark it as importing from that node (so they can be moved or fixed).
 */
export function verifyConfigWithData(cluster: ConfigFileContext): void {
  if (cluster.myself.isReplica) return;
  let changed = 0;
  for (const slot of cluster.host.slotsWithKeys()) {
    if (cluster.slots[slot] === cluster.myself || cluster.importing[slot] !== null) continue;
    changed++;
    const owner = cluster.slots[slot];
    if (owner === null || owner === undefined) {
      cluster.host.log.warn(`I have keys for unassigned slot ${slot}. Taking responsibility for it.`);
      cluster.addSlot(cluster.myself, slot);
    } else {
      cluster.host.log.warn(`I have keys for slot ${slot}, but the slot is assigned to another node. Setting it to importing state.`);
      cluster.importing[slot] = owner;
    }
  }
  if (changed > 0) cluster.saveConfigOrThrow(true);
}
