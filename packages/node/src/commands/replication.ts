import { longInRange, integerArgument } from './arguments.js';
import type { FailoverRequest } from '@tsredis/cluster-bus';
import { Err, ReplyError } from '../protocol/errors.js';
import { PauseMode } from '../server/pause.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { CommandFamily } from './table.js';

/**
 * The replication family: REPLICAOF/SLAVEOF, SYNC/PSYNC and REPLCONF (what replicas send),
 * ROLE and WAIT. The protocol lives in cluster-bus; these handlers only parse and reply.
 */

const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured ' +
  'to be writable (which is not the default) writes to replicas are just local and are not propagated.';

function replicaof(client: Client, argv: string[]): void {
  const server = client.server;
  const replication = server.replication.replication;
  if (server.config.bool('cluster-enabled')) {
    client.error('ERR REPLICAOF not allowed in cluster mode.');
    return;
  }
  if (replication.failover.active) {
    client.error('ERR REPLICAOF not allowed while failing over.');
    return;
  }
  if (argv[1]!.toLowerCase() === 'no' && argv[2]!.toLowerCase() === 'one') {
    if (replication.isReplica) {
      replication.promote();
      server.log.info(`MASTER MODE enabled (user request from '${client.addr}')`);
    }
    client.ok();
    return;
  }
  if (client.has(ClientFlag.replica)) {
    client.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = Number(longInRange(argv[2]!, 0n, 65535n, 'ERR Invalid master port'));
  if (!replication.replicaOf(argv[1]!, port)) {
    server.log.info('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    client.simple('OK Already connected to specified master');
    return;
  }
  server.log.info(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${client.addr}')`);
  client.ok();
}

/** SYNC and PSYNC: the connection becomes a replica; replies go straight to its socket. */
function sync(client: Client, argv: string[]): void {
  // A replica asking again is ignored, as in Redis.
  if (client.has(ClientFlag.replica)) return;
  const node = client.server.replication;
  const refusal = node.replication.syncRefusal(argv, client.addr);
  if (refusal !== null) {
    client.error(refusal);
    return;
  }
  if (client.pendingBytes > 0) {
    client.error('ERR SYNC and PSYNC are invalid with pending output');
    return;
  }
  const failure = node.replication.replicas.sync(node.peer(client), argv, Date.now());
  if (failure !== null) {
    client.error(failure);
    return;
  }
  client.flags |= ClientFlag.replica;
  node.refreshFeed();
}

function replconf(client: Client, argv: string[]): void {
  const node = client.server.replication;
  const reply = node.replication.replicas.replconf(node.peer(client), argv.slice(1), Date.now());
  if (reply === null) return;
  if ('error' in reply) client.error(reply.error);
  else client.ok();
}

function role(client: Client): void {
  const reply = client.server.replication.replication.role();
  if (reply.role === 'master') {
    client.arrayLength(3);
    client.bulk('master');
    client.integer(reply.offset);
    client.arrayLength(reply.replicas.length);
    for (const replica of reply.replicas) {
      client.arrayLength(3);
      client.bulk(replica.ip);
      client.bulk(String(replica.port));
      client.bulk(String(replica.offset));
    }
    return;
  }
  client.arrayLength(5);
  client.bulk('slave');
  client.bulk(reply.host);
  client.integer(reply.port);
  client.bulk(reply.state);
  client.integer(reply.offset);
}

function wait(client: Client, argv: string[]): void {
  const server = client.server;
  const node = server.replication;
  if (node.isReplica) {
    client.error(WAIT_ON_REPLICA);
    return;
  }
  const wanted = Number(integerArgument(argv[1]!));
  const timeout = integerArgument(argv[2]!, 'ERR timeout is not an integer or out of range');
  if (timeout < 0) throw new ReplyError('ERR timeout is negative');
  // Redis waits for the client's own last write (c->woff), not for the current offset.
  const offset = node.lastWriteOffset(client);
  const acknowledged = node.replication.replicas.acknowledged(offset);
  if (acknowledged >= wanted || !server.blocking.mayBlock(client)) {
    client.integer(acknowledged);
    return;
  }
  const timeoutAt = timeout === 0 ? 0 : Date.now() + Number(timeout);
  node.waiters.wait(client, offset, wanted, timeoutAt);
}

/** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: parsed as Redis does, run by cluster-bus. */
function failover(client: Client, argv: string[]): void {
  const server = client.server;
  const coordinator = server.replication.replication.failover;
  if (server.config.bool('cluster-enabled')) {
    client.error('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
    return;
  }
  if (argv.length === 2 && argv[1]!.toLowerCase() === 'abort') {
    if (!coordinator.active) {
      client.error('ERR No failover in progress.');
      return;
    }
    coordinator.abort('Failover manually aborted');
    client.ok();
    return;
  }
  const request: FailoverRequest = { host: null, port: 0, timeoutMs: 0, force: false };
  for (let j = 1; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    if (option === 'timeout' && j + 1 < argv.length && request.timeoutMs === 0) {
      const timeout = Number(integerArgument(argv[j + 1]!));
      if (timeout <= 0) {
        client.error('ERR FAILOVER timeout must be greater than 0');
        return;
      }
      request.timeoutMs = timeout;
      j++;
    } else if (option === 'to' && j + 2 < argv.length && request.host === null) {
      request.port = Number(integerArgument(argv[j + 2]!));
      request.host = argv[j + 1]!;
      j += 2;
    } else if (option === 'force' && !request.force) {
      request.force = true;
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  const now = Date.now();
  const refusal = coordinator.start(request, now);
  if (refusal !== null) {
    client.error(refusal);
    return;
  }
  // Writes wait until the failover ends (the coordinator's onEnd lifts the pause).
  server.pause.pause(PauseMode.Write, Number.MAX_SAFE_INTEGER, now);
  client.ok();
}

export const replicationCommands: CommandFamily = {
  handlers: {
    replicaof,
    slaveof: replicaof,
    sync,
    psync: sync,
    replconf,
    role,
    wait,
    failover,
  },
};
