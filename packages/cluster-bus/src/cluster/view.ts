/**
 * What the data plane (node's dispatch, MIGRATE, sharded pub/sub) asks the cluster about slots.
 * The cluster state machine implements it; routing decisions (MOVED, ASK, TRYAGAIN, CROSSSLOT,
 * CLUSTERDOWN) are made from these answers only, so they stay testable without a bus.
 */

/** A node as redirects name it. */
export interface SlotNode {
  /** The 40-character node id. */
  readonly id: string;
  readonly isMyself: boolean;
  /** For a replica, the master it replicates; null for a master. */
  readonly master: SlotNode | null;
  /**
   * The "host:port" a MOVED or ASK reply names (cluster-preferred-endpoint-type picks the ip,
   * the hostname or '?'; `tls` picks the TLS port for clients connected over TLS).
   */
  redirectEndpoint(tls: boolean): string;
}

export interface ClusterView {
  /** cluster_state:ok (every slot served, or cluster-require-full-coverage no). */
  readonly stateOk: boolean;
  readonly myself: SlotNode;
  /** The master serving `slot`, or null when no node is assigned to it. */
  ownerOf(slot: number): SlotNode | null;
  /** Set on the source node of a migration: where keys of `slot` go (CLUSTER SETSLOT MIGRATING). */
  migratingTo(slot: number): SlotNode | null;
  /** Set on the target node of a migration (CLUSTER SETSLOT IMPORTING). */
  importingFrom(slot: number): SlotNode | null;
}
