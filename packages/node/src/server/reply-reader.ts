/**
 * Reads back one RESP2/RESP3 reply a command wrote (ReplyWriter.written). Propagation uses it
 * for the commands whose effect is only known from what they answered: which members SPOP
 * picked, which key a BLPOP served, the ID XADD generated.
 */

/** A decoded reply: bulk/simple strings, integers and doubles as text, null, or an aggregate. */
export type ReplyValue = string | null | ReplyValue[];

/** Decodes the first reply in `bytes`; null for a null, an error, or truncated input. */
export function readReply(bytes: Buffer): ReplyValue {
  const reader = { bytes, at: 0 };
  try {
    return readValue(reader);
  } catch {
    return null;
  }
}

interface Cursor {
  bytes: Buffer;
  at: number;
}

function readLine(cursor: Cursor): string {
  const end = cursor.bytes.indexOf(13, cursor.at);
  if (end < 0) throw new RangeError('truncated reply');
  const line = cursor.bytes.latin1Slice(cursor.at, end);
  cursor.at = end + 2;
  return line;
}

function readValue(cursor: Cursor): ReplyValue {
  const type = cursor.bytes[cursor.at++];
  const line = readLine(cursor);
  switch (type) {
    case 0x24: // '$' bulk
    case 0x3d: { // '=' verbatim
      const length = Number(line);
      if (length < 0) return null;
      const text = cursor.bytes.latin1Slice(cursor.at, cursor.at + length);
      cursor.at += length + 2;
      return text;
    }
    case 0x2a: // '*' array
    case 0x7e: // '~' set
    case 0x3e: { // '>' push
      const count = Number(line);
      if (count < 0) return null;
      const items: ReplyValue[] = [];
      for (let i = 0; i < count; i++) items.push(readValue(cursor));
      return items;
    }
    case 0x25: { // '%' map: flattened to key, value, key, value…
      const items: ReplyValue[] = [];
      for (let i = 0; i < Number(line) * 2; i++) items.push(readValue(cursor));
      return items;
    }
    case 0x2d: // '-' error
    case 0x5f: // '_' null
      return null;
    default: // '+' ':' ',' '#' '(': the line itself
      return line;
  }
}
