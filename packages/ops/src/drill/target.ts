/**
 * What a drill does to nodes, whatever runs them: local processes this tool started (kill -9,
 * SIGSTOP/SIGCONT, restart from the same directory) or an existing cluster reached only over
 * the network (SHUTDOWN NOSAVE, DEBUG SLEEP).
 */
import { withNode, type ConnectOptions } from '../client.js';
import { formatEndpoint, sameEndpoint, type Endpoint } from '../endpoint.js';
import { killNode, signal } from '../launcher.js';
import type { LocalTopology } from '../topology.js';

export interface DrillTarget {
  /** How `isolate` cuts a node off, for the report. */
  readonly isolation: string;
  /** Every node's address. */
  endpoints(): Endpoint[];
  kill(endpoint: Endpoint): Promise<void>;
  /** Cuts the node off from its peers (and, for SIGSTOP, from everyone) for at most `maxMs`. */
  isolate(endpoint: Endpoint, maxMs: number): Promise<void>;
  heal(endpoint: Endpoint): Promise<void>;
  /** Brings a killed node back with its data directory; false when this target cannot. */
  restart(endpoint: Endpoint): Promise<boolean>;
}

export class LocalTarget implements DrillTarget {
  readonly isolation: string = 'SIGSTOP';
  constructor(private readonly topology: LocalTopology) {}

  endpoints(): Endpoint[] {
    return this.topology.options.endpoints;
  }

  async kill(endpoint: Endpoint): Promise<void> {
    await killNode(this.node(endpoint));
  }

  async isolate(endpoint: Endpoint): Promise<void> {
    signal(this.node(endpoint), 'SIGSTOP');
  }

  async heal(endpoint: Endpoint): Promise<void> {
    signal(this.node(endpoint), 'SIGCONT');
  }

  async restart(endpoint: Endpoint): Promise<boolean> {
    await this.topology.restart(this.index(endpoint));
    return true;
  }

  private index(endpoint: Endpoint): number {
    const index = this.topology.options.endpoints.findIndex((candidate) => sameEndpoint(candidate, endpoint));
    if (index < 0) throw new Error(`${formatEndpoint(endpoint)} is not a node of this topology`);
    return index;
  }

  private node(endpoint: Endpoint) {
    const node = this.topology.nodeAt(this.index(endpoint));
    if (node === undefined) throw new Error(`${formatEndpoint(endpoint)} is not running`);
    return node;
  }
}

/** An existing cluster: nodes are stopped with SHUTDOWN NOSAVE and paused with DEBUG SLEEP (enable-debug-command). */
export class RemoteTarget implements DrillTarget {
  readonly isolation: string = 'DEBUG SLEEP';
  constructor(private readonly nodes: Endpoint[], private readonly options: ConnectOptions) {}

  endpoints(): Endpoint[] {
    return this.nodes;
  }

  async kill(endpoint: Endpoint): Promise<void> {
    // The connection drops as the node exits: that is the expected answer.
    await withNode(endpoint, this.options, (client) => client.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined);
  }

  async isolate(endpoint: Endpoint, maxMs: number): Promise<void> {
    // DEBUG SLEEP blocks the node's event loop, like SIGSTOP; the reply only comes at the end.
    void withNode(endpoint, { ...this.options, commandTimeoutMs: maxMs + 5000 }, (client) =>
      client.call('DEBUG', 'SLEEP', (maxMs / 1000).toFixed(3)),
    ).catch(() => undefined);
  }

  async heal(): Promise<void> {
    // The node wakes up by itself when DEBUG SLEEP ends.
  }

  async restart(): Promise<boolean> {
    return false;
  }
}
