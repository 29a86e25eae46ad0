import type { ReplicationCheckpoint, ReplicationHost } from '../ports.js';
import { Failover } from './failover.js';
import { ReplicationHistory } from './history.js';
import { LinkState, MasterLink } from './link.js';
import { Replicas, ReplicaState } from './replicas.js';

/**
 * A node's replication: its history, its replicas (master side) and, when it replicates
 * another node, the link to that master (replica side). Roles change with REPLICAOF; the history
 * carries over so that replicas and masters can continue each other's streams (PSYNC2).
 */

/** replicationCron runs every second in Redis; we tick faster for ACK and sync-start latency. */
const CRON_MS = 100;

/** Node-side settings INFO replication prints for a replica. */
export interface ReplicaInfoSettings {
  priority: number;
  readOnly: boolean;
  announced: boolean;
  backlogSize: number;
  minReplicasToWrite: number;
  minReplicasMaxLag: number;
}

export type InfoField = readonly [string, string | number];

/** ROLE's reply, by role. */
export type RoleReply =
  | { role: 'master'; offset: number; replicas: { ip: string; port: number; offset: number }[] }
  | { role: 'slave'; host: string; port: number; state: string; offset: number };

export class Replication {
  readonly history = new ReplicationHistory();
  readonly replicas: Replicas;
  link: MasterLink | null = null;
  readonly failover: Failover;
  private cron: NodeJS.Timeout | null = null;

  constructor(readonly host: ReplicationHost) {
    this.replicas = new Replicas(this.history, host, () => this.link?.currentDb() ?? null);
    this.failover = new Failover(this);
  }

  get log(): ReplicationHost['log'] {
    return this.host.log;
  }

  /** Starts the periodic work (ACKs, pings, timeouts, delayed syncs). */
  start(): void {
    if (this.cron !== null) return;
    this.cron = setInterval(onCron, CRON_MS, this);
    this.cron.unref();
  }

  /** Shutdown: timers and the master link stop. */
  stop(): void {
    if (this.cron !== null) clearInterval(this.cron);
    this.cron = null;
    this.link?.stop();
    this.replicas.close();
  }

  tick(now: number): void {
    this.failover.check(now);
    this.link?.cron(now);
    this.replicas.cron(now);
  }

  get isReplica(): boolean {
    return this.link !== null;
  }

  /**
   * At startup, after the RDB was loaded: the history it recorded. A replica continues it with
   * its master (PSYNC); a master keeps it as replid2 so its former replicas can continue.
   */
  restore(checkpoint: ReplicationCheckpoint, asReplica: boolean): void {
    const history = this.history;
    if (asReplica) {
      history.replid = checkpoint.replicationId;
      history.offset = checkpoint.offset;
      return;
    }
    history.replid2 = checkpoint.replicationId;
    history.secondOffset = checkpoint.offset + 1;
    history.offset = checkpoint.offset;
    history.createBacklog(this.host.config().backlogSize);
  }

  /**
   * REPLICAOF host port (replicationSetMaster). `cachedDb` is the stream's db when our history
   * may be continued with that master (a master demoted continues its own); null forces a full
   * sync. Returns false when already replicating that master.
   */
  replicaOf(host: string, port: number, cachedDb: number | null = 0): boolean {
    const current = this.link;
    if (current !== null && current.masterHost.toLowerCase() === host.toLowerCase() && current.masterPort === port) return false;
    const cached = current !== null ? current.stop() : cachedDb === null ? null : { db: cachedDb };
    this.replicas.deliver();
    // Our replicas must learn of the change; they may continue with us afterwards.
    this.replicas.disconnectAll();
    this.replicas.feeding = false;
    this.link = new MasterLink(host, port, this, cached);
    this.host.stateChanged();
    return true;
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster): our history goes on under a new id. */
  promote(): void {
    const link = this.link;
    if (link === null) return;
    link.stop();
    this.link = null;
    this.history.shift();
    this.replicas.disconnectAll();
    this.replicas.feeding = true;
    this.replicas.selectedDb = -1;
    this.host.stateChanged();
  }

  /** The RDB checkpoint of the current state (rdbPopulateSaveInfo), or null without a history. */
  checkpoint(): ReplicationCheckpoint | null {
    const history = this.history;
    if (this.link !== null) {
      const db = this.link.currentDb();
      if (db === null) return null;
      return { replicationId: history.replid, offset: history.offset, streamDb: db };
    }
    if (history.backlog === null) return null;
    return { replicationId: history.replid, offset: history.offset, streamDb: Math.max(0, this.replicas.selectedDb) };
  }

  /**
   * syncCommand's checks before a SYNC / PSYNC (argv as received) from `requester`: PSYNC
   * <our replid> <offset> FAILOVER makes this replica a master first (the coordinated failover
   * of its master); no sync while failing over, nor on a replica out of sync. Returns the error.
   */
  syncRefusal(argv: readonly string[], requester: string): string | null {
    if (argv.length > 3 && argv[0]!.toLowerCase() === 'psync' && argv[3]!.toLowerCase() === 'failover') {
      this.log.warn(`Failover request received for replid ${argv[1]}.`);
      if (this.link === null) return "ERR PSYNC FAILOVER can't be sent to a master.";
      if (argv[1]!.toLowerCase() !== this.history.replid) return 'ERR PSYNC FAILOVER replid must match my replid.';
      this.promote();
      this.log.info(`MASTER MODE enabled (failover request from '${requester}')`);
    }
    if (this.failover.active) return "NOMASTERLINK Can't SYNC while failing over";
    if (this.link !== null && this.link.state !== LinkState.Connected) {
      return "NOMASTERLINK Can't SYNC while not connected with my master";
    }
    return null;
  }

  role(): RoleReply {
    const link = this.link;
    if (link === null) {
      const replicas = this.replicas.list
        .filter((replica) => replica.state === ReplicaState.Online)
        .map((replica) => ({ ip: replica.ip, port: replica.announced.port, offset: replica.ackOffset }));
      return { role: 'master', offset: this.history.offset, replicas };
    }
    return {
      role: 'slave',
      host: link.masterHost,
      port: link.masterPort,
      state: link.stateName,
      offset: link.hasMasterClient ? this.history.offset : -1,
    };
  }

  /** The fields of INFO replication, in Redis 7.0's order. */
  info(now: number, settings: ReplicaInfoSettings): InfoField[] {
    const fields: InfoField[] = [];
    const link = this.link;
    const history = this.history;
    const seconds = Math.floor(now / 1000);
    fields.push(['role', link === null ? 'master' : 'slave']);
    if (link !== null) {
      const offset = link.hasMasterClient || link.hasCachedMaster ? history.offset : 1;
      fields.push(
        ['master_host', link.masterHost],
        ['master_port', link.masterPort],
        ['master_link_status', link.linkUp ? 'up' : 'down'],
        ['master_last_io_seconds_ago', link.hasMasterClient ? seconds - Math.floor(link.lastIo / 1000) : -1],
        ['master_sync_in_progress', link.state === LinkState.Transfer ? 1 : 0],
        ['slave_read_repl_offset', offset + link.unappliedBytes],
        ['slave_repl_offset', offset],
      );
      if (link.state === LinkState.Transfer) {
        const size = link.transferSize;
        const read = link.transferRead;
        fields.push(
          ['master_sync_total_bytes', size],
          ['master_sync_read_bytes', read],
          ['master_sync_left_bytes', size - read],
          ['master_sync_perc', (size > 0 ? (read / size) * 100 : 0).toFixed(2)],
          ['master_sync_last_io_seconds_ago', seconds - Math.floor(link.lastIo / 1000)],
        );
      }
      if (!link.linkUp) {
        fields.push(['master_link_down_since_seconds', link.downSince !== 0 ? seconds - Math.floor(link.downSince / 1000) : -1]);
      }
      fields.push(
        ['slave_priority', settings.priority],
        ['slave_read_only', settings.readOnly ? 1 : 0],
        ['replica_announced', settings.announced ? 1 : 0],
      );
    }
    const replicas = this.replicas.list;
    fields.push(['connected_slaves', replicas.length]);
    if (settings.minReplicasToWrite > 0 && settings.minReplicasMaxLag > 0) {
      fields.push(['min_slaves_good_slaves', this.replicas.goodReplicas(now, settings.minReplicasMaxLag)]);
    }
    replicas.forEach((replica, index) => {
      const lag = replica.state === ReplicaState.Online ? seconds - Math.floor(replica.ackTime / 1000) : 0;
      fields.push([
        `slave${index}`,
        `ip=${replica.ip},port=${replica.announced.port},state=${replica.stateName},offset=${replica.ackOffset},lag=${lag}`,
      ]);
    });
    const backlog = history.backlog;
    fields.push(
      ['master_failover_state', this.failover.stateName],
      ['master_replid', history.replid],
      ['master_replid2', history.replid2],
      ['master_repl_offset', history.offset],
      ['second_repl_offset', history.secondOffset],
      ['repl_backlog_active', backlog !== null ? 1 : 0],
      ['repl_backlog_size', settings.backlogSize],
      ['repl_backlog_first_byte_offset', backlog?.firstOffset ?? 0],
      ['repl_backlog_histlen', backlog?.histlen ?? 0],
    );
    return fields;
  }
}

function onCron(replication: Replication): void {
  replication.tick(Date.now());
}
