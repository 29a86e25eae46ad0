/** `tsredis cluster up`: start local nodes, form the cluster, print it, run until Ctrl-C/SIGTERM. */
import { formatTopology } from './cluster/health.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import { serverName } from './launcher.js';
import { assertClusterPortsFree } from './ports.js';
import { LocalTopology } from './topology.js';

export interface UpOptions {
  serverBin: string;
  endpoints: Endpoint[];
  replicas: number;
  nodeTimeoutMs: number;
  dir?: string | undefined;
}

export async function clusterUp(options: UpOptions): Promise<void> {
  await assertClusterPortsFree(options.endpoints);
  const started = Date.now();
  const { topology, formed, listeningMs } = await LocalTopology.start({ ...options, log: () => {} });
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping ${topology.nodes.length} nodes`);
    await topology.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  for (const node of topology.nodes) {
    void node.exited.then(() => {
      if (!stopping) console.log(`node ${formatEndpoint(node.spec.endpoint)} (pid ${node.pid}) exited; logs in ${node.spec.dir}`);
    });
  }
  console.log(formatTopology(formed.health));
  console.log(
    `\n${serverName(options.serverBin)} cluster of ${topology.nodes.length} nodes ready in ${Date.now() - started} ms ` +
      `(processes listening after ${listeningMs} ms) ` +
      `(node-timeout ${options.nodeTimeoutMs} ms, data in ${topology.baseDir}).\n` +
      `Try: redis-cli -c -p ${options.endpoints[0]!.port}   Ctrl-C stops every node.`,
  );
}
