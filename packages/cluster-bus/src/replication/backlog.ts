/**
 * The replication backlog (Redis's repl_backlog): the last `size` bytes of the replication
 * stream in a ring buffer, so a replica that lost its link can continue from its offset
 * (PSYNC … +CONTINUE) instead of a full sync. Offsets count stream bytes from 1, as Redis's
 * master_repl_offset does: the byte at offset N is the N-th byte the stream ever carried.
 * Stream text is latin1 (one char per byte), written straight into the ring.
 */
export class ReplicationBacklog {
  private ring: Buffer;
  /** Ring index where the next byte goes. */
  private writeAt = 0;
  /** Bytes held (repl_backlog_histlen), at most `size`. */
  histlen = 0;
  /** Offset of the oldest byte held (repl_backlog_first_byte_offset). */
  firstOffset: number;

  /** A backlog whose first byte will be the stream byte at `nextOffset`. */
  constructor(size: number, nextOffset: number) {
    this.ring = Buffer.allocUnsafe(Math.max(1, size));
    this.firstOffset = nextOffset;
  }

  get size(): number {
    return this.ring.length;
  }

  /** Offset of the newest byte held (firstOffset - 1 when empty). */
  get lastOffset(): number {
    return this.firstOffset + this.histlen - 1;
  }

  /** Appends stream text; the oldest bytes make room when the ring is full. */
  append(text: string): void {
    const size = this.ring.length;
    let from = 0;
    let length = text.length;
    if (length > size) {
      // Only the newest `size` bytes can be kept.
      from = length - size;
      this.firstOffset += this.histlen + from;
      this.histlen = 0;
      length = size;
    }
    const first = Math.min(length, size - this.writeAt);
    this.ring.latin1Write(from === 0 && first === text.length ? text : text.slice(from, from + first), this.writeAt);
    if (first < length) this.ring.latin1Write(text.slice(from + first, from + length), 0);
    this.writeAt = (this.writeAt + length) % size;
    this.histlen += length;
    if (this.histlen > size) {
      this.firstOffset += this.histlen - size;
      this.histlen = size;
    }
  }

  /**
   * Whether a replica asking to continue from `offset` (its PSYNC offset: the first byte it
   * lacks) can be served: from the oldest byte held up to one past the newest.
   */
  covers(offset: number): boolean {
    return offset >= this.firstOffset && offset <= this.firstOffset + this.histlen;
  }

  /** A copy of the bytes from `offset` (first wanted byte) to the newest; `covers` must hold. */
  from(offset: number): Buffer {
    const length = this.firstOffset + this.histlen - offset;
    const out = Buffer.allocUnsafe(length);
    if (length === 0) return out;
    const size = this.ring.length;
    const start = (this.writeAt - length + size) % size;
    const first = Math.min(length, size - start);
    this.ring.copy(out, 0, start, start + first);
    if (first < length) this.ring.copy(out, first, 0, length - first);
    return out;
  }

  /** repl-backlog-size changed: a new ring keeping the newest bytes that still fit. */
  resize(size: number): void {
    if (size === this.ring.length) return;
    const kept = Math.min(this.histlen, size);
    const data = this.from(this.firstOffset + this.histlen - kept);
    this.ring = Buffer.allocUnsafe(Math.max(1, size));
    data.copy(this.ring, 0);
    this.writeAt = kept % this.ring.length;
    this.firstOffset += this.histlen - kept;
    this.histlen = kept;
  }
}
