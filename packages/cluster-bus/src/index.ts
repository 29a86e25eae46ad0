export { SLOT_COUNT, hashTag, crc16, keySlot } from './slots.js';
export type {
  MasterClient, RdbWrite, ReplicaPeer, ReplicationCheckpoint, ReplicationConfig, ReplicationHost, ReplicationLog,
} from './ports.js';
export { ReplicationBacklog } from './replication/backlog.js';
export { encodeCommand, StreamReader } from './replication/resp.js';
export { Replication, type InfoField, type ReplicaInfoSettings, type RoleReply } from './replication/replication.js';
export { parseLong, type Replicas } from './replication/replicas.js';
