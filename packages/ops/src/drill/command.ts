/** `tsredis drill KIND`: sets up the topology, runs the drill `runs` times, prints the report. */
import { freeClusterPorts } from '../ports.js';
import { killNodesOnSignal, serverName } from '../launcher.js';
import { LocalTopology } from '../topology.js';
import type { Endpoint } from '../endpoint.js';
import { runFailoverDrill } from './failover.js';
import { buildReport, formatReport, type DrillReport, type DrillRunResult } from './report.js';
import { runRestartAllDrill } from './restart-all.js';
import { LocalTarget, RemoteTarget, type DrillTarget } from './target.js';
import { NETNS_NODE_PORT, NetnsTarget, runInNamespaces, type NetnsPlan } from './netns.js';

export const DRILL_KINDS = ['failover', 'partition', 'restart-all'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

export interface DrillCommandOptions {
  kind: DrillKind;
  runs: number;
  json: boolean;
  /** An existing cluster; a local one is started when absent. */
  nodes?: Endpoint[] | undefined;
  nodeTimeoutMs: number;
  masters: number;
  replicas: number;
  netns: boolean;
  serverBin: string;
  password?: string | undefined;
  /** Set inside the client namespace `--netns` re-executes the drill in. */
  netnsPlan?: NetnsPlan | undefined;
  /** Progress lines (stderr by default, so that --json stays clean). */
  log?: (line: string) => void;
}

/**
 * Runs the drill, prints its report and exits: 0 when every run passed. Exiting (once stdout is
 * flushed) also ends a drill that a stuck node connection would otherwise keep alive.
 */
export async function runDrillCommand(options: DrillCommandOptions): Promise<never> {
  if (!(options.kind === 'partition' && options.netns && options.netnsPlan === undefined)) killNodesOnSignal();
  const report = await runDrill(options);
  const text = options.json ? JSON.stringify(report, null, 2) : formatReport(report);
  return new Promise<never>(() => process.stdout.write(`${text}\n`, () => process.exit(report.passed ? 0 : 1)));
}

export async function runDrill(options: DrillCommandOptions): Promise<DrillReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.kind === 'partition' && options.netns && options.netnsPlan === undefined) return runInNamespaces(options, log);
  const server = options.nodes === undefined ? serverName(options.serverBin) : 'existing cluster';
  const runs: DrillRunResult[] = [];
  if (options.kind === 'restart-all') {
    if (options.nodes !== undefined) throw new Error('restart-all starts its own nodes; it cannot drill an existing cluster (--nodes)');
    for (let run = 0; run < options.runs; run++) {
      runs.push(
        await runRestartAllDrill({
          serverBin: options.serverBin,
          masters: options.masters,
          replicas: options.replicas,
          nodeTimeoutMs: options.nodeTimeoutMs,
          keysPerShard: 1000,
          selfHealMs: options.nodeTimeoutMs * 2,
          log,
        }),
      );
    }
    return buildReport({ drill: 'restart-all', server, nodeTimeoutMs: options.nodeTimeoutMs, method: 'stop all, restart on new 127.0.0.x addresses' }, runs);
  }
  const { target, stop } = await drillTarget(options, log);
  let failed = true;
  try {
    for (let run = 0; run < options.runs; run++) {
      log(`run ${run + 1} of ${options.runs}`);
      runs.push(await runFailoverDrill(target, { kind: options.kind, nodeTimeoutMs: options.nodeTimeoutMs, warmupMs: 500, settleMs: 300, password: options.password, log }));
    }
    failed = runs.some((run) => !run.passed);
  } finally {
    await stop(failed);
  }
  const method = options.kind === 'failover' ? (options.nodes === undefined ? 'kill -9' : 'SHUTDOWN NOSAVE') : target.isolation;
  return buildReport({ drill: options.kind, server, nodeTimeoutMs: options.nodeTimeoutMs, method }, runs);
}

async function drillTarget(options: DrillCommandOptions, log: (line: string) => void): Promise<{ target: DrillTarget; stop: (keepLogs: boolean) => Promise<void> }> {
  if (options.nodes !== undefined) return { target: new RemoteTarget(options.nodes, { password: options.password }), stop: async () => {} };
  const plan = options.netnsPlan;
  const endpoints: Endpoint[] = plan === undefined
    ? (await freeClusterPorts(options.masters * (options.replicas + 1))).map((port) => ({ host: '127.0.0.1', port }))
    : plan.nodes.map((node) => ({ host: node.host, port: NETNS_NODE_PORT }));
  const { topology } = await LocalTopology.start({
    serverBin: options.serverBin,
    endpoints,
    replicas: options.replicas,
    nodeTimeoutMs: options.nodeTimeoutMs,
    ...(plan === undefined
      ? {}
      : {
          netns: (_endpoint: Endpoint, index: number) => plan.nodes[index]!.netns,
          // Off loopback, a node without a password only answers when protected mode is off.
          extra: () => ['--protected-mode', 'no'],
        }),
    log,
  });
  log(`started ${topology.nodes.length} nodes in ${topology.baseDir}`);
  const target = plan === undefined ? new LocalTarget(topology) : new NetnsTarget(topology, plan);
  return { target, stop: (keepLogs) => topology.stop(keepLogs) };
}
