/**
 * The restart-all drill: a cluster on 127.0.0.x addresses is filled with keys, every node is
 * stopped, and every node is started again from its own directory (same nodes.conf, same RDB)
 * on ANOTHER 127.0.0.x address, as containers come back with new IPs. The nodes only know each
 * other's old addresses: the drill waits to see whether they find each other alone, then runs
 * `cluster create` on the new addresses (which re-MEETs), and checks that the cluster is ok and
 * that every key is there.
 */
import { pollUntil } from '../client.js';
import { createCluster } from '../cluster/create.js';
import { inspectCluster } from '../cluster/health.js';
import type { Endpoint } from '../endpoint.js';
import { stopNode } from '../launcher.js';
import { freeClusterPorts } from '../ports.js';
import { LocalTopology } from '../topology.js';
import { mastersBySlot } from './failover.js';
import type { DrillRunResult, Metric } from './report.js';
import { SlotRouter } from './router.js';
import { findLostWrites } from './verify.js';
import { DrillWriter, tagFor } from './writer.js';

export interface RestartAllOptions {
  serverBin: string;
  masters: number;
  replicas: number;
  nodeTimeoutMs: number;
  /** Keys written before the restart, per shard. */
  keysPerShard: number;
  /** How long to let the restarted nodes find each other on their own before re-MEETing them. */
  selfHealMs: number;
  log: (line: string) => void;
}

/** 127.0.0.`first + i`: loopback answers on all of 127/8 on Linux, so each node gets its own address. */
function loopbackAddresses(first: number, ports: number[]): Endpoint[] {
  return ports.map((port, i) => ({ host: `127.0.0.${first + i}`, port }));
}

export async function runRestartAllDrill(options: RestartAllOptions): Promise<DrillRunResult> {
  const count = options.masters * (options.replicas + 1);
  // A random block of addresses keeps concurrent drills apart; ports are probed on 127.0.0.1.
  const block = 2 + Math.floor(Math.random() * 10) * 20;
  const ports = await freeClusterPorts(count);
  const oldEndpoints = loopbackAddresses(block, ports);
  const newEndpoints = loopbackAddresses(block + 10, ports);
  const { topology } = await LocalTopology.start({
    serverBin: options.serverBin,
    endpoints: oldEndpoints,
    replicas: options.replicas,
    nodeTimeoutMs: options.nodeTimeoutMs,
    extra: (endpoint) => ['--cluster-announce-ip', endpoint.host],
    persist: true,
    log: options.log,
  });
  const failures: string[] = [];
  let keepLogs = true;
  try {
    const health = await inspectCluster(oldEndpoints, {});
    const masters = mastersBySlot(health.reports[0]!.nodes);
    const router = new SlotRouter(oldEndpoints, {});
    await router.refresh();
    const writer = new DrillWriter(router, masters.map((master) => tagFor(master.slots[0]!)), {
      intervalMs: 0,
      waitTimeoutMs: 1000,
      maxWritesPerShard: options.keysPerShard,
      useWait: true,
    });
    writer.start();
    await writer.finished();
    router.close();
    options.log(`wrote ${writer.acked.length} keys; stopping all ${count} nodes`);

    await Promise.all(topology.nodes.map((node) => stopNode(node)));
    topology.nodes.length = 0;
    const restartedAt = performance.now();
    await topology.startAll(newEndpoints.map((endpoint, i) => topology.specFor(endpoint, i, ['--cluster-announce-ip', endpoint.host])));
    options.log(`restarted on ${newEndpoints[0]!.host}..; waiting ${options.selfHealMs} ms for the nodes to find each other`);

    // Judged strictly: right after a restart a node may say ok before it notices its peers are gone.
    const selfHealed = await pollUntil(options.selfHealMs, 200, async () => ((await inspectCluster(newEndpoints, {}, count)).ok ? true : undefined));
    let outcome = 'healed alone';
    if (selfHealed === undefined) {
      const result = await createCluster(newEndpoints, { replicas: options.replicas, timeoutMs: 30_000, log: options.log }).catch((error: Error) => {
        failures.push(`cluster not ok after re-MEET: ${error.message}`);
        return undefined;
      });
      outcome = result === undefined ? 'not recovered' : `recovered by cluster create (${result.outcome})`;
    }
    const okMs = Math.round(performance.now() - restartedAt);
    const readRouter = new SlotRouter(newEndpoints, {});
    const lost = failures.length > 0 ? undefined : await findLostWrites(readRouter, writer.acked).finally(() => readRouter.close());
    if (lost !== undefined && lost.replicated + lost.plain > 0) failures.push(`${lost.replicated + lost.plain} keys missing after the restart`);
    const metrics: Metric[] = [
      { key: 'keysWritten', label: 'keys written before restart', value: writer.acked.length },
      { key: 'selfHealed', label: 'nodes found each other alone', value: selfHealed === undefined ? 'no' : 'yes' },
      { key: 'outcome', label: 'outcome', value: outcome },
      { key: 'okMs', label: 'restart to cluster ok, ms', value: failures.length > 0 ? null : okMs },
      { key: 'keysMissing', label: 'keys missing', value: lost === undefined ? null : lost.replicated + lost.plain },
    ];
    keepLogs = failures.length > 0;
    return {
      passed: failures.length === 0,
      failures,
      metrics,
      details: { oldAddresses: oldEndpoints.map((e) => e.host), newAddresses: newEndpoints.map((e) => e.host), lostExamples: lost?.examples ?? [] },
    };
  } finally {
    await topology.stop(keepLogs);
  }
}
