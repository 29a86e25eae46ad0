/**
 * The server's notion of "now", read once per event-loop pass rather than per key
 * (Redis caches mstime the same way). `refresh()` is called at the start of every batch.
 */
export class Clock {
  ms = Date.now();

  refresh(): number {
    this.ms = Date.now();
    return this.ms;
  }

  /** Seconds resolution clock used for LRU idle times. */
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}
