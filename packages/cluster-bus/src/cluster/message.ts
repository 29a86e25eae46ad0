/**
 * The cluster bus wire format: Redis 7.0's clusterMsg ("RCmb", protocol version 1), so tsredis
 * and redis-server nodes can share a cluster. Every multi-byte field is big-endian; the header is
 * fixed at 2256 bytes and the body depends on the type (cluster.h pins the offsets used here).
 */
import { SLOT_COUNT } from '../slots.js';

export const enum MessageType {
  Ping = 0,
  Pong = 1,
  Meet = 2,
  Fail = 3,
  Publish = 4,
  AuthRequest = 5,
  AuthAck = 6,
  Update = 7,
  MfStart = 8,
  Module = 9,
  PublishShard = 10,
}

/** How many message types INFO counts (CLUSTERMSG_TYPE_COUNT). */
export const MESSAGE_TYPE_COUNT = 11;

/** Names CLUSTER INFO uses for message statistics (clusterGetMessageTypeString). */
export const MESSAGE_TYPE_NAMES = [
  'ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard',
] as const;

/** mflags[0] bits. */
export const enum MessageFlag {
  /** The master is paused for a manual failover. */
  Paused = 1 << 0,
  /** Vote even though the master is up (manual failover). */
  ForceAck = 1 << 1,
  /** Ping extensions follow the gossip section. */
  ExtData = 1 << 2,
}

export const SLOT_BITMAP_BYTES = SLOT_COUNT / 8;
export const NODE_ID_LENGTH = 40;
const IP_LENGTH = 46;
/** sizeof(clusterMsg) minus the data union: every message is at least this long. */
export const HEADER_SIZE = 2256;
const GOSSIP_SIZE = 104;
const UPDATE_SIZE = 8 + NODE_ID_LENGTH + SLOT_BITMAP_BYTES;
const EXT_HEADER_SIZE = 8;
const EXT_HOSTNAME = 0;

// Header field offsets (cluster.h static_asserts).
const OFF_TOTLEN = 4;
const OFF_VER = 8;
const OFF_PORT = 10;
const OFF_TYPE = 12;
const OFF_COUNT = 14;
const OFF_CURRENT_EPOCH = 16;
const OFF_CONFIG_EPOCH = 24;
const OFF_OFFSET = 32;
const OFF_SENDER = 40;
const OFF_MYSLOTS = 80;
const OFF_SLAVEOF = 2128;
const OFF_MYIP = 2168;
const OFF_EXTENSIONS = 2214;
/** notused1: 30 reserved bytes; tsredis carries its bus authentication tag here (bus-auth.ts). */
export const OFF_RESERVED = 2216;
export const RESERVED_LENGTH = 30;
const OFF_PPORT = 2246;
const OFF_CPORT = 2248;
const OFF_FLAGS = 2250;
const OFF_STATE = 2252;
const OFF_MFLAGS = 2253;

/** One node as a PING/PONG/MEET describes it (clusterMsgDataGossip). */
export interface GossipEntry {
  id: string;
  /** Seconds (the wire keeps ping_sent / pong_received divided by 1000). */
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

/** The header every message carries: the sender's view of itself. */
export interface MessageHeader {
  type: number;
  /** Client port (TLS port under tls-cluster). */
  port: number;
  pport: number;
  cport: number;
  flags: number;
  /** 0 ok, 1 fail. */
  state: number;
  mflags: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  /** The sender's slots (its master's for a replica). */
  slots: Uint8Array;
  /** The sender's master id, or '' for a master. */
  replicaOf: string;
  /** The announced ip, or '' (the receiver takes the socket's peer address). */
  ip: string;
}

export interface ClusterMessage extends MessageHeader {
  gossip: GossipEntry[];
  hostname: string | null;
  /** FAIL: the node declared failing. */
  failing: string;
  /** PUBLISH / PUBLISHSHARD. */
  channel: string;
  message: string;
  /** UPDATE: a node's config the sender found stale at the receiver. */
  update: { configEpoch: number; id: string; slots: Uint8Array } | null;
}

export function emptyMessage(header: MessageHeader): ClusterMessage {
  return { ...header, gossip: [], hostname: null, failing: '', channel: '', message: '', update: null };
}

/** Encodes a message; the reserved bytes stay zero (bus-auth.ts may sign them). */
export function encodeMessage(message: ClusterMessage): Buffer {
  const body = bodyLength(message);
  const buffer = Buffer.alloc(HEADER_SIZE + body);
  writeHeader(buffer, message, HEADER_SIZE + body);
  let at = HEADER_SIZE;
  switch (message.type) {
    case MessageType.Ping:
    case MessageType.Pong:
    case MessageType.Meet: {
      buffer.writeUInt16BE(message.gossip.length, OFF_COUNT);
      for (const entry of message.gossip) {
        writeGossip(buffer, at, entry);
        at += GOSSIP_SIZE;
      }
      if (message.hostname !== null && message.hostname !== '') {
        const length = hostnameExtensionLength(message.hostname);
        buffer.writeUInt32BE(length, at);
        buffer.writeUInt16BE(EXT_HOSTNAME, at + 4);
        buffer.write(message.hostname, at + EXT_HEADER_SIZE, 'latin1');
        buffer.writeUInt16BE(1, OFF_EXTENSIONS);
        buffer[OFF_MFLAGS] = buffer[OFF_MFLAGS]! | MessageFlag.ExtData;
      }
      break;
    }
    case MessageType.Fail:
      buffer.write(message.failing, at, NODE_ID_LENGTH, 'latin1');
      break;
    case MessageType.Publish:
    case MessageType.PublishShard:
      buffer.writeUInt32BE(message.channel.length, at);
      buffer.writeUInt32BE(message.message.length, at + 4);
      buffer.write(message.channel, at + 8, 'latin1');
      buffer.write(message.message, at + 8 + message.channel.length, 'latin1');
      break;
    case MessageType.Update: {
      const update = message.update!;
      buffer.writeBigUInt64BE(BigInt(update.configEpoch), at);
      buffer.write(update.id, at + 8, NODE_ID_LENGTH, 'latin1');
      buffer.set(update.slots, at + 8 + NODE_ID_LENGTH);
      break;
    }
    default:
      break;
  }
  return buffer;
}

function bodyLength(message: ClusterMessage): number {
  switch (message.type) {
    case MessageType.Ping:
    case MessageType.Pong:
    case MessageType.Meet:
      return message.gossip.length * GOSSIP_SIZE + (message.hostname ? hostnameExtensionLength(message.hostname) : 0);
    case MessageType.Fail:
      return NODE_ID_LENGTH;
    case MessageType.Publish:
    case MessageType.PublishShard:
      // Redis's sizeof(clusterMsgDataPublish) - 8 + payload: the two lengths and the bytes.
      return 8 + message.channel.length + message.message.length;
    case MessageType.Update:
      return UPDATE_SIZE;
    default:
      return 0;
  }
}

/** The extension header plus the NUL-terminated hostname, padded to 8 bytes. */
function hostnameExtensionLength(hostname: string): number {
  return EXT_HEADER_SIZE + Math.ceil((hostname.length + 1) / 8) * 8;
}

function writeHeader(buffer: Buffer, header: MessageHeader, totalLength: number): void {
  buffer.write('RCmb', 0, 'latin1');
  buffer.writeUInt32BE(totalLength, OFF_TOTLEN);
  buffer.writeUInt16BE(1, OFF_VER);
  buffer.writeUInt16BE(header.port, OFF_PORT);
  buffer.writeUInt16BE(header.type, OFF_TYPE);
  buffer.writeBigUInt64BE(BigInt(header.currentEpoch), OFF_CURRENT_EPOCH);
  buffer.writeBigUInt64BE(BigInt(header.configEpoch), OFF_CONFIG_EPOCH);
  buffer.writeBigUInt64BE(BigInt(Math.max(0, header.offset)), OFF_OFFSET);
  buffer.write(header.sender, OFF_SENDER, NODE_ID_LENGTH, 'latin1');
  buffer.set(header.slots, OFF_MYSLOTS);
  if (header.replicaOf !== '') buffer.write(header.replicaOf, OFF_SLAVEOF, NODE_ID_LENGTH, 'latin1');
  if (header.ip !== '') buffer.write(header.ip, OFF_MYIP, IP_LENGTH - 1, 'latin1');
  buffer.writeUInt16BE(header.pport, OFF_PPORT);
  buffer.writeUInt16BE(header.cport, OFF_CPORT);
  buffer.writeUInt16BE(header.flags, OFF_FLAGS);
  buffer[OFF_STATE] = header.state;
  buffer[OFF_MFLAGS] = header.mflags;
}

function writeGossip(buffer: Buffer, at: number, entry: GossipEntry): void {
  buffer.write(entry.id, at, NODE_ID_LENGTH, 'latin1');
  buffer.writeUInt32BE(entry.pingSent >>> 0, at + 40);
  buffer.writeUInt32BE(entry.pongReceived >>> 0, at + 44);
  buffer.write(entry.ip, at + 48, IP_LENGTH - 1, 'latin1');
  buffer.writeUInt16BE(entry.port, at + 94);
  buffer.writeUInt16BE(entry.cport, at + 96);
  buffer.writeUInt16BE(entry.flags, at + 98);
  buffer.writeUInt16BE(entry.pport, at + 100);
}

/** The length a frame announces, or an error when its first 8 bytes are not a bus message. */
export function frameLength(prefix: Buffer): number | string {
  if (prefix.toString('latin1', 0, 4) !== 'RCmb') return 'Bad message signature';
  const length = prefix.readUInt32BE(OFF_TOTLEN);
  if (length < HEADER_SIZE) return `Bad message length ${length}`;
  return length;
}

/**
 * Decodes one complete frame. Returns a string describing why it is rejected when its declared
 * length does not match its type (Redis drops such packets), or null for an unknown version.
 */
export function decodeMessage(frame: Buffer): ClusterMessage | string | null {
  if (frame.length < HEADER_SIZE) return `Received a message of ${frame.length} bytes`;
  if (frame.readUInt16BE(OFF_VER) !== 1) return null;
  const type = frame.readUInt16BE(OFF_TYPE);
  const message = emptyMessage({
    type,
    port: frame.readUInt16BE(OFF_PORT),
    pport: frame.readUInt16BE(OFF_PPORT),
    cport: frame.readUInt16BE(OFF_CPORT),
    flags: frame.readUInt16BE(OFF_FLAGS),
    state: frame[OFF_STATE]!,
    mflags: frame[OFF_MFLAGS]!,
    currentEpoch: Number(frame.readBigUInt64BE(OFF_CURRENT_EPOCH)),
    configEpoch: Number(frame.readBigUInt64BE(OFF_CONFIG_EPOCH)),
    offset: Number(frame.readBigUInt64BE(OFF_OFFSET)),
    sender: frame.toString('latin1', OFF_SENDER, OFF_SENDER + NODE_ID_LENGTH),
    slots: Uint8Array.prototype.slice.call(frame, OFF_MYSLOTS, OFF_MYSLOTS + SLOT_BITMAP_BYTES),
    replicaOf: nodeIdAt(frame, OFF_SLAVEOF),
    ip: cString(frame, OFF_MYIP, IP_LENGTH),
  });
  let expected = HEADER_SIZE;
  const at = HEADER_SIZE;
  switch (type) {
    case MessageType.Ping:
    case MessageType.Pong:
    case MessageType.Meet: {
      const count = frame.readUInt16BE(OFF_COUNT);
      expected += count * GOSSIP_SIZE;
      if (frame.length < expected) return `Received invalid ${typeName(type)} packet of length ${frame.length}`;
      for (let i = 0; i < count; i++) message.gossip.push(readGossip(frame, at + i * GOSSIP_SIZE));
      if ((message.mflags & MessageFlag.ExtData) !== 0) {
        let extensions = frame.readUInt16BE(OFF_EXTENSIONS);
        while (extensions-- > 0) {
          if (frame.length < expected + EXT_HEADER_SIZE) return `Received invalid ${typeName(type)} packet with extension data`;
          const length = frame.readUInt32BE(expected);
          if (length % 8 !== 0 || length < EXT_HEADER_SIZE || frame.length - expected < length) {
            return `Received invalid ${typeName(type)} packet with extension data`;
          }
          if (frame.readUInt16BE(expected + 4) === EXT_HOSTNAME) {
            message.hostname = cString(frame, expected + EXT_HEADER_SIZE, length - EXT_HEADER_SIZE);
          }
          expected += length;
        }
      }
      break;
    }
    case MessageType.Fail:
      expected += NODE_ID_LENGTH;
      if (frame.length >= expected) message.failing = frame.toString('latin1', at, at + NODE_ID_LENGTH);
      break;
    case MessageType.Publish:
    case MessageType.PublishShard: {
      if (frame.length < at + 8) return `Received invalid ${typeName(type)} packet of length ${frame.length}`;
      const channelLength = frame.readUInt32BE(at);
      const messageLength = frame.readUInt32BE(at + 4);
      expected += 8 + channelLength + messageLength;
      if (frame.length === expected) {
        message.channel = frame.toString('latin1', at + 8, at + 8 + channelLength);
        message.message = frame.toString('latin1', at + 8 + channelLength, expected);
      }
      break;
    }
    case MessageType.Update:
      expected += UPDATE_SIZE;
      if (frame.length >= expected) {
        message.update = {
          configEpoch: Number(frame.readBigUInt64BE(at)),
          id: frame.toString('latin1', at + 8, at + 8 + NODE_ID_LENGTH),
          slots: Uint8Array.prototype.slice.call(frame, at + 8 + NODE_ID_LENGTH, at + UPDATE_SIZE),
        };
      }
      break;
    case MessageType.AuthRequest:
    case MessageType.AuthAck:
    case MessageType.MfStart:
      break;
    default:
      // Module messages and unknown types: accepted as long as they are, and ignored.
      expected = frame.length;
  }
  if (frame.length !== expected) {
    return `Received invalid ${typeName(type)} packet of length ${frame.length} but expected length ${expected}`;
  }
  return message;
}

function readGossip(frame: Buffer, at: number): GossipEntry {
  return {
    id: frame.toString('latin1', at, at + NODE_ID_LENGTH),
    pingSent: frame.readUInt32BE(at + 40),
    pongReceived: frame.readUInt32BE(at + 44),
    ip: cString(frame, at + 48, IP_LENGTH),
    port: frame.readUInt16BE(at + 94),
    cport: frame.readUInt16BE(at + 96),
    flags: frame.readUInt16BE(at + 98),
    pport: frame.readUInt16BE(at + 100),
  };
}

function typeName(type: number): string {
  return MESSAGE_TYPE_NAMES[type] ?? 'unknown';
}

/** A NUL-terminated string inside a fixed-size field. */
function cString(frame: Buffer, at: number, size: number): string {
  const end = frame.indexOf(0, at);
  return frame.toString('latin1', at, end === -1 || end > at + size ? at + size : end);
}

/** A node id field, or '' when it is all zeros (a master's slaveof). */
function nodeIdAt(frame: Buffer, at: number): string {
  return frame[at] === 0 ? '' : frame.toString('latin1', at, at + NODE_ID_LENGTH);
}

// -- slot bitmaps (bit j of byte j/8 is slot j, low bit first) ----------------------------------

export function testSlot(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3]! & (1 << (slot & 7))) !== 0;
}

export function setSlotBit(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] = bitmap[slot >> 3]! | (1 << (slot & 7));
}

export function clearSlotBit(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] = bitmap[slot >> 3]! & ~(1 << (slot & 7));
}

export function sameBitmap(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
