import { FormatError } from '../persistence/bytes.js';
import { Crc64 } from '../persistence/crc64.js';
import { RdbOpcode, RDB_VERSION } from '../persistence/rdb-format.js';
import { RdbReader, type ValueLimits } from '../persistence/rdb-reader.js';
import { RdbEncoder } from '../persistence/rdb-writer.js';
import type { LibraryStore } from './functions.js';

/**
 * FUNCTION DUMP / RESTORE payloads as Redis 7.0 writes them: every library as an
 * RDB_OPCODE_FUNCTION2 record (its code as an RDB string), then the RDB version (2 bytes,
 * little-endian) and the CRC-64 of everything before (8 bytes, little-endian).
 */

/** Function records hold only strings: the value limits are never consulted. */
const NO_VALUES: ValueLimits = { hashMaxEntries: 0, hashMaxValue: 0, setMaxIntsetEntries: 0, zsetMaxEntries: 0, zsetMaxValue: 0 };

export function encodeFunctionPayload(store: LibraryStore, compression: boolean): string {
  const encoder = new RdbEncoder({ compression, listNodeSize: 0 });
  for (const library of store.libraries.values()) encoder.functionLibrary(library.code);
  encoder.out.byte(RDB_VERSION & 0xff);
  encoder.out.byte(RDB_VERSION >> 8);
  const body = encoder.out.take();
  const crc = new Crc64().update(body).littleEndian();
  return Buffer.concat([body, crc]).toString('latin1');
}

/**
 * Reads the libraries of a payload, handing each library's code to `load` (which returns an
 * error message or null). Returns the error a RESTORE replies (without "ERR "), or null.
 */
export function decodeFunctionPayload(payload: string, load: (code: string) => string | null): string | null {
  const bytes = Buffer.from(payload, 'latin1');
  const length = bytes.length;
  if (length < 10) return 'DUMP payload version or checksum are wrong';
  const version = bytes[length - 10]! | (bytes[length - 9]! << 8);
  if (version > RDB_VERSION) return 'DUMP payload version or checksum are wrong';
  if (!new Crc64().update(bytes, 0, length - 8).littleEndian().equals(bytes.subarray(length - 8))) {
    return 'DUMP payload version or checksum are wrong';
  }
  const reader = new RdbReader(bytes, NO_VALUES, 0, length);
  const input = reader.input;
  while (length - input.position > 10) {
    const type = input.byte();
    if (type !== RdbOpcode.Function2 && type !== RdbOpcode.FunctionPreGa) return 'given type is not a function';
    let code: string;
    try {
      code = type === RdbOpcode.Function2 ? reader.string() : preGaLibrary(reader);
    } catch (error) {
      if (error instanceof FormatError) return 'Failed loading library payload';
      throw error;
    }
    const error = load(code);
    if (error !== null) return error;
  }
  return null;
}

/** RDB_OPCODE_FUNCTION (7.0 release candidates): name, engine, optional description, code. */
function preGaLibrary(reader: RdbReader): string {
  const name = reader.string();
  const engine = reader.string();
  if (reader.length() !== 0) reader.string();
  return `#!${engine} name=${name}\n${reader.string()}`;
}
