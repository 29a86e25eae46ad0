/** Numbers of the RDB format as Redis 7.0 defines them (rdb.h). */

/** The version we write; we read every version up to it. */
export const RDB_VERSION = 10;

/** Value types (the byte before a key). */
export const enum RdbType {
  String = 0,
  List = 1,
  Set = 2,
  ZSet = 3,
  Hash = 4,
  ZSet2 = 5,
  Module = 6,
  Module2 = 7,
  HashZipmap = 9,
  ListZiplist = 10,
  SetIntset = 11,
  ZSetZiplist = 12,
  HashZiplist = 13,
  ListQuicklist = 14,
  StreamListpacks = 15,
  HashListpack = 16,
  ZSetListpack = 17,
  ListQuicklist2 = 18,
  StreamListpacks2 = 19,
}

/** Opcodes that are not value types. */
export const enum RdbOpcode {
  Function2 = 245,
  FunctionPreGa = 246,
  ModuleAux = 247,
  Idle = 248,
  Freq = 249,
  Aux = 250,
  ResizeDb = 251,
  ExpireTimeMs = 252,
  ExpireTime = 253,
  SelectDb = 254,
  Eof = 255,
}

/** Special string encodings (a length byte 11xxxxxx). */
export const enum RdbStringEncoding {
  Int8 = 0,
  Int16 = 1,
  Int32 = 2,
  Lzf = 3,
}

/** Module value opcodes (RDB_MODULE_OPCODE_*), for skipping module data we cannot load. */
export const enum ModuleOpcode {
  Eof = 0,
  SInt = 1,
  UInt = 2,
  Float = 3,
  Double = 4,
  String = 5,
}

/** Quicklist node containers in RDB_TYPE_LIST_QUICKLIST_2. */
export const QUICKLIST_PLAIN = 1;
export const QUICKLIST_PACKED = 2;

/** Stream listpack entry flags (t_stream.c). */
export const STREAM_ITEM_DELETED = 1;
export const STREAM_ITEM_SAME_FIELDS = 2;

/** What we claim to be in the redis-ver AUX field. */
export const RDB_REDIS_VERSION = '7.0.15';

/** The value types RESTORE and the loader accept (rdbIsObjectType). */
export function isObjectType(type: number): boolean {
  return (type >= 0 && type <= 7) || (type >= 9 && type <= 19);
}
