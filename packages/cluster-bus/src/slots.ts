/** Redis Cluster divides the keyspace into this many hash slots. */
export const SLOT_COUNT = 16384;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** CRC16/XMODEM (polynomial 0x1021, init 0) by byte, as the cluster specification defines it. */
const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
}

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

/** CRC16/XMODEM of `data[start, end)`, a latin1 (one char per byte) string; no copy is made. */
export function crc16(data: string, start = 0, end = data.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ data.charCodeAt(i)) & 0xff]!;
  return crc;
}

/** The slot a key maps to: CRC16(hash tag) mod 16384. Runs per key in cluster mode: no allocation. */
export function keySlot(key: string): number {
  const length = key.length;
  let open = 0;
  while (open < length && key.charCodeAt(open) !== OPEN_BRACE) open++;
  if (open < length) {
    let close = open + 1;
    while (close < length && key.charCodeAt(close) !== CLOSE_BRACE) close++;
    if (close < length && close !== open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
