import type { Command } from '../commands/table.js';
import type { Database } from '../keyspace/database.js';
import type { Client } from './client.js';
import { EFFECT_RULES, type EffectContext } from './propagate-rules.js';
import { readReply, type ReplyValue } from './reply-reader.js';

/**
 * The server-wide write stream (Redis's call() → alsoPropagate → propagatePendingCommands):
 * every change to the dataset, as the commands that reproduce it, in execution order, tagged
 * with the database it applies to. Consumers — the AOF now, replication later — subscribe as
 * sinks and each tracks its own SELECT state.
 *
 * An execution unit (one top-level command, an EXEC, a script) collects its operations and hands
 * them over when it ends, wrapped in MULTI/EXEC when there is more than one, so consumers see
 * transactions and scripts atomically. Outside any unit (active expiry, eviction) operations go
 * out at once, one by one.
 */

/** Which consumers an operation is meant for (Redis's PROPAGATE_AOF / PROPAGATE_REPL). */
export const PropagateTarget = {
  aof: 1,
  replication: 2,
  all: 3,
} as const;

export interface PropagationSink {
  /** One operation of the stream; `target` has PropagateTarget bits. */
  feed(dbIndex: number, argv: readonly string[], target: number): void;
}

interface Operation {
  dbIndex: number;
  argv: readonly string[];
  target: number;
}

/** Commands that never propagate themselves: their effects do (EXEC's commands, a script's calls). */
const EFFECTS_ONLY = new Set(['exec', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands propagated even when they changed nothing (forceCommandPropagation). */
const FORCED = new Map<string, number>([
  ['flushall', PropagateTarget.all],
  ['flushdb', PropagateTarget.all],
  ['publish', PropagateTarget.replication],
  ['spublish', PropagateTarget.replication],
]);

const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

export class Propagation {
  private readonly sinks: PropagationSink[] = [];
  private pending: Operation[] = [];
  private depth = 0;
  /** Cluster nodes carry PUBLISH and SPUBLISH over the bus, not the replication stream (Redis 7.0). */
  publishOverBus = false;

  /** Whether anything consumes the stream (otherwise commands skip all propagation work). */
  get enabled(): boolean {
    return this.sinks.length > 0;
  }

  subscribe(sink: PropagationSink): void {
    if (!this.sinks.includes(sink)) this.sinks.push(sink);
  }

  unsubscribe(sink: PropagationSink): void {
    const at = this.sinks.indexOf(sink);
    if (at >= 0) this.sinks.splice(at, 1);
  }

  /**
   * Adds an operation (Redis's alsoPropagate): part of the running execution unit, or emitted
   * now when none runs. Scripting, expiry and eviction call this directly.
   */
  propagate(dbIndex: number, argv: readonly string[], target: number = PropagateTarget.all): void {
    if (this.sinks.length === 0) return;
    this.pending.push({ dbIndex, argv, target });
    if (this.depth === 0) this.emitPending(false);
  }

  /** Whether a command runs now (inside call()), not the checks before it such as eviction. */
  get executing(): boolean {
    return this.depth > 0;
  }

  /** Opens an execution unit (units nest; the outermost one emits). call() brackets every command. */
  enter(): void {
    this.depth++;
  }

  /** Closes an execution unit; the outermost emits what it collected, wrapped when several. */
  exit(): void {
    if (--this.depth === 0 && this.pending.length > 0) this.emitPending(true);
  }

  /** Runs `body` as one execution unit: its operations reach the consumers as one MULTI/EXEC. */
  unit<T>(body: () => T): T {
    this.enter();
    try {
      return body();
    } finally {
      this.exit();
    }
  }

  /**
   * call()'s hook, after the handler: queues the command's effect when it changed the dataset
   * (`dirty` > 0) or forces propagation. `replyStart` is where its reply begins in the client.
   */
  commandDone(client: Client, command: Command, argv: readonly string[], dirty: number, replyStart: number): void {
    const name = command.fullName;
    if (EFFECTS_ONLY.has(name)) return;
    const forced = FORCED.get(name) ?? 0;
    const target = (dirty > 0 ? PropagateTarget.all : 0) | (forced !== 0 && this.publishOverBus && name.endsWith('publish') ? 0 : forced);
    if (target === 0) return;
    this.queueEffect(client, client.db, name, argv, target, replyStart, false);
  }

  /**
   * The blocking machinery served a blocked command (BLPOP …) outside call(): its effect is
   * propagated as its own unit, as Redis does after each served client.
   */
  servedBlocked(client: Client, db: Database, command: Command, argv: readonly string[], dirty: number, replyStart: number): void {
    if (dirty <= 0) return;
    this.enter();
    this.queueEffect(client, db, command.fullName, argv, PropagateTarget.all, replyStart, true);
    this.exit();
  }

  private queueEffect(
    client: Client,
    db: Database,
    name: string,
    argv: readonly string[],
    target: number,
    replyStart: number,
    served: boolean,
  ): void {
    const rule = EFFECT_RULES.get(name);
    if (rule === undefined) {
      this.pending.push({ dbIndex: db.index, argv, target });
      return;
    }
    for (const effect of rule(new CommandEffect(client, db, argv, replyStart, served))) {
      this.pending.push({ dbIndex: db.index, argv: effect, target });
    }
  }

  private emitPending(wrap: boolean): void {
    const operations = this.pending;
    this.pending = [];
    const transaction = wrap && operations.length > 1;
    // MULTI takes the first operation's database, EXEC the last's, so no extra SELECT appears.
    if (transaction) this.emit(operations[0]!.dbIndex, MULTI, PropagateTarget.all);
    for (const operation of operations) this.emit(operation.dbIndex, operation.argv, operation.target);
    if (transaction) this.emit(operations[operations.length - 1]!.dbIndex, EXEC, PropagateTarget.all);
  }

  private emit(dbIndex: number, argv: readonly string[], target: number): void {
    for (const sink of this.sinks) sink.feed(dbIndex, argv, target);
  }
}

/** The EffectContext handed to a rule; the reply is decoded only when a rule asks for it. */
class CommandEffect implements EffectContext {
  private decoded: ReplyValue | undefined;

  constructor(
    readonly client: Client,
    readonly db: Database,
    readonly argv: readonly string[],
    private readonly replyStart: number,
    readonly served: boolean,
  ) {}

  reply(): ReplyValue {
    if (this.decoded === undefined) this.decoded = readReply(this.client.written(this.replyStart));
    return this.decoded;
  }
}
