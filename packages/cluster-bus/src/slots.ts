import { crc16xmodem } from 'crc';

/** Redis Cluster divides the keyspace into this many hash slots. */
export const SLOT_COUNT = 16384;

/**
 * The part of a key that is hashed: the content of the first `{...}` when it is
 * non-empty, otherwise the whole key (Redis Cluster specification, "hash tags").
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** CRC16/XMODEM of a latin1 (one char per byte) string. */
export function crc16(data: string): number {
  return crc16xmodem(Buffer.from(data, 'latin1'));
}

/** The slot a key maps to: CRC16(hash tag) mod 16384. */
export function keySlot(key: string): number {
  return crc16(hashTag(key)) & (SLOT_COUNT - 1);
}
