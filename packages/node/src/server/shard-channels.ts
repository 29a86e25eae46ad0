import { keySlot } from '@tsredis/cluster-bus';
import type { Server } from './server.js';

/**
 * The cluster no longer serves `slot` from this node (nor from its master): the clients of the
 * slot's shard channels are unsubscribed from them and told so with an `sunsubscribe`, as Redis's
 * removeChannelsInSlot does when a slot is deleted from its shard.
 */
export function unsubscribeShardChannelsInSlot(server: Server, slot: number): void {
  const pubsub = server.pubsub;
  for (const [channel, clients] of pubsub.shardChannels) {
    if (keySlot(channel) !== slot) continue;
    for (const client of [...clients]) {
      pubsub.unsubscribe(client, channel, pubsub.shard, true);
      pubsub.leaveIfIdle(client);
      server.flush(client);
    }
  }
}
