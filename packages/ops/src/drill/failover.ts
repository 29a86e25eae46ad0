/**
 * One run of the failover drill (kill -9 a master) or the partition drill (cut a master off,
 * then heal): a writer runs through it, a monitor times detection and promotion, and at the end
 * every acknowledged write is looked up.
 */
import { keySlot } from '@tsredis/cluster-bus';
import { pollUntil, sleep, withNode, type ConnectOptions } from '../client.js';
import { inspectCluster, queryNode, type ClusterHealth } from '../cluster/health.js';
import { isMaster, myself, type ClusterNodeLine } from '../cluster/nodes.js';
import { formatEndpoint, sameEndpoint, type Endpoint } from '../endpoint.js';
import { FailoverMonitor } from './monitor.js';
import type { DrillRunResult, Metric } from './report.js';
import { SlotRouter } from './router.js';
import type { DrillTarget } from './target.js';
import { findLostWrites } from './verify.js';
import { DrillWriter, tagFor } from './writer.js';

export interface FailoverDrillOptions extends ConnectOptions {
  kind: 'failover' | 'partition';
  nodeTimeoutMs: number;
  /** Writes before the fault, so that there is something to lose. */
  warmupMs: number;
  /** Writes after the first write on the new master, before healing and stopping. */
  settleMs: number;
  log: (line: string) => void;
}

/** The masters serving slots, in slot order, by one node's view. */
export function mastersBySlot(nodes: ClusterNodeLine[]): ClusterNodeLine[] {
  return nodes.filter((node) => isMaster(node) && node.slots.length > 0).sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
}

export async function runFailoverDrill(target: DrillTarget, options: FailoverDrillOptions): Promise<DrillRunResult> {
  const before = await waitHealthy(target, options, 30_000);
  const view = before.reports.find((report) => report.error === undefined)!.nodes;
  const masters = mastersBySlot(view);
  // The victim is the master of the first shard; shard 0 of the writer writes into its slots.
  const victim = masters[0]!;
  const replicaIds = view.filter((node) => node.masterId === victim.id).map((node) => node.id);
  if (replicaIds.length === 0) throw new Error(`master ${formatEndpoint(victim.endpoint)} has no replica to fail over to`);
  // The victim as the drill reaches it (a compose node announces a name, not the address given).
  const victimEndpoint = await endpointOfNode(target.endpoints(), victim.id, options);
  const survivors = target.endpoints().filter((endpoint) => !sameEndpoint(endpoint, victimEndpoint));

  const router = new SlotRouter(target.endpoints(), { ...options, commandTimeoutMs: Math.min(500, options.nodeTimeoutMs / 2) });
  const tags = masters.map((master) => tagFor(master.slots[0]!));
  const writer = new DrillWriter(router, tags, {
    intervalMs: 5,
    waitTimeoutMs: 200,
    maxWritesPerShard: 20_000,
    useWait: true,
  });
  const monitor = new FailoverMonitor(survivors, victim.id, replicaIds, options);
  const failures: string[] = [];
  let oldMaster = 'not checked';
  let t0 = 0;
  let newMasterWriteAt: number | undefined;
  let victimName = formatEndpoint(victimEndpoint);
  try {
    await router.refresh();
    // The name the writer knows the victim by: whatever CLUSTER SLOTS calls the owner of shard 0.
    victimName = router.ownerOf(keySlot(tags[0]!)) ?? victimName;
    writer.start();
    await sleep(options.warmupMs);
    monitor.start();
    t0 = performance.now();
    const isolateFor = options.nodeTimeoutMs * 3 + 5000;
    if (options.kind === 'failover') await target.kill(victimEndpoint);
    else await target.isolate(victimEndpoint, isolateFor);
    options.log(`${options.kind === 'failover' ? 'killed' : `isolated (${target.isolation})`} master ${victimName}`);

    newMasterWriteAt = await pollUntil(options.nodeTimeoutMs * 3 + 10_000, 10, async () =>
      writer.acked.find((write) => write.shard === 0 && write.at > t0 && write.node !== victimName)?.at,
    );
    if (newMasterWriteAt === undefined) failures.push('no write succeeded on a new master');
    await sleep(options.settleMs);

    if (options.kind === 'partition') {
      await target.heal(victimEndpoint);
      oldMaster = await roleAfterRejoin(victimEndpoint, options, isolateFor + 10_000);
    } else if (await target.restart(victimEndpoint)) {
      oldMaster = await roleAfterRejoin(victimEndpoint, options, 20_000);
    } else oldMaster = 'not restarted';
    if (oldMaster !== 'replica' && oldMaster !== 'not restarted') failures.push(`old master ${victimName} is ${oldMaster} after rejoining`);
  } finally {
    await writer.stop();
    await monitor.stop();
  }

  const after = await waitHealthy(target, options, 30_000, oldMaster === 'not restarted' ? victimEndpoint : undefined).catch((error: Error) => {
    failures.push(error.message);
    return undefined;
  });
  const lost = await findLostWrites(router, writer.acked).finally(() => router.close());
  if (lost.replicated > 0) failures.push(`${lost.replicated} writes confirmed by WAIT 1 were lost`);

  const stats = writer.stats();
  const since = (at: number | undefined): number | null => (at === undefined ? null : Math.round(at - t0));
  // The monitor polls; a write the new master accepted proves it was promoted by then.
  const promotedAt = newMasterWriteAt === undefined ? monitor.times.promotedAt : Math.min(monitor.times.promotedAt ?? Infinity, newMasterWriteAt);
  // Sent after the fault: a reply already on its way when the fault hit does not count.
  const isolatedAcks = writer.acked.filter((write) => write.node === victimName && write.sentAt > t0).length;
  const metrics: Metric[] = [
    { key: 'detectionMs', label: 'detection (first FAIL flag), ms', value: since(monitor.times.detectedAt) },
    { key: 'electionMs', label: 'replica promoted, ms', value: since(promotedAt) },
    { key: 'firstWriteMs', label: 'first write on new master, ms', value: since(newMasterWriteAt) },
    { key: 'writesAcked', label: 'writes acknowledged', value: stats.acked },
    { key: 'writesReplicated', label: '  of which confirmed by WAIT 1', value: stats.replicated },
    { key: 'ackedByOldMasterAfterFault', label: 'sent after fault, acked by old master', value: isolatedAcks },
    { key: 'clientErrors', label: 'client errors', value: stats.errors },
    { key: 'lostReplicated', label: 'lost, WAIT 1-confirmed', value: lost.replicated },
    { key: 'lostPlain', label: 'lost, acknowledged without WAIT', value: lost.plain },
    { key: 'oldMaster', label: 'old master after rejoin', value: oldMaster },
    { key: 'clusterOkAfter', label: 'cluster ok afterwards', value: after === undefined ? 'no' : 'yes' },
  ];
  return {
    passed: failures.length === 0,
    failures,
    metrics,
    details: { victim: victimName, promoted: monitor.times.promotedId ?? null, errorsByKind: stats.errorsByKind, lostExamples: lost.examples, attempted: stats.attempted },
  };
}

/** Which of `endpoints` is the node with this id (CLUSTER MYID). */
async function endpointOfNode(endpoints: Endpoint[], id: string, options: ConnectOptions): Promise<Endpoint> {
  for (const endpoint of endpoints) {
    const myId = await withNode(endpoint, options, (client) => client.call('CLUSTER', 'MYID')).catch(() => undefined);
    if (myId === id) return endpoint;
  }
  throw new Error(`none of the given nodes is ${id}`);
}

/** What the old master says it is once it answers again: 'replica' is the expected outcome. */
async function roleAfterRejoin(endpoint: Endpoint, options: ConnectOptions, timeoutMs: number): Promise<string> {
  let role = 'unreachable';
  await pollUntil(timeoutMs, 100, async () => {
    const report = await queryNode(endpoint, options);
    const self = myself(report.nodes);
    if (self === undefined) return undefined;
    role = self.flags.has('slave') ? 'replica' : 'master';
    return role === 'replica' ? true : undefined;
  });
  return role;
}

/** Until every node answers and all is well (a node left down on purpose is skipped); throws when time runs out. */
export async function waitHealthy(target: DrillTarget, options: ConnectOptions, timeoutMs: number, skip?: Endpoint): Promise<ClusterHealth> {
  const endpoints = target.endpoints().filter((endpoint) => skip === undefined || !sameEndpoint(endpoint, skip));
  let last: ClusterHealth | undefined;
  const healthy = await pollUntil(timeoutMs, 100, async () => {
    last = await inspectCluster(endpoints, options, skip === undefined ? endpoints.length : undefined);
    if (skip !== undefined) last.problems = last.problems.filter((problem) => !problem.includes(` sees ${formatEndpoint(skip)} `));
    return last.problems.length === 0 ? last : undefined;
  });
  if (healthy === undefined) throw new Error(`cluster not ok within ${timeoutMs} ms: ${last?.problems.slice(0, 3).join('; ')}`);
  return healthy;
}
