import type Redis from 'ioredis';
import { canonicalDump } from '../persistence/dataset.js';

/**
 * What the replication tests share: a deterministic mix of writes over every type (relative
 * expiries, random pops, transactions, several databases — the commands whose propagation is
 * rewritten), bounded polling, and a key-by-key comparison of two servers' datasets.
 */

/** mulberry32: a small deterministic generator, so a failing run can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS_PER_TYPE = 60;
/** Far-future absolute expiry, so PEXPIRETIME compares exactly. */
const EXPIRE_AT = 4102444800000;

type Pipeline = ReturnType<Redis['pipeline']>;

/** One random write of the mix into `p`. */
function randomWrite(p: Pipeline, random: () => number): void {
  const pick = (n: number) => Math.floor(random() * n);
  const key = (type: string) => `${type}:${pick(KEYS_PER_TYPE)}`;
  const value = () => `v${pick(1000)}`;
  switch (pick(22)) {
    case 0: p.set(key('str'), value()); break;
    case 1: p.incrby(key('num'), pick(100) - 50); break;
    case 2: p.append(key('str'), value()); break;
    case 3: p.del(key('str'), key('list')); break;
    case 4: p.expire(key('str'), 1000 + pick(1000)); break;
    case 5: p.pexpireat(key('hash'), EXPIRE_AT + pick(1000)); break;
    case 6: p.lpush(key('list'), value(), value()); break;
    case 7: p.rpop(key('list')); break;
    case 8: p.hset(key('hash'), `f${pick(20)}`, value()); break;
    case 9: p.hdel(key('hash'), `f${pick(20)}`); break;
    case 10: p.sadd(key('set'), value(), String(pick(500))); break;
    case 11: p.spop(key('set')); break;
    case 12: p.zadd(key('zset'), String(pick(1000) / 7), value()); break;
    case 13: p.zincrby(key('zset'), 1.5, value()); break;
    case 14: p.xadd(key('stream'), '*', 'field', value()); break;
    case 15: p.incrbyfloat(key('float'), 0.25); break;
    case 16: p.setex(key('str'), 5000, value()); break;
    case 17: p.call('MULTI').set(key('str'), value()).lpush(key('list'), value()).call('EXEC'); break;
    case 18: p.select(1).set(key('db1'), value()).hset(key('db1hash'), 'f', value()).select(0); break;
    case 19: p.lmove(key('list'), key('list'), 'LEFT', 'RIGHT'); break;
    case 20: p.getex(key('str'), 'PX', 2_000_000); break;
    default: p.zpopmin(key('zset')); break;
  }
}

/** `count` mixed writes (pipelined in batches), deterministic for a given seed. */
export async function mixedWrites(redis: Redis, count: number, seed: number): Promise<void> {
  const random = generator(seed);
  for (let done = 0; done < count; ) {
    const p = redis.pipeline();
    const batch = Math.min(500, count - done);
    for (let i = 0; i < batch; i++) randomWrite(p, random);
    await p.exec();
    done += batch;
  }
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** INFO fields as a map. */
export async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const text = await redis.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Waits until the replica's link is up and it applied everything the master produced. */
export async function waitInSync(master: Redis, replica: Redis, timeoutMs = 20_000): Promise<void> {
  await waitFor('the replica to catch up with its master', async () => {
    const [ofMaster, ofReplica] = await Promise.all([info(master, 'replication'), info(replica, 'replication')]);
    return ofReplica.get('master_link_status') === 'up' && ofReplica.get('slave_repl_offset') === ofMaster.get('master_repl_offset');
  }, timeoutMs);
}

/**
 * The dataset key by key (type, expiry time, value), without encodings: a replica loading an RDB
 * may pick a smaller encoding than its master's, in real Redis too.
 */
export async function dataset(redis: Redis): Promise<Record<string, Record<string, string[]>>> {
  const dump = await canonicalDump(redis);
  for (const keys of Object.values(dump)) {
    for (const [key, lines] of Object.entries(keys)) keys[key] = lines.filter((line) => !line.startsWith('encoding '));
  }
  return dump;
}
