/**
 * Bus authentication with masterauth (a tsredis extension: Redis's bus has none). When masterauth
 * is set, every message carries in its 30 reserved header bytes the first 30 bytes of
 * HMAC-SHA256(masterauth, message with those bytes zeroed), and messages whose tag does not
 * match are dropped, so a node that does not know the password cannot join or steer the
 * cluster. Real redis-server nodes leave the bytes zero: they can only share a cluster with
 * tsredis nodes that have no masterauth.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { OFF_RESERVED, RESERVED_LENGTH } from './message.js';

export function signMessage(frame: Buffer, secret: string): void {
  frame.fill(0, OFF_RESERVED, OFF_RESERVED + RESERVED_LENGTH);
  tag(frame, secret).copy(frame, OFF_RESERVED, 0, RESERVED_LENGTH);
}

export function verifyMessage(frame: Buffer, secret: string): boolean {
  const received = Buffer.from(frame.subarray(OFF_RESERVED, OFF_RESERVED + RESERVED_LENGTH));
  frame.fill(0, OFF_RESERVED, OFF_RESERVED + RESERVED_LENGTH);
  const expected = tag(frame, secret).subarray(0, RESERVED_LENGTH);
  received.copy(frame, OFF_RESERVED);
  return timingSafeEqual(received, expected);
}

function tag(frame: Buffer, secret: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'latin1')).update(frame).digest();
}
