export { SLOT_COUNT, hashTag, crc16, keySlot } from './slots.js';
export type {
  MasterClient, RdbWrite, ReplicaPeer, ReplicationCheckpoint, ReplicationConfig, ReplicationHost, ReplicationLog,
} from './ports.js';
export { ReplicationBacklog } from './replication/backlog.js';
export { encodeCommand, StreamReader } from './replication/resp.js';
export { FailoverState, type FailoverRequest } from './replication/failover.js';
export { Replication, type InfoField, type ReplicaInfoSettings, type RoleReply } from './replication/replication.js';
export { parseLong, type Replicas } from './replication/replicas.js';
export type { ClusterView, SlotNode } from './cluster/view.js';
export { Route, route, redirectError, newRoutingDecision, newRoutingRequest, type RoutingDecision, type RoutingRequest } from './cluster/routing.js';
export type { ClusterConfig, ClusterHost } from './ports.js';
export { Cluster, type ClusterOptions } from './cluster/state.js';
export type { FailoverMode } from './cluster/election.js';
export {
  clusterInfo, describeNode, describeNodes, linkDescriptions, replicaAvailable, slotOwnerRanges, slotRanges,
  type LinkDescription, type SlotRange,
} from './cluster/describe.js';
export { ClusterNode } from './cluster/node.js';
