/** A cluster of local node processes this tool started: formed, inspected, stopped by PID. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCluster, type CreateResult } from './cluster/create.js';
import type { Endpoint } from './endpoint.js';
import { isBuilt, startNode, stopNode, TSREDIS_CLI, type NodeProcess, type NodeSpec } from './launcher.js';

export interface LocalTopologyOptions {
  serverBin: string;
  endpoints: Endpoint[];
  replicas: number;
  nodeTimeoutMs: number;
  /** Parent of the per-node directories; a fresh temporary directory (removed on stop) when absent. */
  dir?: string | undefined;
  /** Extra directives for every node, or per node. */
  extra?: (endpoint: Endpoint, index: number) => string[];
  netns?: (endpoint: Endpoint, index: number) => string | undefined;
  /** Nodes save an RDB on shutdown (restart drills). */
  persist?: boolean;
  log?: (line: string) => void;
}

export class LocalTopology {
  readonly nodes: NodeProcess[] = [];
  private constructor(
    readonly options: LocalTopologyOptions,
    readonly baseDir: string,
    private readonly ownsDir: boolean,
  ) {}

  /** Starts every node (in parallel) and forms the cluster; stops what it started when anything fails. */
  static async start(options: LocalTopologyOptions): Promise<{ topology: LocalTopology; formed: CreateResult; listeningMs: number }> {
    if (!isBuilt(options.serverBin)) throw new Error(`${TSREDIS_CLI} is missing: build first (npm run build)`);
    const ownsDir = options.dir === undefined;
    const baseDir = options.dir ?? mkdtempSync(join(tmpdir(), 'tsredis-cluster-'));
    const topology = new LocalTopology(options, baseDir, ownsDir);
    const started = performance.now();
    try {
      await topology.startAll(options.endpoints.map((endpoint, i) => topology.specFor(endpoint, i)));
      const listeningMs = Math.round(performance.now() - started);
      const formed = await createCluster(options.endpoints, {
        replicas: options.replicas,
        timeoutMs: 30_000,
        log: options.log ?? (() => {}),
      });
      return { topology, formed, listeningMs };
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }

  /** The spec of node `index`: its directory is named by its index so it survives an address change. */
  specFor(endpoint: Endpoint, index: number, extra: string[] = []): NodeSpec {
    const netns = this.options.netns?.(endpoint, index);
    return {
      endpoint,
      dir: join(this.baseDir, `node-${index}`),
      nodeTimeoutMs: this.options.nodeTimeoutMs,
      extra: [...(this.options.extra?.(endpoint, index) ?? []), ...extra],
      persist: this.options.persist === true,
      ...(netns === undefined ? {} : { netns }),
    };
  }

  async startAll(specs: NodeSpec[]): Promise<void> {
    const started = await Promise.allSettled(specs.map((spec) => startNode(this.options.serverBin, spec)));
    for (const result of started) if (result.status === 'fulfilled') this.nodes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  /** Restarts node `index` from its directory (same nodes.conf), optionally on another address. */
  async restart(index: number, endpoint: Endpoint = this.options.endpoints[index]!, extra: string[] = []): Promise<NodeProcess> {
    const old = this.nodeAt(index);
    if (old !== undefined) {
      await stopNode(old);
      this.nodes.splice(this.nodes.indexOf(old), 1);
    }
    await this.startAll([this.specFor(endpoint, index, extra)]);
    return this.nodes[this.nodes.length - 1]!;
  }

  nodeAt(index: number): NodeProcess | undefined {
    const dir = join(this.baseDir, `node-${index}`);
    return this.nodes.find((node) => node.spec.dir === dir);
  }

  /**
   * Stops every node this topology started (SIGTERM, then SIGKILL), then removes a temporary
   * directory — unless `keepLogs` (a failed drill keeps its node logs for a post-mortem).
   */
  async stop(keepLogs = false): Promise<void> {
    await Promise.all(this.nodes.map((node) => stopNode(node)));
    if (keepLogs) this.options.log?.(`node directories and logs kept in ${this.baseDir}`);
    else if (this.ownsDir) rmSync(this.baseDir, { recursive: true, force: true });
  }
}
