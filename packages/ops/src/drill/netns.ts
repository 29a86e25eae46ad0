/**
 * Partitions in network namespaces (root only). Every node gets its own namespace with a veth
 * into a bridge that lives in a namespace of its own, on 10.77.0.0/24; the drill itself runs in
 * a client namespace on the same bridge (this process re-executes itself there). Nothing is
 * added to the namespace this command was started in, and every namespace created is deleted
 * afterwards — also when the drill fails or is interrupted — which removes its links with it.
 *
 * A partition is a pair of blackhole routes: the isolated node drops every packet to its peers
 * and they drop every packet to it, so the cluster bus and replication really stop, while the
 * client namespace keeps its routes — the drill's writer still reaches the isolated master, as
 * a client on its side of the partition would, and can be told OK by it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import type { Endpoint } from '../endpoint.js';
import type { LocalTopology } from '../topology.js';
import type { DrillCommandOptions } from './command.js';
import type { DrillReport } from './report.js';
import { LocalTarget } from './target.js';

const SUBNET = '10.77.0';
/** Port of every node: each has a namespace, hence an address, of its own. */
export const NETNS_NODE_PORT = 6379;

export interface NetnsPlan {
  bridge: string;
  client: string;
  clientAddress: string;
  nodes: Array<{ netns: string; host: string }>;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this process may create namespaces (root, and `ip netns` works). */
export function netnsAvailable(): { ok: boolean; reason?: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root' };
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return { ok: true };
  } catch {
    return { ok: false, reason: '`ip netns` is not available' };
  }
}

export function createNamespaces(nodeCount: number): NetnsPlan {
  const id = randomBytes(3).toString('hex');
  const plan: NetnsPlan = {
    bridge: `tsr${id}br`,
    client: `tsr${id}c`,
    clientAddress: `${SUBNET}.2`,
    nodes: Array.from({ length: nodeCount }, (_, i) => ({ netns: `tsr${id}n${i}`, host: `${SUBNET}.${10 + i}` })),
  };
  try {
    ip('netns', 'add', plan.bridge);
    ip('-n', plan.bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', plan.bridge, 'link', 'set', 'br0', 'up');
    const members = [{ netns: plan.client, host: plan.clientAddress }, ...plan.nodes];
    for (const [i, { netns, host }] of members.entries()) {
      ip('netns', 'add', netns);
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      // Created inside the bridge namespace with its peer moved straight into the member's.
      ip('-n', plan.bridge, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      ip('-n', plan.bridge, 'link', 'set', `p${i}`, 'master', 'br0', 'up');
      ip('-n', netns, 'addr', 'add', `${host}/24`, 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'up');
    }
  } catch (error) {
    destroyNamespaces(plan);
    throw error;
  }
  return plan;
}

/** Kills what still runs in the namespaces (processes this drill started) and deletes them. */
export function destroyNamespaces(plan: NetnsPlan): void {
  for (const netns of [plan.client, ...plan.nodes.map((node) => node.netns), plan.bridge]) {
    let pids: string[] = [];
    try {
      pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      continue; // Never created.
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    try {
      ip('netns', 'del', netns);
    } catch {
      // Deleted meanwhile.
    }
  }
}

/** Blackhole routes between the node and every other node, both ways (`add`) or removed (`del`). */
function routes(plan: NetnsPlan, host: string, action: 'add' | 'del'): void {
  const isolated = plan.nodes.find((node) => node.host === host);
  if (isolated === undefined) throw new Error(`${host} is not a node of this namespace plan`);
  for (const other of plan.nodes) {
    if (other === isolated) continue;
    ip('-n', isolated.netns, 'route', action, 'blackhole', `${other.host}/32`);
    ip('-n', other.netns, 'route', action, 'blackhole', `${isolated.host}/32`);
  }
}

/** Local nodes in namespaces: kill, restart and stop as LocalTarget; isolation cuts routes. */
export class NetnsTarget extends LocalTarget {
  override readonly isolation = 'network namespaces (peers cut, client still reaches it)';
  constructor(topology: LocalTopology, private readonly plan: NetnsPlan) {
    super(topology);
  }

  override async isolate(endpoint: Endpoint): Promise<void> {
    routes(this.plan, endpoint.host, 'add');
  }

  override async heal(endpoint: Endpoint): Promise<void> {
    routes(this.plan, endpoint.host, 'del');
  }
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

/**
 * Creates the namespaces, runs `tsredis drill partition` again inside the client namespace with
 * the plan (it starts the nodes in theirs), returns its JSON report, and always cleans up.
 */
export async function runInNamespaces(options: DrillCommandOptions, log: (line: string) => void): Promise<DrillReport> {
  const available = netnsAvailable();
  if (!available.ok) throw new Error(`--netns: ${available.reason}`);
  if (options.nodes !== undefined) throw new Error('--netns starts its own nodes; it cannot be combined with --nodes');
  const plan = createNamespaces(options.masters * (options.replicas + 1));
  log(`namespaces ${plan.bridge} (bridge), ${plan.client} (drill client), ${plan.nodes.map((node) => node.netns).join(' ')}`);
  const cleanup = (): void => destroyNamespaces(plan);
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const args = [
      'netns', 'exec', plan.client, process.execPath, CLI, 'drill', 'partition', '--json',
      '--runs', String(options.runs), '--node-timeout', String(options.nodeTimeoutMs),
      '--masters', String(options.masters), '--replicas', String(options.replicas),
      '--server-bin', options.serverBin, '--netns-plan', JSON.stringify(plan),
    ];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
    const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const start = stdout.indexOf('{');
    if (start < 0) throw new Error(`the drill in ${plan.client} exited with ${status} without a report`);
    return JSON.parse(stdout.slice(start)) as DrillReport;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}
