import type { TLSSocket } from 'node:tls';
import { keySlot, newRoutingDecision, newRoutingRequest, redirectError, route, Route, type ClusterView, type RoutingDecision, type RoutingRequest } from '@tsredis/cluster-bus';
import { CommandFlag, type Command } from '../commands/table.js';
import type { Database } from '../keyspace/database.js';
import { ClientFlag, type Client } from './client.js';
import type { Server } from './server.js';

/**
 * The cluster check of processCommand (Redis's getNodeByQuery call): decides from the cluster
 * view whether this node serves a command's keys, and gives the redirect or refusal otherwise.
 * One request, one decision and one key list are reused for every command (commands run one at
 * a time), so routing allocates nothing but what a key finder returns.
 */

/** Database 0, the only one a cluster node serves; set before each routing (exists() reads it). */
let keyspace: Database | null = null;
const keys: string[] = [];
const request: RoutingRequest = newRoutingRequest(keys, (key) => keyspace!.peek(key) !== undefined);
const decision = newRoutingDecision();

/** Commands whose "keys" are shard channels (their key spec is `not_key`). */
const SHARD_PUBSUB = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

/**
 * Whether the cluster check applies to the command at all: Redis skips commands without key
 * specs (even `not_key` ones) or movable keys, except EXEC, which checks what it queued.
 */
export function routesByKeys(command: Command): boolean {
  return command.keySpecs.length > 0 || command.keyFinder !== null || command.fullName === 'exec';
}

/**
 * The error line (without '-') when this node must not serve the command — MOVED, ASK, TRYAGAIN,
 * CROSSSLOT, CLUSTERDOWN — or null to run it here. EXEC is judged by the commands it queued.
 */
export function clusterRefusal(cluster: ClusterView, client: Client, command: Command, argv: readonly string[]): string | null {
  const routed = routeCommand(cluster, client, command, argv);
  return routed.route === Route.Serve ? null : redirectError(routed, isTlsClient(client));
}

/**
 * Routes one command for `client` (whose ASKING and READONLY flags count): Redis's getNodeByQuery.
 * The decision is shared: read it before routing again.
 */
export function routeCommand(cluster: ClusterView, client: Client, command: Command, argv: readonly string[]): RoutingDecision {
  keys.length = 0;
  let queueWrites = false;
  if (command.fullName === 'exec') {
    // EXEC outside MULTI only errors; a queue is checked as a whole.
    if ((client.flags & ClientFlag.multi) !== 0) {
      for (const queued of client.transaction) {
        collectKeys(queued.command, queued.argv, keys);
        if ((queued.command.flags & CommandFlag.write) !== 0) queueWrites = true;
      }
    }
  } else {
    collectKeys(command, argv, keys);
  }
  const server = client.server;
  const writeCommand = (command.flags & CommandFlag.write) !== 0;
  keyspace = server.databases[0]!;
  request.writeCommand = writeCommand;
  request.writes = writeCommand || queueWrites;
  request.asking = (client.flags & ClientFlag.asking) !== 0 || (command.flags & CommandFlag.asking) !== 0;
  request.readonlyClient = (client.flags & ClientFlag.readonly) !== 0;
  request.pubsubShard = SHARD_PUBSUB.has(command.fullName);
  request.migrate = command.fullName === 'migrate';
  request.allowReadsWhenDown = server.config.bool('cluster-allow-reads-when-down');
  request.allowPubsubShardWhenDown = server.config.bool('cluster-allow-pubsubshard-when-down');
  route(cluster, request, decision);
  keyspace = null;
  return decision;
}

/**
 * The keys of one command line as cluster routing reads them (Redis's getKeysFromCommand): the
 * command's key finder, else its legacy first/last/step range, which covers shard channels too.
 */
export function collectKeys(command: Command, argv: readonly string[], into: string[]): void {
  if (command.keyFinder !== null) {
    for (const reference of command.keyFinder(argv)) into.push(argv[reference.position]!);
    return;
  }
  const meta = command.meta;
  const first = meta.firstKey;
  if (first <= 0) return;
  const last = meta.lastKey >= 0 ? meta.lastKey : argv.length + meta.lastKey;
  const step = meta.step;
  // Arguments too few for the declared range: the command reports its own arity or syntax error.
  if (last >= argv.length) return;
  for (let i = first; i <= last; i += step) into.push(argv[i]!);
}

function isTlsClient(client: Client): boolean {
  return (client.socket as TLSSocket | null)?.encrypted === true;
}

/**
 * Redis's clusterRedirectBlockedClientIfNeeded, from the cron: a client blocked on keys (BLPOP,
 * XREAD BLOCK, …) whose slot is no longer served here — nor being imported — gets the MOVED or
 * CLUSTERDOWN it would get now instead of waiting for a write that will never come here.
 */
export function redirectBlockedClients(server: Server, cluster: ClusterView): void {
  const redirects: [Client, string][] = [];
  for (const [client, key, command] of server.blocking.firstKeys()) {
    const line = blockedRefusal(cluster, client, key, command);
    if (line !== null) redirects.push([client, line]);
  }
  for (const [client, line] of redirects) server.blocking.unblockWithError(client, line);
}

function blockedRefusal(cluster: ClusterView, client: Client, key: string, command: Command | null): string | null {
  if (!cluster.stateOk) return 'CLUSTERDOWN The cluster is down';
  const slot = keySlot(key);
  const owner = cluster.ownerOf(slot);
  const myself = cluster.myself;
  // A READONLY client reading on a replica of the slot's master stays.
  const readsFromReplica =
    (client.flags & ClientFlag.readonly) !== 0 && (command === null || (command.flags & CommandFlag.write) === 0) && myself.master !== null && myself.master === owner;
  if (owner === myself || readsFromReplica || cluster.importingFrom(slot) !== null) return null;
  if (owner === null) return 'CLUSTERDOWN Hash slot not served';
  return redirectError({ route: Route.Moved, slot, node: owner }, isTlsClient(client));
}
