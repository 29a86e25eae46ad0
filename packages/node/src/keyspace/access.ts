import type { Entry } from './entry.js';

/** Highest value of the logarithmic access counter (it is 8 bits in Redis). */
const LFU_COUNTER_MAX = 255;
/** Counter of a new key, so it is not evicted before it had a chance to be used. */
const LFU_INIT_VAL = 5;

/**
 * How key accesses are recorded, following maxmemory-policy as Redis does: an LRU clock
 * (seconds of the last access) by default, or with an LFU policy a logarithmic access counter
 * that decays by one every `decayMinutes` minutes. One instance is shared by all databases.
 */
export class AccessPolicy {
  lfu = false;
  /** lfu-log-factor: how many accesses it takes to raise a high counter by one. */
  logFactor = 10;
  /** lfu-decay-time, in minutes; 0 never decays. */
  decayMinutes = 1;

  /** Records an access (Redis's lookupKey without LOOKUP_NOTOUCH). */
  touch(entry: Entry, nowSeconds: number): void {
    if (this.lfu) entry.frequency = this.increment(this.frequency(entry, nowSeconds));
    entry.accessedAt = nowSeconds;
  }

  /** The decayed access counter (OBJECT FREQ); `accessedAt` doubles as the last decrement time. */
  frequency(entry: Entry, nowSeconds: number): number {
    if (this.decayMinutes === 0) return entry.frequency;
    const elapsedMinutes = Math.floor(nowSeconds / 60) - Math.floor(entry.accessedAt / 60);
    const periods = Math.floor(Math.max(elapsedMinutes, 0) / this.decayMinutes);
    return Math.max(entry.frequency - periods, 0);
  }

  /** Seconds since the last access (OBJECT IDLETIME). */
  idleSeconds(entry: Entry, nowSeconds: number): number {
    return Math.max(nowSeconds - entry.accessedAt, 0);
  }

  /** Redis's LFULogIncr: the higher the counter, the less likely an access raises it. */
  private increment(counter: number): number {
    if (counter >= LFU_COUNTER_MAX) return LFU_COUNTER_MAX;
    const base = Math.max(counter - LFU_INIT_VAL, 0);
    return Math.random() < 1 / (base * this.logFactor + 1) ? counter + 1 : counter;
  }
}
