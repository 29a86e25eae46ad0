/**
 * The commands a Sentinel answers that a data node answers differently: the SENTINEL family,
 * INFO (server, clients, cpu, stats and sentinel sections), ROLE, and a PUBLISH that only
 * takes hello messages. Everything else (PING, AUTH, HELLO, CLIENT, ACL, COMMAND, SUBSCRIBE,
 * SHUTDOWN) is the data node's own handler, run by the same dispatch.
 */
import type { Client } from '@tsredis/node/server/client';
import type { CommandFamily } from '@tsredis/node/commands/table';
import { infoText } from '@tsredis/node/commands/info';
import { replyHelp } from '@tsredis/node/server/help';
import { globMatch } from '@tsredis/node/keyspace/glob';
import { flushConfigAndReply, masterOrError, NOT_INTEGER, parseLong, sentinelOf } from './command-context.js';
import { Flag, type Instance } from './instance.js';
import { replyInstance, replyInstances } from './instance-reply.js';
import { HELLO_CHANNEL } from './link.js';
import type { Sentinel } from './sentinel.js';
import { sentinelConfig, sentinelDebug, sentinelSet, sentinelSimulateFailure } from './settings-commands.js';
import { InstanceError, releaseInstance } from './state.js';

// ---------------------------------------------------------------------------------------------
// SENTINEL subcommands

const HELP = [
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET <param> <value>',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param>',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    Check if the master specified by ip:port is down from current Sentinel's",
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  "    Remove master from Sentinel's monitor list.",
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
];

function sentinelHelp(client: Client): void {
  replyHelp(client, 'sentinel', HELP);
}

function sentinelMasters(client: Client): void {
  const sentinel = sentinelOf(client);
  replyInstances(client, sentinel, sentinel.state.masters.values());
}

function sentinelMaster(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master !== null) replyInstance(client, sentinel, master, Date.now());
}

function sentinelReplicas(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master !== null) replyInstances(client, sentinel, master.replicas.values());
}

function sentinelSentinels(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master !== null) replyInstances(client, sentinel, master.sentinels.values());
}

function sentinelMyid(client: Client): void {
  client.bulk(sentinelOf(client).myid);
}

function sentinelIsMasterDownByAddr(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const port = parseLong(argv[3]!);
  const epoch = port === null ? null : parseLong(argv[4]!);
  if (port === null || epoch === null) {
    client.error(NOT_INTEGER);
    return;
  }
  let master: Instance | null = null;
  for (const each of sentinel.state.masters.values()) if (each.isAt(argv[2]!) && each.port === port) master = each;
  // In TILT our view is not to be trusted: never "down".
  const down = !sentinel.state.tilt && master !== null && master.has(Flag.sDown) && master.has(Flag.master);
  let leader: string | null = null;
  let leaderEpoch = 0;
  if (master !== null && argv[5]!.toLowerCase() !== '*') {
    const vote = sentinel.failover.voteLeader(master, epoch, argv[5]!);
    leader = vote.leader;
    leaderEpoch = vote.epoch;
  }
  client.arrayLength(3);
  client.integer(down ? 1 : 0);
  client.bulk(leader ?? '*');
  client.integer(leaderEpoch);
}

function sentinelReset(client: Client, argv: string[]): void {
  const pattern = argv[2]!;
  client.integer(sentinelOf(client).resetMatching((name) => globMatch(pattern, name)));
}

function sentinelGetMasterAddrByName(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = sentinel.state.masters.get(argv[2]!);
  if (master === undefined) {
    client.nullArray();
    return;
  }
  const current = sentinel.state.currentMaster(master);
  client.arrayLength(2);
  client.bulk(sentinel.announceAddress(current));
  client.bulk(String(current.port));
}

function sentinelFailover(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master === null) return;
  if (master.has(Flag.failoverInProgress)) {
    client.error('INPROG Failover already in progress');
    return;
  }
  if (sentinel.failover.selectReplica(master) === null) {
    client.error('NOGOODSLAVE No suitable replica to promote');
    return;
  }
  client.server.log.warn(`Executing user requested FAILOVER of '${master.name}'`);
  sentinel.failover.startFailover(master);
  master.flags |= Flag.forceFailover;
  client.ok();
}

/** The script queue: per job its argv, running or scheduled, pid, run-time or run-delay, retry-num. */
function sentinelPendingScripts(client: Client): void {
  const jobs = sentinelOf(client).scripts.jobs;
  const now = Date.now();
  client.arrayLength(jobs.length);
  for (const job of jobs) {
    client.mapLength(5);
    client.bulk('argv');
    client.arrayLength(job.argv.length);
    for (const word of job.argv) client.bulk(word);
    client.bulk('flags');
    client.bulk(job.child !== null ? 'running' : 'scheduled');
    client.bulk('pid');
    client.bulk(String(job.child?.pid ?? 0));
    if (job.child !== null) {
      client.bulk('run-time');
      client.bulk(String(now - job.startTime));
    } else {
      client.bulk('run-delay');
      client.bulk(String(job.startTime === 0 ? 0 : Math.max(0, job.startTime - now)));
    }
    client.bulk('retry-num');
    client.bulk(String(job.retryNum));
  }
}

function sentinelMonitor(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const quorum = parseLong(argv[5]!);
  if (quorum === null) {
    client.error('ERR Invalid quorum');
    return;
  }
  const port = parseLong(argv[4]!);
  if (port === null) {
    client.error('ERR Invalid port');
    return;
  }
  if (quorum <= 0) {
    client.error('ERR Quorum must be 1 or greater.');
    return;
  }
  const state = sentinel.state;
  try {
    state.checkAddress(argv[3]!, 0);
  } catch {
    client.error('ERR Invalid IP address or hostname specified');
    return;
  }
  let master: Instance;
  try {
    master = state.addMaster(argv[2]!, argv[3]!, port, quorum, Date.now());
  } catch (error) {
    if (!(error instanceof InstanceError)) throw error;
    client.error(`ERR ${error.message}`);
    return;
  }
  flushConfigAndReply(client, sentinel);
  sentinel.event('warning', '+monitor', master, `quorum ${master.quorum}`);
}

function sentinelFlushconfig(client: Client): void {
  flushConfigAndReply(client, sentinelOf(client));
}

function sentinelRemove(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master === null) return;
  sentinel.event('warning', '-monitor', master);
  sentinel.state.masters.delete(master.name);
  releaseInstance(master);
  flushConfigAndReply(client, sentinel);
}

function sentinelCkquorum(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master === null) return;
  let usable = 1;
  for (const peer of master.sentinels.values()) if (!peer.has(Flag.sDown) && !peer.has(Flag.oDown)) usable++;
  const voters = master.sentinels.size + 1;
  const noQuorum = usable < master.quorum;
  const noAuthorization = usable < Math.floor(voters / 2) + 1;
  if (!noQuorum && !noAuthorization) {
    client.simple(`OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`);
    return;
  }
  const reasons: string[] = [];
  if (noQuorum) reasons.push('Not enough available Sentinels to reach the specified quorum for this master');
  if (noAuthorization) reasons.push('Not enough available Sentinels to reach the majority and authorize a failover');
  client.error(`NOQUORUM ${usable} usable Sentinels. ${reasons.join('. ')}`);
}

function sentinelInfoCache(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const now = Date.now();
  const all = sentinel.state.masters;
  const masters = argv.length > 2 ? new Map(argv.slice(2).flatMap((name) => (all.has(name) ? [[name, all.get(name)!]] : []))) : all;
  client.arrayLength(masters.size * 2);
  for (const master of masters.values()) {
    client.bulk(master.name);
    client.arrayLength(master.replicas.size + 1);
    for (const instance of [master, ...master.replicas.values()]) {
      client.arrayLength(2);
      // As Redis: the age is 0 for every instance while the master has no INFO yet.
      client.integer(master.infoRefresh !== 0 ? now - instance.infoRefresh : 0);
      if (instance.info === null) client.nullBulk();
      else client.bulk(instance.info);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// INFO, ROLE, PUBLISH

const INFO_SECTIONS = ['server', 'clients', 'cpu', 'stats'];

/** INFO in sentinel mode: only the sections a Sentinel has, plus its own. */
function info(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const asked = argv.slice(1).map((arg) => arg.toLowerCase());
  const everything = asked.length === 0 || asked.some((name) => name === 'all' || name === 'everything' || name === 'default');
  const sections = everything ? INFO_SECTIONS : INFO_SECTIONS.filter((name) => asked.includes(name));
  let text = sections.length === 0 ? '' : infoText(client.server, sections);
  if (everything || asked.includes('sentinel')) {
    if (text.length > 0) text += '\r\n';
    text += sentinelSection(sentinel);
  }
  client.bulk(text);
}

function sentinelSection(sentinel: Sentinel): string {
  const state = sentinel.state;
  const now = Date.now();
  let text =
    '# Sentinel\r\n' +
    `sentinel_masters:${state.masters.size}\r\n` +
    `sentinel_tilt:${state.tilt ? 1 : 0}\r\n` +
    `sentinel_tilt_since_seconds:${state.tilt ? Math.floor((now - state.tiltStartTime) / 1000) : -1}\r\n` +
    `sentinel_running_scripts:${sentinel.scripts.running}\r\n` +
    `sentinel_scripts_queue_length:${sentinel.scripts.jobs.length}\r\n` +
    `sentinel_simulate_failure_flags:${state.simulateFailure}\r\n`;
  let id = 0;
  for (const master of state.masters.values()) {
    const status = master.has(Flag.oDown) ? 'odown' : master.has(Flag.sDown) ? 'sdown' : 'ok';
    text +=
      `master${id++}:name=${master.name},status=${status},address=${sentinel.announceAddress(master)}:${master.port},` +
      `slaves=${master.replicas.size},sentinels=${master.sentinels.size + 1}\r\n`;
  }
  return text;
}

function role(client: Client): void {
  const masters = sentinelOf(client).state.masters;
  client.arrayLength(2);
  client.bulk('sentinel');
  client.arrayLength(masters.size);
  for (const name of masters.keys()) client.bulk(name);
}

/** Peers send us their hello directly; nothing else may be published to a Sentinel. */
function publish(client: Client, argv: string[]): void {
  if (argv[1] !== HELLO_CHANNEL) {
    client.error('ERR Only HELLO messages are accepted by Sentinel instances.');
    return;
  }
  sentinelOf(client).observations.processHello(argv[2]!);
  client.integer(1);
}

export const sentinelCommands: CommandFamily = {
  handlers: {
    'sentinel|ckquorum': sentinelCkquorum,
    'sentinel|config': sentinelConfig,
    'sentinel|debug': sentinelDebug,
    'sentinel|failover': sentinelFailover,
    'sentinel|flushconfig': sentinelFlushconfig,
    'sentinel|get-master-addr-by-name': sentinelGetMasterAddrByName,
    'sentinel|help': sentinelHelp,
    'sentinel|info-cache': sentinelInfoCache,
    'sentinel|is-master-down-by-addr': sentinelIsMasterDownByAddr,
    'sentinel|master': sentinelMaster,
    'sentinel|masters': sentinelMasters,
    'sentinel|monitor': sentinelMonitor,
    'sentinel|myid': sentinelMyid,
    'sentinel|pending-scripts': sentinelPendingScripts,
    'sentinel|remove': sentinelRemove,
    'sentinel|replicas': sentinelReplicas,
    'sentinel|reset': sentinelReset,
    'sentinel|sentinels': sentinelSentinels,
    'sentinel|set': sentinelSet,
    'sentinel|simulate-failure': sentinelSimulateFailure,
    'sentinel|slaves': sentinelReplicas,
    info,
    publish,
    role,
  },
};
