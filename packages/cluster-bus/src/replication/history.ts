import { randomBytes } from 'node:crypto';
import { ReplicationBacklog } from './backlog.js';

/** replid2 when there is no previous history (Redis prints forty zeros). */
export const NO_REPLICATION_ID = '0'.repeat(40);

export function newReplicationId(): string {
  return randomBytes(20).toString('hex');
}

/**
 * A node's replication history (PSYNC2): the id of the stream it holds and how far it got,
 * the id it held before (replid2, valid up to second_repl_offset — so replicas of a promoted
 * replica can continue), and the backlog. Masters and replicas both keep one: a replica's is
 * its master's stream, which it passes on to its own replicas.
 */
export class ReplicationHistory {
  replid = newReplicationId();
  replid2 = NO_REPLICATION_ID;
  /** First offset replid2 does NOT cover, -1 when there is no replid2. */
  secondOffset = -1;
  /** master_repl_offset: bytes of the stream so far. */
  offset = 0;
  backlog: ReplicationBacklog | null = null;

  /** Appends stream text: advances the offset and keeps it in the backlog. */
  append(text: string): void {
    this.offset += text.length;
    this.backlog?.append(text);
  }

  createBacklog(size: number): void {
    this.backlog = new ReplicationBacklog(size, this.offset + 1);
  }

  /** A new history starts here (no replid2): changeReplicationId + clearReplicationId2. */
  restart(): void {
    this.replid = newReplicationId();
    this.clearSecondId();
  }

  clearSecondId(): void {
    this.replid2 = NO_REPLICATION_ID;
    this.secondOffset = -1;
  }

  /**
   * shiftReplicationId: the current history continues under `replid` (a new one by default),
   * and the old id stays valid for offsets up to the current one.
   */
  shift(replid = newReplicationId()): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = replid;
  }

  /** Whether a replica that holds `replid` up to `offset - 1` shares our history. */
  sameHistory(replid: string, offset: number): boolean {
    if (replid === this.replid) return true;
    return replid === this.replid2 && offset <= this.secondOffset;
  }
}
