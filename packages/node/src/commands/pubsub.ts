import { subcommandSyntaxError } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import type { ChannelKind } from '../server/pubsub.js';
import { replyHelp } from '../server/help.js';
import type { CommandFamily } from './table.js';

/*
 * The Pub/Sub family. The registries and message delivery live in server/pubsub.ts; these
 * handlers only walk their arguments. Each (un)subscription confirms itself (one reply per
 * channel), which is why these commands may append several replies.
 */

function subscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  for (let i = 1; i < argv.length; i++) pubsub.subscribe(client, argv[i]!, pubsub.global);
}

function ssubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  for (let i = 1; i < argv.length; i++) pubsub.subscribe(client, argv[i]!, pubsub.shard);
}

function psubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  for (let i = 1; i < argv.length; i++) pubsub.psubscribe(client, argv[i]!);
}

function unsubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  if (argv.length === 1) pubsub.unsubscribeAll(client, pubsub.global, true);
  for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, argv[i]!, pubsub.global, true);
  pubsub.leaveIfIdle(client);
}

function sunsubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  if (argv.length === 1) pubsub.unsubscribeAll(client, pubsub.shard, true);
  for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, argv[i]!, pubsub.shard, true);
  pubsub.leaveIfIdle(client);
}

function punsubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  if (argv.length === 1) pubsub.punsubscribeAll(client, true);
  for (let i = 1; i < argv.length; i++) pubsub.punsubscribe(client, argv[i]!, true);
  pubsub.leaveIfIdle(client);
}

function publish(client: Client, argv: string[]): void {
  const server = client.server;
  client.integer(server.pubsub.publish(argv[1]!, argv[2]!, server.pubsub.global));
  // In a cluster every node's subscribers hear it: the message goes over the bus.
  server.cluster?.propagatePublish(argv[1]!, argv[2]!, false);
}

function spublish(client: Client, argv: string[]): void {
  const server = client.server;
  client.integer(server.pubsub.publish(argv[1]!, argv[2]!, server.pubsub.shard));
  // The shard's other nodes (our master's replicas) hear it over the bus.
  server.cluster?.propagatePublish(argv[1]!, argv[2]!, true);
}

function pubsubChannels(client: Client, argv: string[]): void {
  replyChannelNames(client, argv, client.server.pubsub.global);
}

function pubsubShardChannels(client: Client, argv: string[]): void {
  replyChannelNames(client, argv, client.server.pubsub.shard);
}

/** CHANNELS / SHARDCHANNELS [pattern]: the arity allows more words, the command does not. */
function replyChannelNames(client: Client, argv: string[], kind: ChannelKind): void {
  if (argv.length > 3) client.error(subcommandSyntaxError(argv));
  else client.bulkArray(client.server.pubsub.channelNames(kind, argv[2] ?? null));
}

function pubsubNumsub(client: Client, argv: string[]): void {
  replySubscriberCounts(client, argv, client.server.pubsub.global);
}

function pubsubShardNumsub(client: Client, argv: string[]): void {
  replySubscriberCounts(client, argv, client.server.pubsub.shard);
}

/** `channel count` pairs as a flat array (RESP3 too: Redis 7.0 does not use a map here). */
function replySubscriberCounts(client: Client, argv: string[], kind: ChannelKind): void {
  const pubsub = client.server.pubsub;
  client.arrayLength((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    client.bulk(argv[i]!);
    client.integer(pubsub.subscriberCount(kind, argv[i]!));
  }
}

function pubsubNumpat(client: Client): void {
  client.integer(client.server.pubsub.patterns.size);
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

function pubsubHelp(client: Client): void {
  replyHelp(client, 'pubsub', PUBSUB_HELP);
}

export const pubsubCommands: CommandFamily = {
  handlers: {
    subscribe,
    ssubscribe,
    psubscribe,
    unsubscribe,
    sunsubscribe,
    punsubscribe,
    publish,
    spublish,
    'pubsub|channels': pubsubChannels,
    'pubsub|shardchannels': pubsubShardChannels,
    'pubsub|numsub': pubsubNumsub,
    'pubsub|shardnumsub': pubsubShardNumsub,
    'pubsub|numpat': pubsubNumpat,
    'pubsub|help': pubsubHelp,
  },
};
