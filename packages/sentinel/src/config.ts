/**
 * `sentinel ...` lines of sentinel.conf (and `--sentinel ...` options), applied as Redis does:
 * queued while the file is read, then the global options first, the `monitor` lines next and
 * everything that names a master last, so their order in the file does not matter.
 */
import { splitInlineArgs } from '@tsredis/node/protocol/parser';
import { ConfigFileError } from '@tsredis/node/server/config-file';
import { atoi } from './hello.js';
import { assignScript } from './scripts.js';
import type { Instance } from './instance.js';
import { InstanceError, type SentinelState } from './state.js';

export interface SentinelLine {
  /** The words after `sentinel`. */
  args: string[];
  lineNumber: number;
  line: string;
}

/** Splits config text into the data node's lines and the queued `sentinel` lines. */
export function splitSentinelLines(text: string): { rest: string; sentinel: SentinelLine[] } {
  const sentinel: SentinelLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const words = line.startsWith('#') ? null : splitInlineArgs(line);
    if (words === null || words.length === 0 || words[0]!.toLowerCase() !== 'sentinel') continue;
    // A bare `sentinel` (the --sentinel flag) only selects the mode.
    if (words.length > 1) sentinel.push({ args: words.slice(1), lineNumber: i + 1, line });
    lines[i] = '';
  }
  return { rest: lines.join('\n'), sentinel };
}

/** Options applied before any `monitor` line. */
const PRE_MONITOR = new Set([
  'announce-ip', 'announce-port', 'deny-scripts-reconfig', 'sentinel-user', 'sentinel-pass', 'current-epoch', 'myid',
  'resolve-hostnames', 'announce-hostnames',
]);

/** Applies the queued lines; a bad one throws Redis's fatal config error for it. */
export function applySentinelConfig(state: SentinelState, lines: readonly SentinelLine[], now: number): void {
  const phase = (entry: SentinelLine) => {
    const name = entry.args[0]!.toLowerCase();
    return name === 'monitor' ? 1 : PRE_MONITOR.has(name) ? 0 : 2;
  };
  const ordered = [...lines].sort((a, b) => phase(a) - phase(b));
  for (const entry of ordered) {
    const error = applySentinelDirective(state, entry.args, now);
    if (error !== null) throw new ConfigFileError(error, entry.lineNumber, entry.line);
  }
}

/** One `sentinel` directive; returns Redis's error text, or null when applied. */
export function applySentinelDirective(state: SentinelState, argv: readonly string[], now: number): string | null {
  const name = argv[0]!.toLowerCase();
  const argc = argv.length;
  try {
    if (name === 'monitor' && argc === 5) {
      const quorum = atoi(argv[4]!);
      if (quorum <= 0) return 'Quorum must be 1 or greater.';
      state.addMaster(argv[1]!, argv[2]!, atoi(argv[3]!), quorum, now);
      return null;
    }
    const master = argc >= 2 ? state.masters.get(argv[1]!) : undefined;
    const noMaster = 'No such master with specified name.';
    switch (argc === 3 || argc === 4 || argc === 5 ? name : '') {
      case 'down-after-milliseconds':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.downAfterPeriod = atoi(argv[2]!);
        if (master.downAfterPeriod <= 0) return 'negative or zero time parameter.';
        propagateDownAfterPeriod(master);
        return null;
      case 'failover-timeout':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.failoverTimeout = atoi(argv[2]!);
        return master.failoverTimeout <= 0 ? 'negative or zero time parameter.' : null;
      case 'parallel-syncs':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.parallelSyncs = atoi(argv[2]!);
        return null;
      case 'notification-script':
      case 'client-reconfig-script': {
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        const problem = assignScript(master, name, argv[2]!);
        return problem === null ? null : `${problem}.`;
      }
      case 'auth-pass':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.authPass = argv[2]!;
        return null;
      case 'auth-user':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.authUser = argv[2]!;
        return null;
      case 'config-epoch':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.configEpoch = atoi(argv[2]!);
        // Redundant with current-epoch, but a config epoch is never ahead of it.
        if (master.configEpoch > state.currentEpoch) state.currentEpoch = master.configEpoch;
        return null;
      case 'leader-epoch':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.leaderEpoch = atoi(argv[2]!);
        return null;
      case 'known-slave':
      case 'known-replica':
        if (argc !== 4) break;
        if (master === undefined) return noMaster;
        state.addReplica(master, argv[2]!, atoi(argv[3]!), now);
        return null;
      case 'known-sentinel':
        if (argc !== 4 && argc !== 5) break;
        // The old form without a run id is accepted and ignored.
        if (argc === 4) return null;
        if (master === undefined) return noMaster;
        state.addSentinel(master, argv[4]!, argv[2]!, atoi(argv[3]!), now);
        return null;
      case 'rename-command':
        if (argc !== 4) break;
        if (master === undefined) return noMaster;
        if (master.renamedCommands.has(argv[2]!.toLowerCase())) return 'Same command renamed multiple times with rename-command.';
        master.renamedCommands.set(argv[2]!.toLowerCase(), argv[3]!);
        return null;
      case 'master-reboot-down-after-period':
        if (argc !== 3) break;
        if (master === undefined) return noMaster;
        master.masterRebootDownAfterPeriod = atoi(argv[2]!);
        return master.masterRebootDownAfterPeriod < 0 ? 'negative time parameter.' : null;
    }
    if (argc === 2) return applyGlobal(state, name, argv[1]!);
  } catch (error) {
    if (error instanceof InstanceError) return error.message;
    throw error;
  }
  return 'Unrecognized sentinel configuration statement.';
}

function applyGlobal(state: SentinelState, name: string, value: string): string | null {
  switch (name) {
    case 'current-epoch': {
      const epoch = atoi(value);
      if (epoch > state.currentEpoch) state.currentEpoch = epoch;
      return null;
    }
    case 'myid':
      if (value.length !== 40) return 'Malformed Sentinel id in myid option.';
      state.myid = value;
      return null;
    case 'announce-ip':
      if (value.length > 0) state.announceIp = value;
      return null;
    case 'announce-port':
      state.announcePort = atoi(value);
      return null;
    case 'deny-scripts-reconfig':
      return setYesNo(value, (on) => (state.denyScriptsReconfig = on), 'Please specify yes or no for the deny-scripts-reconfig options.');
    case 'sentinel-user':
      if (value.length > 0) state.sentinelUser = value;
      return null;
    case 'sentinel-pass':
      if (value.length > 0) state.sentinelPass = value;
      return null;
    case 'resolve-hostnames':
      return setYesNo(value, (on) => (state.resolveHostnames = on), 'Please specify yes or no for the resolve-hostnames option.');
    case 'announce-hostnames':
      return setYesNo(value, (on) => (state.announceHostnames = on), 'Please specify yes or no for the announce-hostnames option.');
  }
  return 'Unrecognized sentinel configuration statement.';
}

/** Redis's yesnotoi: "yes"/"no" in any case, anything else is an error. */
export function yesNo(value: string): boolean | null {
  const lower = value.toLowerCase();
  return lower === 'yes' ? true : lower === 'no' ? false : null;
}

function setYesNo(value: string, set: (on: boolean) => void, error: string): string | null {
  const on = yesNo(value);
  if (on === null) return error;
  set(on);
  return null;
}

/** A master's down-after-milliseconds also applies to its replicas and Sentinels. */
export function propagateDownAfterPeriod(master: Instance): void {
  for (const replica of master.replicas.values()) replica.downAfterPeriod = master.downAfterPeriod;
  for (const sentinel of master.sentinels.values()) sentinel.downAfterPeriod = master.downAfterPeriod;
}
