/**
 * The arithmetic of failure detection and elections (Redis Cluster specification), kept pure so
 * it is unit-tested apart from the bus.
 */

/** A failure report is valid for node-timeout × 2 (CLUSTER_FAIL_REPORT_VALIDITY_MULT). */
export const FAIL_REPORT_VALIDITY_MULT = 2;
/** A FAIL master that is reachable again and still serves slots is cleared after node-timeout × 2. */
export const FAIL_UNDO_TIME_MULT = 2;

/** The majority of the masters that serve slots: size / 2 + 1. */
export function quorum(clusterSize: number): number {
  return Math.floor(clusterSize / 2) + 1;
}

/** Drops the reports older than the validity window; returns how many remain. */
export function pruneFailureReports<K>(reports: Map<K, number>, now: number, nodeTimeout: number): number {
  const maxAge = nodeTimeout * FAIL_REPORT_VALIDITY_MULT;
  for (const [reporter, time] of reports) if (now - time > maxAge) reports.delete(reporter);
  return reports.size;
}

/**
 * Whether a PFAIL node becomes FAIL: the reports of other masters, plus ours when we are a
 * master, reach the quorum (markNodeAsFailingIfNeeded).
 */
export function failureAgreed(reports: number, selfIsMaster: boolean, clusterSize: number): boolean {
  return reports + (selfIsMaster ? 1 : 0) >= quorum(clusterSize);
}

/**
 * A replica's rank among its master's replicas: how many (that may fail over) processed more of
 * the replication stream. Rank 0 is the best candidate (clusterGetSlaveRank).
 */
export function replicaRank(myOffset: number, siblings: readonly { offset: number; noFailover: boolean }[]): number {
  let rank = 0;
  for (const sibling of siblings) if (!sibling.noFailover && sibling.offset > myOffset) rank++;
  return rank;
}

/**
 * When a replica may ask for votes: 500 ms for the FAIL to propagate, 0–499 ms of jitter so
 * replicas do not start together, and a second per rank so the best replica goes first.
 */
export function electionDelay(rank: number, jitter: number): number {
  return 500 + jitter + rank * 1000;
}

/** How long an election may take before it is abandoned: node-timeout × 2, at least 2 s. */
export function electionTimeout(nodeTimeout: number): number {
  return Math.max(nodeTimeout * 2, 2000);
}

/**
 * Whether the replica's data is too old to fail over (cluster-replica-validity-factor): the
 * time since the last interaction with the master, minus node-timeout, compared with
 * repl-ping-replica-period + node-timeout × factor. A factor of 0 never refuses.
 */
export function dataTooOld(dataAge: number, nodeTimeout: number, pingPeriodSeconds: number, factor: number): boolean {
  if (factor === 0) return false;
  const age = dataAge > nodeTimeout ? dataAge - nodeTimeout : dataAge;
  return age > pingPeriodSeconds * 1000 + nodeTimeout * factor;
}

/** cluster_state's rejoin delay after a master was in the minority: node-timeout within [500, 5000] ms. */
export function rejoinDelay(nodeTimeout: number): number {
  return Math.min(Math.max(nodeTimeout, 500), 5000);
}
