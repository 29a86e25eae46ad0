import { keySlot } from '../slots.js';
import type { ClusterView, SlotNode } from './view.js';

/** Where a request goes (Redis's CLUSTER_REDIR_* codes, with Serve for "myself"). */
export const Route = {
  /** Run it here. */
  Serve: 0,
  Moved: 1,
  Ask: 2,
  /** Several keys of a slot being migrated or imported, not all of them here. */
  TryAgain: 3,
  CrossSlot: 4,
  /** The slot of the first key is not assigned to any node. */
  DownUnbound: 5,
  DownState: 6,
  /** The cluster is down, reads are allowed when down, and this command writes. */
  DownReadOnly: 7,
} as const;
export type Route = (typeof Route)[keyof typeof Route];

/**
 * One request as routing sees it. Node fills one of these per server and reuses it, so routing
 * a command allocates nothing beyond its key list.
 */
export interface RoutingRequest {
  /** The keys (or shard channels) of the command — of every queued command for EXEC — in order. */
  keys: readonly string[];
  /** The command itself has the write flag (only this decides the read-only-when-down refusal). */
  writeCommand: boolean;
  /** It writes, counting the commands an EXEC runs (decides whether a replica may serve it). */
  writes: boolean;
  /** The client sent ASKING, or the command implies it (RESTORE-ASKING). */
  asking: boolean;
  /** The client sent READONLY. */
  readonlyClient: boolean;
  /** SSUBSCRIBE, SUNSUBSCRIBE or SPUBLISH: keys are shard channels, never looked up. */
  pubsubShard: boolean;
  /** MIGRATE: served here while its slot is open in either direction. */
  migrate: boolean;
  allowReadsWhenDown: boolean;
  allowPubsubShardWhenDown: boolean;
  /** Whether the key exists in this node's dataset (asked only while its slot is open). */
  exists(key: string): boolean;
}

/** The answer; reused by the caller like the request. */
export interface RoutingDecision {
  route: Route;
  /** The slot of the keys (the one a MOVED or ASK names); -1 when the request has no key. */
  slot: number;
  /** The node a MOVED or ASK names, or null. */
  node: SlotNode | null;
}

/** A request for a plain read by a client without ASKING/READONLY, with Redis's defaults for the -when-down options. */
export function newRoutingRequest(keys: readonly string[], exists: (key: string) => boolean): RoutingRequest {
  return {
    keys,
    writeCommand: false,
    writes: false,
    asking: false,
    readonlyClient: false,
    pubsubShard: false,
    migrate: false,
    allowReadsWhenDown: false,
    allowPubsubShardWhenDown: true,
    exists,
  };
}

export function newRoutingDecision(): RoutingDecision {
  return { route: Route.Serve, slot: -1, node: null };
}

/**
 * Decides where a request with keys is served, as Redis's getNodeByQuery does: every key must hash
 * to one slot; a slot served elsewhere is a MOVED; while this node migrates the slot away, missing
 * keys are an ASK (all missing) or TRYAGAIN (some missing); an importing node serves ASKING clients;
 * a replica serves READONLY clients' reads (and shard pub/sub) for its master's slots.
 */
export function route(view: ClusterView, request: RoutingRequest, decision: RoutingDecision): RoutingDecision {
  decision.route = Route.Serve;
  decision.slot = -1;
  decision.node = null;
  const keys = request.keys;
  if (keys.length === 0) return decision;
  const myself = view.myself;
  const firstKey = keys[0]!;
  const slot = keySlot(firstKey);
  const owner = view.ownerOf(slot);
  if (owner === null) {
    decision.route = Route.DownUnbound;
    return decision;
  }
  const migrating = owner === myself && view.migratingTo(slot) !== null;
  const importing = !migrating && view.importingFrom(slot) !== null;
  const countKeys = (migrating || importing) && !request.pubsubShard;
  let multipleKeys = false;
  let missing = 0;
  let present = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0 && key !== firstKey) {
      if (keySlot(key) !== slot) {
        decision.route = Route.CrossSlot;
        return decision;
      }
      multipleKeys = true;
    }
    if (countKeys) {
      if (request.exists(key)) present++;
      else missing++;
    }
  }
  if (!view.stateOk) {
    if (request.pubsubShard ? !request.allowPubsubShardWhenDown : !request.allowReadsWhenDown) {
      decision.route = Route.DownState;
      return decision;
    }
    if (!request.pubsubShard && request.writeCommand) {
      decision.route = Route.DownReadOnly;
      return decision;
    }
  }
  decision.slot = slot;
  if ((migrating || importing) && request.migrate) return decision;
  if (migrating && missing > 0) {
    if (present > 0) decision.route = Route.TryAgain;
    else {
      decision.route = Route.Ask;
      decision.node = view.migratingTo(slot);
    }
    return decision;
  }
  if (importing && request.asking) {
    if (multipleKeys && missing > 0) decision.route = Route.TryAgain;
    return decision;
  }
  if ((request.readonlyClient || request.pubsubShard) && !request.writes && !isMaster(myself) && myself.master === owner) {
    return decision;
  }
  if (owner !== myself) {
    decision.route = Route.Moved;
    decision.node = owner;
  }
  return decision;
}

function isMaster(node: SlotNode): boolean {
  return node.master === null;
}

/**
 * The error line (without '-') for a decision other than Serve, in Redis's words. `tls`: the
 * client is connected over TLS (the redirect names the port it can reach).
 */
export function redirectError(decision: RoutingDecision, tls: boolean): string {
  switch (decision.route) {
    case Route.CrossSlot:
      return "CROSSSLOT Keys in request don't hash to the same slot";
    case Route.TryAgain:
      return 'TRYAGAIN Multiple keys request during rehashing of slot';
    case Route.DownState:
      return 'CLUSTERDOWN The cluster is down';
    case Route.DownReadOnly:
      return 'CLUSTERDOWN The cluster is down and only accepts read commands';
    case Route.DownUnbound:
      return 'CLUSTERDOWN Hash slot not served';
    case Route.Moved:
    case Route.Ask:
      return `${decision.route === Route.Ask ? 'ASK' : 'MOVED'} ${decision.slot} ${decision.node!.redirectEndpoint(tls)}`;
    case Route.Serve:
      throw new Error('redirectError called for a request served here');
  }
}
