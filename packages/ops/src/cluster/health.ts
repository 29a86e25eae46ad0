/**
 * What every node of a cluster says about it, and the problems found in those answers:
 * unreachable nodes, cluster_state other than ok, slots nobody serves, open (migrating or
 * importing) slots, nodes flagged failing or still in handshake, views that disagree.
 */
import { SLOT_COUNT } from '@tsredis/cluster-bus';
import { describeError, withNode, type ConnectOptions } from '../client.js';
import { formatEndpoint, type Endpoint } from '../endpoint.js';
import { isHealthy, myself, parseClusterNodes, type ClusterNodeLine } from './nodes.js';

export interface NodeReport {
  endpoint: Endpoint;
  /** Set when the node did not answer. */
  error?: string;
  /** CLUSTER INFO and INFO replication fields. */
  info: Record<string, string>;
  nodes: ClusterNodeLine[];
}

export interface ClusterHealth {
  reports: NodeReport[];
  problems: string[];
  /** True when nothing is wrong. */
  ok: boolean;
}

export async function queryNode(endpoint: Endpoint, options: ConnectOptions): Promise<NodeReport> {
  try {
    return await withNode(endpoint, options, async (client) => {
      const [nodesText, infoText, replicationText] = await Promise.all([
        client.call('CLUSTER', 'NODES') as Promise<string>,
        client.call('CLUSTER', 'INFO') as Promise<string>,
        client.call('INFO', 'replication') as Promise<string>,
      ]);
      return { endpoint, info: { ...parseInfo(infoText), ...parseInfo(replicationText) }, nodes: parseClusterNodes(nodesText) };
    });
  } catch (error) {
    return { endpoint, error: describeError(endpoint, error), info: {}, nodes: [] };
  }
}

export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/**
 * Asks `endpoints` (or, given one, every node it knows) and judges the answers.
 * `expectedNodes` adds a check that each node knows exactly that many healthy nodes.
 */
export async function inspectCluster(endpoints: Endpoint[], options: ConnectOptions, expectedNodes?: number): Promise<ClusterHealth> {
  let targets = endpoints;
  if (endpoints.length === 1) {
    const entry = await queryNode(endpoints[0]!, options);
    if (entry.error === undefined) targets = entry.nodes.filter((node) => !node.flags.has('noaddr')).map((node) => node.endpoint);
    if (targets.length === 0) targets = endpoints;
  }
  const reports = await Promise.all(targets.map((endpoint) => queryNode(endpoint, options)));
  const problems = judge(reports, expectedNodes);
  return { reports, problems, ok: problems.length === 0 };
}

function judge(reports: NodeReport[], expectedNodes: number | undefined): string[] {
  const problems: string[] = [];
  const answered = reports.filter((report) => report.error === undefined);
  for (const report of reports) {
    if (report.error !== undefined) {
      problems.push(`unreachable: ${report.error}`);
      continue;
    }
    const name = formatEndpoint(report.endpoint);
    if (report.info['cluster_state'] !== 'ok') problems.push(`${name}: cluster_state:${report.info['cluster_state'] ?? '?'}`);
    // A replica that has not synced cannot take over: a cluster is not ready until every one has.
    if (report.info['role'] === 'slave' && report.info['master_link_status'] !== 'up') problems.push(`${name}: replica not in sync with its master`);
    for (const node of report.nodes) {
      if (!isHealthy(node)) problems.push(`${name} sees ${formatEndpoint(node.endpoint)} (${node.id.slice(0, 8)}) as ${[...node.flags].join(',')}${node.connected ? '' : ' disconnected'}`);
      for (const { slot, to } of node.migrating) problems.push(`${name}: slot ${slot} migrating to ${to.slice(0, 8)}`);
      for (const { slot, from } of node.importing) problems.push(`${name}: slot ${slot} importing from ${from.slice(0, 8)}`);
    }
    if (expectedNodes !== undefined && report.nodes.length !== expectedNodes) {
      problems.push(`${name} knows ${report.nodes.length} nodes, expected ${expectedNodes}`);
    }
  }
  const first = answered[0];
  if (first !== undefined) {
    const owners = slotOwners(first.nodes);
    const unserved = owners.filter((owner) => owner === undefined).length;
    if (unserved > 0) problems.push(`${unserved} of ${SLOT_COUNT} slots are not served (${formatEndpoint(first.endpoint)}'s view)`);
    for (const other of answered.slice(1)) {
      const theirs = slotOwners(other.nodes);
      const differing = owners.filter((owner, slot) => theirs[slot] !== owner).length;
      if (differing > 0) {
        problems.push(`${formatEndpoint(other.endpoint)} disagrees with ${formatEndpoint(first.endpoint)} on the owner of ${differing} slots`);
      }
    }
  }
  return problems;
}

/** The id of the master serving each slot, by one node's view. */
export function slotOwners(nodes: ClusterNodeLine[]): Array<string | undefined> {
  const owners = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  for (const node of nodes) {
    for (const [first, last] of node.slots) for (let slot = first; slot <= last; slot++) owners[slot] = node.id;
  }
  return owners;
}

/** One line per node: address, id, role, slots, epoch, state — what `cluster status` prints. */
export function formatTopology(health: ClusterHealth): string {
  const rows = [['address', 'id', 'role', 'master', 'slots', 'epoch', 'state']];
  for (const report of health.reports) {
    const self = myself(report.nodes);
    if (report.error !== undefined || self === undefined) {
      rows.push([formatEndpoint(report.endpoint), '-', 'unreachable', '-', '-', '-', '-']);
      continue;
    }
    const master = self.masterId === null ? '-' : formatMaster(report.nodes, self.masterId);
    rows.push([
      formatEndpoint(report.endpoint),
      self.id.slice(0, 8),
      self.flags.has('master') ? 'master' : 'replica',
      master,
      self.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',') || '-',
      String(self.configEpoch),
      report.info['cluster_state'] ?? '?',
    ]);
  }
  return formatTable(rows);
}

function formatMaster(nodes: ClusterNodeLine[], masterId: string): string {
  const master = nodes.find((node) => node.id === masterId);
  return master === undefined ? masterId.slice(0, 8) : formatEndpoint(master.endpoint);
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
