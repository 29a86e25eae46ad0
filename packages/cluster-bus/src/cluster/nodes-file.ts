/**
 * The CLUSTER NODES line format, which is also nodes.conf's (clusterGenNodeDescription and
 * clusterLoadConfig): `<id> <ip>:<port>@<cport>[,<hostname>] <flags> <master|-> <ping-sent>
 * <pong-received> <config-epoch> <connected|disconnected> <slot ranges...> [open slots]`, and in
 * the file a final `vars currentEpoch N lastVoteEpoch N` line. Pure: no cluster state here.
 */
import { FLAG_NAMES, NodeFlag, isNodeId } from './node.js';

export interface NodeLine {
  id: string;
  ip: string;
  port: number;
  cport: number;
  hostname: string;
  flags: number;
  /** The master's id, or '' for none. */
  master: string;
  pingSent: number;
  pongReceived: number;
  configEpoch: number;
  connected: boolean;
  /** Inclusive [start, end] ranges, ascending. */
  slots: [number, number][];
  /** Only on myself's line: slots being migrated to / imported from another node. */
  migrating: [number, string][];
  importing: [number, string][];
}

export function formatFlags(flags: number): string {
  const names: string[] = [];
  for (const [flag, name] of FLAG_NAMES) if ((flags & flag) !== 0) names.push(name);
  return names.length === 0 ? 'noflags' : names.join(',');
}

export function formatNodeLine(line: NodeLine): string {
  const address = `${line.ip}:${line.port}@${line.cport}${line.hostname !== '' ? `,${line.hostname}` : ''}`;
  let text = `${line.id} ${address} ${formatFlags(line.flags)} ${line.master || '-'} ${line.pingSent} ${line.pongReceived} ${line.configEpoch} ${line.connected ? 'connected' : 'disconnected'}`;
  for (const [start, end] of line.slots) text += start === end ? ` ${start}` : ` ${start}-${end}`;
  // Redis lists each open slot once, migrating taking precedence over importing.
  const open = new Map<number, string>();
  for (const [slot, id] of line.importing) open.set(slot, ` [${slot}-<-${id}]`);
  for (const [slot, id] of line.migrating) open.set(slot, ` [${slot}->-${id}]`);
  for (const slot of [...open.keys()].sort((a, b) => a - b)) text += open.get(slot)!;
  return text;
}

export interface NodesFile {
  nodes: NodeLine[];
  currentEpoch: number;
  lastVoteEpoch: number;
}

export class NodesFileError extends Error {}

/** Parses nodes.conf text; throws NodesFileError where Redis reports a corrupted file. */
export function parseNodesFile(text: string): NodesFile {
  const result: NodesFile = { nodes: [], currentEpoch: 0, lastVoteEpoch: 0 };
  for (const raw of text.split('\n')) {
    const words = raw.trim().split(/\s+/).filter((word) => word !== '');
    if (words.length === 0) continue;
    if (words[0]!.toLowerCase() === 'vars') {
      if (words.length % 2 === 0) throw new NodesFileError('vars line with an odd number of words');
      for (let i = 1; i < words.length; i += 2) {
        const name = words[i]!.toLowerCase();
        const value = Number.parseInt(words[i + 1]!, 10) || 0;
        if (name === 'currentepoch') result.currentEpoch = value;
        else if (name === 'lastvoteepoch') result.lastVoteEpoch = value;
      }
      continue;
    }
    result.nodes.push(parseNodeLine(words));
  }
  if (!result.nodes.some((node) => (node.flags & NodeFlag.Myself) !== 0)) throw new NodesFileError('no myself line');
  return result;
}

function parseNodeLine(words: string[]): NodeLine {
  if (words.length < 8) throw new NodesFileError('a node line has fewer than 8 fields');
  const id = words[0]!;
  if (!isNodeId(id)) throw new NodesFileError(`invalid node id ${id}`);
  let address = words[1]!;
  let hostname = '';
  const comma = address.indexOf(',');
  if (comma !== -1) {
    hostname = address.slice(comma + 1);
    address = address.slice(0, comma);
  }
  const colon = address.lastIndexOf(':');
  if (colon === -1) throw new NodesFileError(`invalid address ${words[1]}`);
  const ports = address.slice(colon + 1);
  const at = ports.indexOf('@');
  const port = Number.parseInt(at === -1 ? ports : ports.slice(0, at), 10) || 0;
  // Files written before the bus port was recorded imply port + 10000.
  const cport = at === -1 ? port + 10000 : Number.parseInt(ports.slice(at + 1), 10) || 0;
  const line: NodeLine = {
    id,
    ip: address.slice(0, colon),
    port,
    cport,
    hostname,
    flags: parseFlags(words[2]!),
    master: words[3] === '-' ? '' : words[3]!,
    pingSent: Number.parseInt(words[4]!, 10) || 0,
    pongReceived: Number.parseInt(words[5]!, 10) || 0,
    configEpoch: Number.parseInt(words[6]!, 10) || 0,
    connected: words[7] === 'connected',
    slots: [],
    migrating: [],
    importing: [],
  };
  if (line.master !== '' && !isNodeId(line.master)) throw new NodesFileError(`invalid master id ${line.master}`);
  for (const word of words.slice(8)) parseSlotWord(word, line);
  return line;
}

function parseFlags(text: string): number {
  let flags = 0;
  for (const name of text.toLowerCase().split(',')) {
    if (name === 'noflags') continue;
    const entry = FLAG_NAMES.find(([, flagName]) => flagName === name);
    if (entry === undefined) throw new NodesFileError(`Unknown flag in redis cluster config file: ${name}`);
    flags |= entry[0];
  }
  return flags;
}

function parseSlotWord(word: string, line: NodeLine): void {
  if (word.startsWith('[')) {
    const match = /^\[(\d+)-([<>])-([a-z0-9]{40})\]$/.exec(word);
    if (match === null) throw new NodesFileError(`invalid open slot ${word}`);
    const slot = Number(match[1]);
    checkSlot(slot);
    (match[2] === '>' ? line.migrating : line.importing).push([slot, match[3]!]);
    return;
  }
  const dash = word.indexOf('-');
  const start = Number.parseInt(dash === -1 ? word : word.slice(0, dash), 10);
  const end = dash === -1 ? start : Number.parseInt(word.slice(dash + 1), 10);
  checkSlot(start);
  checkSlot(end);
  line.slots.push([start, end]);
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= 16384) throw new NodesFileError(`slot out of range: ${slot}`);
}
