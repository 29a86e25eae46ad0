/**
 * LZF, the compressor Redis uses for RDB strings (lzf_c.c / lzf_d.c with Redis's settings:
 * 16-bit hash table, VERY_FAST). The format:
 *   000LLLLL + L+1 literal bytes                  (1..32 literals)
 *   LLLooooo oooooooo                             (back reference of L+2 bytes, L < 7)
 *   111ooooo LLLLLLLL oooooooo                    (back reference of L+9 bytes)
 * where the offset o+1 counts back from the output position (1..8192).
 */

const HASH_LOG = 16;
const HASH_SIZE = 1 << HASH_LOG;
const MAX_LITERAL = 1 << 5;
const MAX_OFFSET = 1 << 13;
const MAX_REFERENCE = (1 << 8) + (1 << 3);

/**
 * Positions of 3-byte prefixes seen by the compressor, biased by `tableBase` so one table
 * serves every call without being cleared: a slot is valid only above the current base.
 */
const table = new Float64Array(HASH_SIZE);
let tableBase = 0;

/** IDX of lzf_c.c in VERY_FAST mode, on the 24 bits of the three next bytes. */
function slotOf(hash: number): number {
  return ((hash >>> 8) - Math.imul(hash, 5)) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into at most `maxOutput` bytes. Returns the compressed bytes, or null when
 * they would not fit (Redis then stores the string as it is).
 */
export function lzfCompress(input: Uint8Array, maxOutput: number): Buffer | null {
  const inEnd = input.length;
  if (inEnd === 0 || maxOutput <= 0) return null;
  const out = Buffer.allocUnsafe(maxOutput + 3);
  const base = tableBase;
  tableBase += inEnd + 1;
  let ip = 0;
  let op = 1; // room for the first literal-run header
  let lit = 0;
  let hash = ((input[0]! << 8) | (input[1] ?? 0)) & 0xffffff;
  while (ip < inEnd - 2) {
    hash = ((hash << 8) | input[ip + 2]!) & 0xffffff;
    const slot = slotOf(hash);
    const stored = table[slot]!;
    table[slot] = base + ip + 1;
    const ref = stored > base ? stored - base - 1 : -1;
    const off = ip - ref - 1;
    if (
      ref > 0 &&
      off >= 0 &&
      off < MAX_OFFSET &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      const maxLen = Math.min(inEnd - ip - len, MAX_REFERENCE);
      if (op + 3 + 1 >= maxOutput && op - (lit === 0 ? 1 : 0) + 3 + 1 >= maxOutput) return null;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no header
      do len++;
      while (len < maxLen && input[ref + len] === input[ip + len]);
      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // header of the next literal run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // Hash the two positions just before the new input point, as VERY_FAST mode does.
      ip -= 2;
      hash = ((input[ip]! << 8) | input[ip + 1]!) & 0xffffff;
      hash = ((hash << 8) | input[ip + 2]!) & 0xffffff;
      table[slotOf(hash)] = base + ip + 1;
      ip++;
      hash = ((hash << 8) | input[ip + 2]!) & 0xffffff;
      table[slotOf(hash)] = base + ip + 1;
      ip++;
    } else {
      if (op >= maxOutput) return null;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LITERAL) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > maxOutput) return null;
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LITERAL) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return out.subarray(0, op);
}

/**
 * Decompresses LZF data that must expand to exactly `outputLength` bytes. Returns null on
 * corrupt input (a reference before the start, output overflow, or a short result).
 */
export function lzfDecompress(input: Uint8Array, outputLength: number): Buffer | null {
  const out = Buffer.allocUnsafe(outputLength);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    let ctrl = input[ip++]!;
    if (ctrl < MAX_LITERAL) {
      ctrl++;
      if (op + ctrl > outputLength || ip + ctrl > inEnd) return null;
      for (let i = 0; i < ctrl; i++) out[op++] = input[ip++]!;
      continue;
    }
    let len = ctrl >>> 5;
    let ref = op - ((ctrl & 0x1f) << 8) - 1;
    if (len === 7) {
      if (ip >= inEnd) return null;
      len += input[ip++]!;
    }
    if (ip >= inEnd) return null;
    ref -= input[ip++]!;
    len += 2;
    if (op + len > outputLength || ref < 0) return null;
    // Byte by byte: a reference may overlap the bytes it produces (runs).
    for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
  }
  return op === outputLength ? out : null;
}
