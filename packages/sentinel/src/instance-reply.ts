/**
 * How SENTINEL MASTER, MASTERS, REPLICAS and SENTINELS show an instance: a map of Redis's fields,
 * in its order, every value a bulk string.
 */
import type { Client } from '@tsredis/node/server/client';
import { FAILOVER_STATE_NAMES, Flag, type Instance } from './instance.js';
import type { Sentinel } from './sentinel.js';

const FLAG_NAMES: [Flag, string][] = [
  [Flag.sDown, 's_down'],
  [Flag.oDown, 'o_down'],
  [Flag.master, 'master'],
  [Flag.replica, 'slave'],
  [Flag.sentinel, 'sentinel'],
];
const LATE_FLAG_NAMES: [Flag, string][] = [
  [Flag.masterDown, 'master_down'],
  [Flag.failoverInProgress, 'failover_in_progress'],
  [Flag.promoted, 'promoted'],
  [Flag.reconfSent, 'reconf_sent'],
  [Flag.reconfInprog, 'reconf_inprog'],
  [Flag.reconfDone, 'reconf_done'],
  [Flag.forceFailover, 'force_failover'],
  [Flag.scriptKillSent, 'script_kill_sent'],
];

export function flagsText(instance: Instance): string {
  const names: string[] = [];
  for (const [flag, name] of FLAG_NAMES) if (instance.has(flag)) names.push(name);
  if (instance.link.disconnected) names.push('disconnected');
  for (const [flag, name] of LATE_FLAG_NAMES) if (instance.has(flag)) names.push(name);
  return names.join(',');
}

/** The fields SENTINEL MASTER/REPLICAS/SENTINELS print for an instance, in Redis's order. */
export function instanceFields(sentinel: Sentinel, instance: Instance, now: number): [string, string | number][] {
  const link = instance.link;
  const fields: [string, string | number][] = [
    ['name', instance.name],
    ['ip', sentinel.announceAddress(instance)],
    ['port', instance.port],
    ['runid', instance.runId ?? ''],
    ['flags', flagsText(instance)],
    ['link-pending-commands', link.pendingCommands],
    ['link-refcount', 1],
  ];
  if (instance.has(Flag.failoverInProgress)) fields.push(['failover-state', FAILOVER_STATE_NAMES[instance.failoverState]]);
  fields.push(
    ['last-ping-sent', link.actPingTime !== 0 ? now - link.actPingTime : 0],
    ['last-ok-ping-reply', now - link.lastAvailTime],
    ['last-ping-reply', now - link.lastPongTime],
  );
  if (instance.has(Flag.sDown)) fields.push(['s-down-time', now - instance.sDownSince]);
  if (instance.has(Flag.oDown)) fields.push(['o-down-time', now - instance.oDownSince]);
  fields.push(['down-after-milliseconds', instance.downAfterPeriod]);
  if (instance.has(Flag.master) || instance.has(Flag.replica)) {
    fields.push(
      ['info-refresh', instance.infoRefresh !== 0 ? now - instance.infoRefresh : 0],
      ['role-reported', instance.roleReported === Flag.master ? 'master' : 'slave'],
      ['role-reported-time', now - instance.roleReportedTime],
    );
  }
  if (instance.has(Flag.master)) {
    fields.push(
      ['config-epoch', instance.configEpoch],
      ['num-slaves', instance.replicas.size],
      ['num-other-sentinels', instance.sentinels.size],
      ['quorum', instance.quorum],
      ['failover-timeout', instance.failoverTimeout],
      ['parallel-syncs', instance.parallelSyncs],
    );
    if (instance.notificationScript !== null) fields.push(['notification-script', instance.notificationScript]);
    if (instance.clientReconfigScript !== null) fields.push(['client-reconfig-script', instance.clientReconfigScript]);
  }
  if (instance.has(Flag.replica)) {
    fields.push(
      ['master-link-down-time', instance.masterLinkDownTime],
      ['master-link-status', instance.slaveMasterLinkUp ? 'ok' : 'err'],
      ['master-host', instance.slaveMasterHost ?? '?'],
      ['master-port', instance.slaveMasterPort],
      ['slave-priority', instance.slavePriority],
      ['slave-repl-offset', instance.slaveReplOffset],
      ['replica-announced', instance.replicaAnnounced],
    );
  }
  if (instance.has(Flag.sentinel)) {
    fields.push(
      ['last-hello-message', now - instance.lastHelloTime],
      ['voted-leader', instance.leader ?? '?'],
      ['voted-leader-epoch', instance.leaderEpoch],
    );
  }
  return fields;
}

export function replyInstance(client: Client, sentinel: Sentinel, instance: Instance, now: number): void {
  const fields = instanceFields(sentinel, instance, now);
  client.mapLength(fields.length);
  // Redis sends every value as a bulk string, numbers included.
  for (const [name, value] of fields) {
    client.bulk(name);
    client.bulk(String(value));
  }
}

export function replyInstances(client: Client, sentinel: Sentinel, instances: Iterable<Instance>): void {
  // Replicas that asked not to be announced (replica-announced no) are left out.
  const shown = [...instances].filter((instance) => !instance.has(Flag.replica) || instance.replicaAnnounced !== 0);
  const now = Date.now();
  client.arrayLength(shown.length);
  for (const instance of shown) replyInstance(client, sentinel, instance, now);
}
