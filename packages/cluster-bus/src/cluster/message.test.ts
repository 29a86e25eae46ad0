import { describe, expect, it } from 'vitest';
import { signMessage, verifyMessage } from './bus-auth.js';
import {
  HEADER_SIZE,
  MessageFlag,
  MessageType,
  SLOT_BITMAP_BYTES,
  decodeMessage,
  emptyMessage,
  encodeMessage,
  frameLength,
  setSlotBit,
  testSlot,
  type ClusterMessage,
  type MessageHeader,
} from './message.js';

const SENDER = 'a'.repeat(40);
const MASTER = 'b'.repeat(40);

function header(type: MessageType): MessageHeader {
  const slots = new Uint8Array(SLOT_BITMAP_BYTES);
  setSlotBit(slots, 0);
  setSlotBit(slots, 16383);
  return {
    type,
    port: 7000,
    pport: 0,
    cport: 17000,
    flags: 2,
    state: 0,
    mflags: 0,
    currentEpoch: 7,
    configEpoch: 3,
    offset: 123_456_789,
    sender: SENDER,
    slots,
    replicaOf: MASTER,
    ip: '10.1.2.3',
  };
}

function roundTrip(message: ClusterMessage): ClusterMessage {
  const decoded = decodeMessage(encodeMessage(message));
  if (decoded === null || typeof decoded === 'string') throw new Error(String(decoded));
  return decoded;
}

describe('cluster bus messages (Redis clusterMsg)', () => {
  it('lays the header out at Redis 7.0 offsets', () => {
    const frame = encodeMessage(emptyMessage(header(MessageType.MfStart)));
    expect(frame.length).toBe(HEADER_SIZE);
    expect(frame.toString('latin1', 0, 4)).toBe('RCmb');
    expect(frame.readUInt32BE(4)).toBe(HEADER_SIZE);
    expect(frame.readUInt16BE(8)).toBe(1);
    expect(frame.readUInt16BE(10)).toBe(7000);
    expect(frame.readUInt16BE(12)).toBe(MessageType.MfStart);
    expect(frame.readBigUInt64BE(16)).toBe(7n);
    expect(frame.readBigUInt64BE(24)).toBe(3n);
    expect(frame.readBigUInt64BE(32)).toBe(123_456_789n);
    expect(frame.toString('latin1', 40, 80)).toBe(SENDER);
    expect(frame[80]).toBe(1);
    expect(frame[80 + 2047]).toBe(0x80);
    expect(frame.toString('latin1', 2128, 2168)).toBe(MASTER);
    expect(frame.toString('latin1', 2168, 2176)).toBe('10.1.2.3');
    expect(frame.readUInt16BE(2248)).toBe(17000);
    expect(frame.readUInt16BE(2250)).toBe(2);
    expect(frameLength(frame)).toBe(HEADER_SIZE);
  });

  it('round-trips a PING with gossip and the hostname extension', () => {
    const ping: ClusterMessage = { ...emptyMessage(header(MessageType.Ping)), hostname: 'node-1.example' };
    ping.gossip.push({ id: 'c'.repeat(40), pingSent: 1, pongReceived: 1_700_000_000, ip: '::1', port: 7001, cport: 17001, flags: 5, pport: 0 });
    const frame = encodeMessage(ping);
    // Header + one 104-byte gossip entry + an 8-byte aligned extension (8 + 16).
    expect(frame.length).toBe(HEADER_SIZE + 104 + 24);
    expect(frame[2253]! & MessageFlag.ExtData).toBe(MessageFlag.ExtData);
    const decoded = roundTrip(ping);
    expect(decoded.gossip).toEqual(ping.gossip);
    expect(decoded.hostname).toBe('node-1.example');
    expect(decoded.replicaOf).toBe(MASTER);
    expect(testSlot(decoded.slots, 16383)).toBe(true);
    expect(testSlot(decoded.slots, 1)).toBe(false);
  });

  it('round-trips FAIL, PUBLISH and UPDATE bodies', () => {
    expect(roundTrip({ ...emptyMessage(header(MessageType.Fail)), failing: 'd'.repeat(40) }).failing).toBe('d'.repeat(40));
    const published = roundTrip({ ...emptyMessage(header(MessageType.PublishShard)), channel: 'news', message: 'hi\u00ff' });
    expect([published.channel, published.message]).toEqual(['news', 'hi\u00ff']);
    const slots = new Uint8Array(SLOT_BITMAP_BYTES);
    setSlotBit(slots, 42);
    const update = roundTrip({ ...emptyMessage(header(MessageType.Update)), update: { configEpoch: 9, id: 'e'.repeat(40), slots } });
    expect(update.update?.configEpoch).toBe(9);
    expect(testSlot(update.update!.slots, 42)).toBe(true);
    expect(roundTrip(emptyMessage(header(MessageType.Pong))).replicaOf).toBe(MASTER);
    expect(roundTrip({ ...emptyMessage(header(MessageType.Pong)), replicaOf: '' }).replicaOf).toBe('');
  });

  it('rejects frames whose length does not match their type', () => {
    const frame = encodeMessage({ ...emptyMessage(header(MessageType.Fail)), failing: 'd'.repeat(40) });
    const truncated = frame.subarray(0, frame.length - 1);
    expect(typeof decodeMessage(truncated)).toBe('string');
    expect(frameLength(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('Bad message signature');
  });

  it('signs with masterauth and refuses other secrets', () => {
    const frame = encodeMessage(emptyMessage(header(MessageType.Ping)));
    signMessage(frame, 'secret');
    expect(verifyMessage(frame, 'secret')).toBe(true);
    expect(verifyMessage(frame, 'other')).toBe(false);
    frame[100] = frame[100]! ^ 1;
    expect(verifyMessage(frame, 'secret')).toBe(false);
  });
});
