/**
 * What CLUSTER NODES, SLOTS, SHARDS, INFO and LINKS report, read from the cluster state
 * (clusterGenNodesDescription, clusterReplyMultiBulkSlots, CLUSTER INFO's text). nodes.conf is
 * the NODES text without handshake nodes.
 */
import { SLOT_COUNT } from '../slots.js';
import { MESSAGE_TYPE_NAMES } from './message.js';
import type { ClusterNode } from './node.js';
import { formatNodeLine, type NodeLine } from './nodes-file.js';
import type { Cluster } from './state.js';

/** A row of CLUSTER LINKS. */
export interface LinkDescription {
  direction: 'to' | 'from';
  node: string;
  createTime: number;
  events: string;
  sendBufferAllocated: number;
  sendBufferUsed: number;
}

/** A run of consecutive slots served by one master. */
export interface SlotRange {
  start: number;
  end: number;
  owner: ClusterNode;
}

export function nodeLine(cluster: Cluster, node: ClusterNode, usePport: boolean): NodeLine {
  const myself = node === cluster.myself;
  const line: NodeLine = {
    id: node.id,
    ip: node.ip,
    port: usePport && node.pport !== 0 ? node.pport : node.port,
    cport: node.cport,
    hostname: node.hostname,
    flags: node.flags,
    master: node.master?.id ?? '',
    pingSent: node.pingSent,
    pongReceived: node.pongReceived,
    configEpoch: node.shownEpoch,
    connected: node.link !== null || myself,
    slots: slotRanges(node),
    migrating: [],
    importing: [],
  };
  // Open slots are only known, and shown, for myself.
  if (myself) {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const to = cluster.migratingTo(slot);
      const from = cluster.importingFrom(slot);
      if (to !== null) line.migrating.push([slot, to.id]);
      else if (from !== null) line.importing.push([slot, from.id]);
    }
  }
  return line;
}

/** clusterGenNodesDescription: one line per node not matching `filter`, each ending in \n. */
export function describeNodes(cluster: Cluster, filter: number, usePport: boolean): string {
  let text = '';
  for (const node of cluster.nodes.values()) {
    if ((node.flags & filter) !== 0) continue;
    text += `${formatNodeLine(nodeLine(cluster, node, usePport))}\n`;
  }
  return text;
}

export function describeNode(cluster: Cluster, node: ClusterNode, usePport: boolean): string {
  return formatNodeLine(nodeLine(cluster, node, usePport));
}

/** The node's slots as inclusive ranges. */
export function slotRanges(node: ClusterNode): [number, number][] {
  const ranges: [number, number][] = [];
  if (node.slotCount === 0) return ranges;
  let start = -1;
  for (let slot = 0; slot <= SLOT_COUNT; slot++) {
    const owned = slot < SLOT_COUNT && node.ownsSlot(slot);
    if (owned && start === -1) start = slot;
    if (!owned && start !== -1) {
      ranges.push([start, slot - 1]);
      start = -1;
    }
  }
  return ranges;
}

/** Consecutive runs of slots with the same owner, in slot order (CLUSTER SLOTS). */
export function slotOwnerRanges(cluster: Cluster): SlotRange[] {
  const ranges: SlotRange[] = [];
  let current: SlotRange | null = null;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = cluster.ownerOf(slot);
    if (current !== null && owner === current.owner) {
      current.end = slot;
      continue;
    }
    if (current !== null) ranges.push(current);
    current = owner === null ? null : { start: slot, end: slot, owner };
  }
  if (current !== null) ranges.push(current);
  return ranges;
}

/** A replica CLUSTER SLOTS lists: not failed and synced at least once (isReplicaAvailable). */
export function replicaAvailable(cluster: Cluster, node: ClusterNode): boolean {
  return !node.failed && cluster.offsetOf(node) !== 0;
}

/** CLUSTER INFO's text. */
export function clusterInfo(cluster: Cluster): string {
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = cluster.ownerOf(slot);
    if (owner === null) continue;
    assigned++;
    if (owner.failed) fail++;
    else if (owner.timedOut) pfail++;
    else ok++;
  }
  return (
    `cluster_state:${cluster.stateOk ? 'ok' : 'fail'}\r\n` +
    `cluster_slots_assigned:${assigned}\r\n` +
    `cluster_slots_ok:${ok}\r\n` +
    `cluster_slots_pfail:${pfail}\r\n` +
    `cluster_slots_fail:${fail}\r\n` +
    `cluster_known_nodes:${cluster.nodes.size}\r\n` +
    `cluster_size:${cluster.size}\r\n` +
    `cluster_current_epoch:${cluster.currentEpoch}\r\n` +
    `cluster_my_epoch:${cluster.myself.shownEpoch}\r\n` +
    messageStats(cluster.messagesSent, 'sent') +
    messageStats(cluster.messagesReceived, 'received') +
    `total_cluster_links_buffer_limit_exceeded:${cluster.linksBufferLimitExceeded}\r\n`
  );
}

/** Per-type counters (only the types seen), then the total. */
function messageStats(counts: readonly number[], direction: string): string {
  let text = '';
  let total = 0;
  counts.forEach((count, type) => {
    if (count === 0) return;
    total += count;
    text += `cluster_stats_messages_${MESSAGE_TYPE_NAMES[type]}_${direction}:${count}\r\n`;
  });
  return `${text}cluster_stats_messages_${direction}:${total}\r\n`;
}

/** CLUSTER LINKS: every node's outbound link, then its inbound one. */
export function linkDescriptions(cluster: Cluster): LinkDescription[] {
  const rows: LinkDescription[] = [];
  for (const node of cluster.nodes.values()) {
    for (const link of [node.link, node.inboundLink]) {
      if (link === null) continue;
      const used = link.sendBufferBytes;
      rows.push({
        direction: link.inbound ? 'from' : 'to',
        node: node.id,
        createTime: link.createdAt,
        events: used > 0 ? 'rw' : 'r',
        sendBufferAllocated: used,
        sendBufferUsed: used,
      });
    }
  }
  return rows;
}
