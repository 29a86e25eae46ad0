#!/usr/bin/env node
/**
 * tsredis — operator CLI.
 *   tsredis cluster create HOST:PORT... [--replicas N]
 *   tsredis cluster check|status HOST:PORT
 *   tsredis cluster up [--ports 7000-7005] [--replicas 1] [--node-timeout 5000] [--dir DIR]
 *   tsredis drill failover|partition|restart-all [--runs N] [--json] [--nodes HOST:PORT...]
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createCluster } from './cluster/create.js';
import { formatTopology, inspectCluster } from './cluster/health.js';
import { runDrillCommand, DRILL_KINDS, type DrillKind } from './drill/command.js';
import { parseEndpoint, parsePortRange } from './endpoint.js';
import { DEFAULT_SERVER_BIN } from './launcher.js';
import { clusterUp } from './up.js';

const serverBinOption = {
  describe: 'server to run: tsredis, redis-server, or a path (env TSREDIS_SERVER_BIN)',
  type: 'string',
  default: DEFAULT_SERVER_BIN,
} as const;

function clusterCommands(cluster: Argv): Argv {
  return cluster
    .command(
      'create <nodes..>',
      'form a cluster from empty nodes (idempotent: re-MEETs an existing one)',
      (y) =>
        y
          .positional('nodes', { type: 'string', array: true, demandOption: true, describe: 'HOST:PORT of every node' })
          .option('replicas', { type: 'number', default: 0, describe: 'replicas per master' })
          .option('password', { type: 'string', describe: 'requirepass of the nodes (env REDISCLI_AUTH)' })
          .option('timeout', { type: 'number', default: 60_000, describe: 'ms to wait for cluster_state:ok' }),
      async (args) => {
        const endpoints = args.nodes.map(parseEndpoint);
        const result = await createCluster(endpoints, {
          replicas: args.replicas,
          password: args.password ?? process.env['REDISCLI_AUTH'],
          timeoutMs: args.timeout,
          log: (line) => console.log(line),
        });
        console.log(formatTopology(result.health));
        console.log(`[OK] cluster ${result.outcome}: ${endpoints.length} nodes, all slots covered`);
      },
    )
    .command(
      'check <node>',
      'check every node the given one knows: slots covered, no open slots, all agree; exits 1 on any problem',
      inspectOptions,
      (args) => inspect(args, true),
    )
    .command('status <node>', 'show every node the given one knows: role, master, slots, epoch, state', inspectOptions, (args) => inspect(args, false))
    .command(
      'up',
      'start local nodes, form a cluster, run in the foreground until Ctrl-C',
      (y) =>
        y
          .option('ports', { type: 'string', default: '7000-7005' })
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('replicas', { type: 'number', default: 1 })
          .option('node-timeout', { type: 'number', default: 5000 })
          .option('dir', { type: 'string', describe: 'parent of the node directories (default: a temporary one, removed on exit)' })
          .option('server-bin', serverBinOption),
      async (args) => {
        await clusterUp({
          serverBin: args.serverBin,
          endpoints: parsePortRange(args.ports).map((port) => ({ host: args.host, port })),
          replicas: args.replicas,
          nodeTimeoutMs: args.nodeTimeout,
          dir: args.dir,
        });
      },
    )
    .demandCommand(1, 'name a cluster subcommand');
}

function inspectOptions(y: Argv) {
  return y
    .positional('node', { type: 'string', demandOption: true, describe: 'HOST:PORT of any node' })
    .option('password', { type: 'string', describe: 'requirepass of the nodes (env REDISCLI_AUTH)' })
    .option('json', { type: 'boolean', default: false });
}

async function inspect(args: { node: string; password: string | undefined; json: boolean }, checking: boolean): Promise<void> {
  const health = await inspectCluster([parseEndpoint(args.node)], { password: args.password ?? process.env['REDISCLI_AUTH'] });
  if (args.json) console.log(JSON.stringify({ ok: health.ok, problems: health.problems, nodes: health.reports }, jsonReplacer, 2));
  else {
    console.log(formatTopology(health));
    for (const problem of health.problems) console.log(`[ERR] ${problem}`);
    if (health.ok) console.log('[OK] all 16384 slots covered, no open slots, every node agrees');
  }
  if (checking && !health.ok) process.exitCode = 1;
}

/** Sets and Maps in reports become arrays and objects. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

await yargs(hideBin(process.argv))
  .scriptName('tsredis')
  .command('cluster', 'create, check and run clusters', clusterCommands)
  .command(
    'drill <kind>',
    'failover drills with a bounded writer: failover (kill -9 a master), partition (isolate one), restart-all (new addresses)',
    (y) =>
      y
        .positional('kind', { choices: DRILL_KINDS, demandOption: true })
        .option('runs', { type: 'number', default: 1, describe: 'repeat and report the median' })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
        .option('nodes', { type: 'string', array: true, describe: 'drill an existing cluster (HOST:PORT...) instead of starting one' })
        .option('node-timeout', { type: 'number', default: 5000, describe: 'cluster-node-timeout of the nodes started' })
        .option('replicas', { type: 'number', default: 1 })
        .option('masters', { type: 'number', default: 3 })
        .option('netns', { type: 'boolean', default: false, describe: 'partition with network namespaces (root, ip netns)' })
        .option('server-bin', serverBinOption)
        .option('password', { type: 'string' })
        .option('netns-plan', { type: 'string', hidden: true }),
    async (args) => {
      await runDrillCommand({
        kind: args.kind as DrillKind,
        runs: args.runs,
        json: args.json,
        nodes: args.nodes?.map(parseEndpoint),
        nodeTimeoutMs: args.nodeTimeout,
        replicas: args.replicas,
        masters: args.masters,
        netns: args.netns,
        serverBin: args.serverBin,
        password: args.password,
        netnsPlan: args.netnsPlan === undefined ? undefined : JSON.parse(args.netnsPlan),
      });
    },
  )
  .demandCommand(1, 'name a command')
  .fail((message, error, parser) => {
    // A failing command prints its reason only; a usage mistake also prints the usage.
    if (error !== undefined && error !== null) process.stderr.write(`tsredis: ${process.env['TSREDIS_DEBUG'] ? error.stack : error.message}\n`);
    else process.stderr.write(`${parser.help()}\n\ntsredis: ${message}\n`);
    process.exit(1);
  })
  .strict()
  .help()
  .parseAsync();
