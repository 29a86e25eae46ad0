import type Redis from 'ioredis';
import { connectIoredis } from '../../../../test/helpers/ioredis.js';
import { RawClient } from '../../../../test/helpers/raw.js';
import type { RunningServer } from '../../../../test/helpers/servers.js';
import { waitInSync } from './workload.js';

/** startTsredis or startRealRedis. */
export type Start = (args: string[]) => Promise<RunningServer>;

/** A started server and an ioredis client of it. */
export interface Node {
  server: RunningServer;
  redis: Redis;
}

/**
 * What a replication test file starts — servers (without the diskless-sync delay), ioredis and
 * raw clients — recorded so that `cleanUp`, called from the file's afterEach, closes and stops
 * all of it by PID. With `resumePaused`, servers a test paused (SIGSTOP) are resumed and given a
 * moment to run before they are asked to stop.
 */
export function replicationNodes(options: { resumePaused?: boolean } = {}) {
  const servers: RunningServer[] = [];
  const clients: Redis[] = [];
  const raws: RawClient[] = [];
  return {
    async start(kind: Start, args: string[] = []): Promise<Node> {
      const server = await kind(['--repl-diskless-sync-delay', '0', ...args]);
      servers.push(server);
      const redis = connectIoredis(server.port);
      clients.push(redis);
      return { server, redis };
    },

    /** Another ioredis client of `port`, closed by cleanUp. */
    client(port: number): Redis {
      const redis = connectIoredis(port);
      clients.push(redis);
      return redis;
    },

    /** A raw connection to `port`, closed by cleanUp. */
    async raw(port: number): Promise<RawClient> {
      const client = await RawClient.connect(port);
      raws.push(client);
      return client;
    },

    async cleanUp(): Promise<void> {
      for (const client of raws.splice(0)) client.destroy();
      for (const redis of clients.splice(0)) redis.disconnect();
      if (!options.resumePaused) {
        for (const server of servers.splice(0)) await server.stop();
        return;
      }
      for (const server of servers) process.kill(server.pid, 'SIGCONT');
      // A process resumed just now may not act on SIGTERM at once: let it run first.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.all(servers.splice(0).map((server) => server.stop()));
    },
  };
}

/** REPLICAOF the master, then waits until the replica caught up with it. */
export async function replicate(master: Node, replica: Node): Promise<void> {
  await replica.redis.replicaof('127.0.0.1', master.server.port);
  await waitInSync(master.redis, replica.redis);
}
