/** Value types, numbered as Redis numbers them (OBJ_STRING … OBJ_STREAM) for RDB and TYPE. */
export const enum ValueType {
  String = 0,
  List = 1,
  Set = 2,
  ZSet = 3,
  Hash = 4,
  Stream = 6,
}

export const TYPE_NAMES: Record<ValueType, string> = {
  [ValueType.String]: 'string',
  [ValueType.List]: 'list',
  [ValueType.Set]: 'set',
  [ValueType.ZSet]: 'zset',
  [ValueType.Hash]: 'hash',
  [ValueType.Stream]: 'stream',
};

/**
 * How a string value's object was made, for OBJECT ENCODING/REFCOUNT: 0 is a fresh object
 * encoded the way Redis's SET encodes (int, embstr or raw by content). Any write of a new
 * value resets it (Database.set).
 */
export const enum StringForm {
  Encoded = 0,
  /** Edited in place (APPEND, SETRANGE, SETBIT, BITFIELD, PFADD) or built raw (BITOP). */
  Raw = 1,
  /** Created without trying the int encoding (INCRBYFLOAT). */
  NotInt = 2,
  /** A private duplicate (COPY), never one of Redis's shared small integers. */
  Unshared = 4,
}

/** Fixed bytes charged per key on top of its key and value (dict entry, object header). */
export const ENTRY_OVERHEAD = 56;
/** A string value's own allocation (sds header, allocator rounding) on top of its length. */
export const STRING_OVERHEAD = 16;
/** A key's entry in the dict of keys with a TTL (Redis's `expires`), with its bucket share. */
export const EXPIRE_OVERHEAD = 40;

/**
 * The snapshot epoch new entries are born in (persistence/snapshot.ts raises it when a snapshot
 * starts): an entry created during a snapshot was not part of it and needs no copy-on-write.
 */
let birthEpoch = 0;

export function setEntryBirthEpoch(epoch: number): void {
  birthEpoch = epoch;
}

/** One key of a database. Fields are mutated in place; the dict and the index arrays hold it. */
export class Entry {
  /** Absolute expiry in ms since the epoch, or 0 when the key has no TTL. */
  expireAt = 0;
  /** Position in the database's dense key array (for O(1) sampling and swap-remove). */
  slotInKeys = -1;
  /** Position in the dense array of keys with a TTL, or -1. */
  slotInExpiring = -1;
  /** LRU clock (seconds) of the last access, for OBJECT IDLETIME and eviction. */
  accessedAt: number;
  /** LFU counter for OBJECT FREQ (Redis's logarithmic counter starts at 5). */
  frequency = 5;
  /** The bytes this entry is charged for in used_memory. */
  bytes = 0;
  /** StringForm bits of a string value. */
  stringForm = StringForm.Encoded;
  /**
   * Epoch of the last snapshot that no longer needs this entry preserved (it wrote or copied
   * it, or the entry was born during it). Below the running snapshot's epoch: not yet visited.
   */
  snapshotEpoch = birthEpoch;

  constructor(
    readonly key: string,
    public type: ValueType,
    public value: unknown,
    now: number,
  ) {
    this.accessedAt = now;
  }
}
