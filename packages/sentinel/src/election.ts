/**
 * The pure parts of a failover decision: counting leader votes, and picking the replica to
 * promote. The Sentinel feeds them its view; they decide nothing on their own.
 */
import { Flag, type Instance } from './instance.js';

/** Votes per candidate run id, counting each entry once. */
export function countVotes(votes: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const vote of votes) counts.set(vote, (counts.get(vote) ?? 0) + 1);
  return counts;
}

/** The candidate with the most votes (the first seen wins a tie), or null with no votes. */
export function mostVoted(counts: ReadonlyMap<string, number>): string | null {
  let winner: string | null = null;
  let max = 0;
  for (const [candidate, votes] of counts) {
    if (votes > max) {
      max = votes;
      winner = candidate;
    }
  }
  return winner;
}

/**
 * The elected leader: the most voted candidate once our own vote is added, if it has an
 * absolute majority of all voters (known Sentinels plus us) and at least the quorum.
 */
export function electedLeader(
  counts: Map<string, number>,
  myVote: string | null,
  voters: number,
  quorum: number,
): string | null {
  if (myVote !== null) counts.set(myVote, (counts.get(myVote) ?? 0) + 1);
  const winner = mostVoted(counts);
  if (winner === null) return null;
  const votes = counts.get(winner)!;
  return votes >= Math.floor(voters / 2) + 1 && votes >= quorum ? winner : null;
}

/**
 * Promotion order: lower priority first, then the larger replication offset, then the
 * smaller run id (case-insensitively; an unknown run id sorts last).
 */
export function compareForPromotion(a: Instance, b: Instance): number {
  if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
  if (a.slaveReplOffset !== b.slaveReplOffset) return a.slaveReplOffset > b.slaveReplOffset ? -1 : 1;
  if (a.runId === null || b.runId === null) return a.runId === b.runId ? 0 : a.runId === null ? 1 : -1;
  const left = a.runId.toLowerCase();
  const right = b.runId.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

export interface SelectionPeriods {
  ping: number;
  info: number;
}

/**
 * The best replica to promote, or null. Skipped: replicas down or disconnected, silent for
 * more than five PING periods, with stale INFO, priority 0, or disconnected from the master
 * for much longer than the master has been down (they may hold too little data).
 */
export function selectReplica(master: Instance, now: number, periods: SelectionPeriods): Instance | null {
  let maxMasterDownTime = master.downAfterPeriod * 10;
  if (master.has(Flag.sDown)) maxMasterDownTime += now - master.sDownSince;
  const infoValidity = master.has(Flag.sDown) ? periods.ping * 5 : periods.info * 3;
  const candidates: Instance[] = [];
  for (const replica of master.replicas.values()) {
    if (replica.has(Flag.sDown) || replica.has(Flag.oDown)) continue;
    if (replica.link.disconnected) continue;
    if (now - replica.link.lastAvailTime > periods.ping * 5) continue;
    if (replica.slavePriority === 0) continue;
    if (now - replica.infoRefresh > infoValidity) continue;
    if (replica.masterLinkDownTime > maxMasterDownTime) continue;
    candidates.push(replica);
  }
  candidates.sort(compareForPromotion);
  return candidates[0] ?? null;
}
