import { ClientFlag, type Client } from './client.js';
import type { Subscriptions } from './pubsub.js';

/** Client classes, as CLIENT LIST TYPE and CLIENT KILL TYPE name them. */
export const enum ClientType {
  Normal,
  Replica,
  Pubsub,
  Master,
}

const TYPE_NAMES: ReadonlyMap<string, ClientType> = new Map([
  ['normal', ClientType.Normal],
  ['slave', ClientType.Replica],
  ['replica', ClientType.Replica],
  ['pubsub', ClientType.Pubsub],
  ['master', ClientType.Master],
]);

/** `normal`, `replica` (or `slave`), `pubsub`, `master` in any case; undefined otherwise. */
export function clientTypeByName(name: string): ClientType | undefined {
  return TYPE_NAMES.get(name.toLowerCase());
}

/** The class of a client; a monitor is flagged as a replica but counts as normal. */
export function clientType(client: Client): ClientType {
  const flags = client.flags;
  if ((flags & ClientFlag.master) !== 0) return ClientType.Master;
  if ((flags & (ClientFlag.replica | ClientFlag.monitor)) === ClientFlag.replica) return ClientType.Replica;
  if ((flags & ClientFlag.pubsub) !== 0) return ClientType.Pubsub;
  return ClientType.Normal;
}

/*
 * Sizes Redis reports for parts of a connection that have no exact counterpart here. They keep
 * the numbers of an idle client equal to Redis's and the columns consistent with each other.
 */
/** Allocated query buffer (16 KiB read buffer as sized by the allocator). */
const QUERY_BUFFER_ALLOC = 20474;
/** Static reply buffer: `rbs` (size) and the peak Redis starts it at. */
const REPLY_BUFFER = 16384;
/** The client structure itself, counted in tot-mem. */
const CLIENT_STRUCT = 768;
/** sds header and allocator rounding on top of the query buffer. */
const QUERY_BUFFER_OVERHEAD = 6;
/** One argv pointer, counted in tot-mem per argument of the running command. */
const POINTER = 8;

/**
 * One CLIENT LIST / CLIENT INFO line (without the newline), fields in Redis 7.0's order.
 * `self` is the client running the command: its current command still sits in its query
 * buffer and argv, as in Redis.
 */
export function clientInfoLine(client: Client, self: Client, nowMs: number): string {
  const running = client === self || (client.flags & ClientFlag.blocked) !== 0;
  const argvMem = running ? argvBytes(client.argv) : 0;
  const qbuf = client.parser.bufferedBytes + (client === self ? encodedSize(client.argv) : 0);
  const qbufFree = Math.max(QUERY_BUFFER_ALLOC - qbuf, 0);
  const subscriptions = client.server.pubsub.of(client);
  const pending = client.pendingBytes;
  const obl = Math.min(pending, REPLY_BUFFER);
  const omem = pending - obl + (client.socket?.writableLength ?? 0);
  const oll = Math.ceil(omem / REPLY_BUFFER);
  const totMem =
    omem + qbuf + qbufFree + QUERY_BUFFER_OVERHEAD + CLIENT_STRUCT + REPLY_BUFFER +
    argvMem + (running ? POINTER * client.argv.length : 0) + subscriptionBytes(subscriptions);
  const nowSeconds = Math.floor(nowMs / 1000);
  return (
    `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${client.fd} name=${client.name}` +
    ` age=${nowSeconds - Math.floor(client.createdAt / 1000)}` +
    ` idle=${nowSeconds - Math.floor(client.lastInteraction / 1000)}` +
    ` flags=${flagLetters(client)} db=${client.db.index} sub=${subscriptions?.channels.size ?? 0}` +
    ` psub=${subscriptions?.patterns.size ?? 0} ssub=${subscriptions?.shardChannels.size ?? 0}` +
    ` multi=${client.has(ClientFlag.multi) ? 0 : -1}` +
    ` qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=0` +
    ` rbs=${REPLY_BUFFER} rbp=${REPLY_BUFFER} obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem}` +
    ` events=${events(client)} cmd=${client.lastCommand?.fullName ?? 'NULL'} user=${client.user.name}` +
    ` redir=${client.server.tracking.state(client)?.redirect ?? -1} resp=${client.resp}`
  );
}

/** The `flags=` letters, in Redis's order; N when none applies. */
function flagLetters(client: Client): string {
  const flags = client.flags;
  let letters = '';
  if ((flags & ClientFlag.replica) !== 0) letters += (flags & ClientFlag.monitor) !== 0 ? 'O' : 'S';
  if ((flags & ClientFlag.master) !== 0) letters += 'M';
  if ((flags & ClientFlag.pubsub) !== 0) letters += 'P';
  if ((flags & ClientFlag.multi) !== 0) letters += 'x';
  if ((flags & ClientFlag.blocked) !== 0) letters += 'b';
  const tracking = client.server.tracking.state(client);
  if (tracking !== undefined) letters += (tracking.brokenRedirect ? 'tR' : 't') + (tracking.bcast ? 'B' : '');
  if ((flags & ClientFlag.dirtyCas) !== 0) letters += 'd';
  if ((flags & ClientFlag.closeAfterReply) !== 0) letters += 'c';
  if ((flags & ClientFlag.closeAsap) !== 0) letters += 'A';
  if ((flags & ClientFlag.readonly) !== 0) letters += 'r';
  if ((flags & ClientFlag.noEvict) !== 0) letters += 'e';
  return letters === '' ? 'N' : letters;
}

/** `r` while the connection is read, `w` while replies wait for the socket. */
function events(client: Client): string {
  const socket = client.socket;
  if (socket === null) return '';
  return (socket.isPaused() ? '' : 'r') + (socket.writableLength > 0 ? 'w' : '');
}

/** A list node (16 bytes + pointer) per pattern; a dict entry plus hash slots per channel set. */
const LIST_NODE = 24;
const DICT_ENTRY = 24;

/** Redis's pubsubMemOverhead for the client's subscriptions. */
function subscriptionBytes(subscriptions: Subscriptions | undefined): number {
  if (subscriptions === undefined) return 0;
  return (
    subscriptions.patterns.size * LIST_NODE +
    dictBytes(subscriptions.channels.size) +
    dictBytes(subscriptions.shardChannels.size)
  );
}

/** Entries plus bucket pointers of a dict holding `size` keys (4 buckets at first, doubling). */
function dictBytes(size: number): number {
  if (size === 0) return 0;
  let slots = 4;
  while (slots < size) slots *= 2;
  return size * DICT_ENTRY + slots * POINTER;
}

function argvBytes(argv: readonly string[]): number {
  let bytes = 0;
  for (const arg of argv) bytes += arg.length;
  return bytes;
}

/** Bytes of argv as a RESP multibulk request, what the query buffer held for it. */
function encodedSize(argv: readonly string[]): number {
  let bytes = String(argv.length).length + 3;
  for (const arg of argv) bytes += String(arg.length).length + arg.length + 5;
  return bytes;
}
