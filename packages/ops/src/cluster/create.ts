/**
 * Forms a cluster from empty nodes the way `redis-cli --cluster create` does: slots to the
 * masters (ADDSLOTSRANGE), distinct config epochs (SET-CONFIG-EPOCH), every node MEETs the rest,
 * replicas REPLICATE their master once they know it, then wait for every node to say ok.
 * On nodes that already hold slots it only re-MEETs them (harmless when they know each other;
 * after nodes came back on new addresses it lets them find each other again by node id).
 */
import { lookup } from 'node:dns/promises';
import type { Redis } from 'ioredis';
import { connectNode, errorMessage, pollUntil, type ConnectOptions } from '../client.js';
import { formatEndpoint, type Endpoint } from '../endpoint.js';
import { inspectCluster, type ClusterHealth } from './health.js';
import { planLayout } from './layout.js';
import { myself, parseClusterNodes } from './nodes.js';

export interface CreateOptions extends ConnectOptions {
  replicas: number;
  /** How long to wait for cluster_state:ok everywhere. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface CreateResult {
  /** 'created' on empty nodes, 'already-formed' when nothing was missing, 'rejoined' when MEETs were needed. */
  outcome: 'created' | 'already-formed' | 'rejoined';
  health: ClusterHealth;
}

/** Names the step (and the node) in an error, so that a failure says where formation stopped. */
async function step<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(`${what}: ${errorMessage(error)}`);
  }
}

export async function createCluster(endpoints: Endpoint[], options: CreateOptions): Promise<CreateResult> {
  const clients = endpoints.map((endpoint) => connectNode(endpoint, options));
  try {
    const views = await Promise.all(
      clients.map(async (client, i) => parseClusterNodes((await step(`CLUSTER NODES on ${formatEndpoint(endpoints[i]!)}`, client.call('CLUSTER', 'NODES'))) as string)),
    );
    const formed = views.some((nodes) => nodes.length > 1 || nodes.some((node) => node.slots.length > 0));
    if (!formed) {
      await formFromScratch(endpoints, clients, options);
      return { outcome: 'created', health: await waitForCluster(endpoints, options) };
    }
    const current = await inspectCluster(endpoints, options, endpoints.length);
    if (current.ok) return { outcome: 'already-formed', health: current };
    options.log(`cluster exists but is not ok (${current.problems[0]}); meeting every node again`);
    await step('CLUSTER MEET', meetAll(endpoints, clients));
    return { outcome: 'rejoined', health: await waitForCluster(endpoints, options) };
  } finally {
    for (const client of clients) client.disconnect();
  }
}

async function formFromScratch(endpoints: Endpoint[], clients: Redis[], options: CreateOptions): Promise<void> {
  const layout = planLayout(endpoints, options.replicas);
  for (const [i, { endpoint, slots }] of layout.masters.entries()) {
    options.log(`master ${formatEndpoint(endpoint)} slots ${slots[0]}-${slots[1]}`);
    await step(`CLUSTER ADDSLOTSRANGE on ${formatEndpoint(endpoint)}`, clients[i]!.call('CLUSTER', 'ADDSLOTSRANGE', String(slots[0]), String(slots[1])));
  }
  // Distinct epochs so that no two masters start with a collision to resolve.
  await step('CLUSTER SET-CONFIG-EPOCH', Promise.all(clients.map((client, i) => client.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)))));
  await step('CLUSTER MEET', meetAll(endpoints, clients));
  const ids = await step('CLUSTER MYID', Promise.all(clients.map(async (client) => (await client.call('CLUSTER', 'MYID')) as string)));
  await waitUntilAllKnown(clients, endpoints.length, options.timeoutMs);
  for (const [i, { endpoint, master }] of layout.replicas.entries()) {
    const masterEndpoint = layout.masters[master]!.endpoint;
    options.log(`replica ${formatEndpoint(endpoint)} of ${formatEndpoint(masterEndpoint)}`);
    await step(`CLUSTER REPLICATE on ${formatEndpoint(endpoint)}`, clients[layout.masters.length + i]!.call('CLUSTER', 'REPLICATE', ids[master]!));
  }
}

/**
 * Every node MEETs every other: all of them know each other after one handshake instead of
 * waiting for gossip, and a node that lost everyone (new addresses) is found from every side.
 */
async function meetAll(endpoints: Endpoint[], clients: Redis[]): Promise<void> {
  // CLUSTER MEET takes an IP: names (compose services, pod DNS) are resolved here, now — after a restart they may point elsewhere.
  const addresses = await Promise.all(endpoints.map(async ({ host, port }) => ({ host: (await lookup(host)).address, port })));
  await Promise.all(
    clients.flatMap((client, i) =>
      addresses.filter((_, j) => j !== i).map((address) => client.call('CLUSTER', 'MEET', address.host, String(address.port))),
    ),
  );
}

/** Until every node lists `count` nodes, none of them still in handshake (REPLICATE needs the master known). */
async function waitUntilAllKnown(clients: Redis[], count: number, timeoutMs: number): Promise<void> {
  const done = await pollUntil(timeoutMs, 50, async () => {
    const views = await Promise.all(clients.map(async (client) => parseClusterNodes((await client.call('CLUSTER', 'NODES')) as string))).catch(() => undefined);
    if (views === undefined) return undefined;
    return views.every((nodes) => nodes.length === count && nodes.every((node) => !node.flags.has('handshake'))) ? true : undefined;
  });
  if (done === undefined) throw new Error(`nodes did not all meet within ${timeoutMs} ms`);
}

export async function waitForCluster(endpoints: Endpoint[], options: CreateOptions): Promise<ClusterHealth> {
  let last: ClusterHealth | undefined;
  const healthy = await pollUntil(options.timeoutMs, 100, async () => {
    last = await inspectCluster(endpoints, options, endpoints.length);
    return last.ok && replicasAttached(last) ? last : undefined;
  });
  if (healthy === undefined) throw new Error(`cluster not ok within ${options.timeoutMs} ms: ${last?.problems.join('; ') ?? 'no answer'}`);
  return healthy;
}

/** Replicas show as replicas (REPLICATE has taken effect on every node's view). */
function replicasAttached(health: ClusterHealth): boolean {
  const masters = health.reports.filter((report) => myself(report.nodes)?.flags.has('master')).length;
  return health.reports.every((report) => report.nodes.filter((node) => node.flags.has('master')).length === masters);
}
