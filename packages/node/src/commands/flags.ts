/** Command flags and ACL categories as bitmasks, named as Redis names them in COMMAND INFO. */

export const CommandFlag = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  asking: 1 << 11,
  fast: 1 << 12,
  no_auth: 1 << 13,
  may_replicate: 1 << 14,
  no_mandatory_keys: 1 << 15,
  protected: 1 << 16,
  no_async_loading: 1 << 17,
  no_multi: 1 << 18,
  movablekeys: 1 << 19,
  allow_busy: 1 << 20,
  module: 1 << 21,
  sentinel: 1 << 22,
  only_sentinel: 1 << 23,
} as const;

export type CommandFlagName = keyof typeof CommandFlag;

/** ACL categories in Redis's order; the index is the bit. */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap',
  'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous',
  'connection', 'transaction', 'scripting',
] as const;

export type AclCategory = (typeof ACL_CATEGORIES)[number];

export function flagMask(names: readonly string[]): number {
  let mask = 0;
  for (const name of names) {
    const bit = CommandFlag[name as CommandFlagName];
    if (bit === undefined) throw new Error(`unknown command flag '${name}'`);
    mask |= bit;
  }
  return mask;
}

export function aclMask(names: readonly string[]): number {
  let mask = 0;
  for (const name of names) {
    const bit = ACL_CATEGORIES.indexOf(name as AclCategory);
    if (bit === -1) throw new Error(`unknown ACL category '${name}'`);
    mask |= 1 << bit;
  }
  return mask;
}
