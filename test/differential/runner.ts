import { CLOSED, RawClient, encodeCommand, sortedReply } from '../helpers/raw.js';
import { EpisodeRunner, TIMEOUT, replyOrTimeout } from './episode.js';
import { findException } from './exceptions.js';
import { generateCommands, type Check, type Family, type GeneratedCommand } from './generator.js';

/**
 * Runs a seeded stream of commands against the reference (real redis-server) and the subject
 * (tsredis), both fresh and private to the run (the run FLUSHALLs them), and compares the raw
 * reply bytes of every command.
 */

export interface RunOptions {
  seed: number;
  count: number;
  resp: 2 | 3;
  families: readonly Family[];
  referencePort: number;
  subjectPort: number;
  /** Commands pipelined per round trip. */
  batch?: number;
}

export interface Difference {
  seed: number;
  resp: 2 | 3;
  index: number;
  family: Family | 'setup';
  args: string[];
  /** Raw reply of the real redis-server. */
  expected: string;
  /** Raw reply of tsredis. */
  actual: string;
  /** The listed exception's reason when the difference is intentional. */
  excepted?: string;
}

export interface RunResult {
  options: RunOptions;
  commands: GeneratedCommand[];
  /** Differences not covered by a listed exception, in command order. */
  differences: Difference[];
  excepted: Difference[];
  perFamily: Map<Family | 'setup', { commands: number; differences: number }>;
  /** Commands skipped because tsredis lacks them (name → how many), see missingOnSubject. */
  skipped: Map<string, number>;
  /** Set when the run stopped early (a server closed the connection or hung). */
  aborted: string | null;
}

/** Tolerance for replies that depend on when the command ran (TTL in s, PTTL in ms). */
const TOLERANCE: Record<string, number> = { ttl: 1, expiretime: 1, pttl: 250, pexpiretime: 250 };

/** Whether two raw replies count as the same under the command's check. */
export function sameReply(check: Check, command: string, expected: string, actual: string): boolean {
  if (expected === actual) return true;
  if (check === 'sorted') return sortedReply(expected) === sortedReply(actual);
  if (check === 'ttl') {
    const a = /^:(\d+)\r\n$/.exec(expected);
    const b = /^:(\d+)\r\n$/.exec(actual);
    return a !== null && b !== null && Math.abs(Number(a[1]) - Number(b[1])) <= (TOLERANCE[command.toLowerCase()] ?? 0);
  }
  return false;
}

/** A pair of raw connections, one to each server, driven in lockstep. */
export class ServerPair {
  private constructor(readonly reference: RawClient, readonly subject: RawClient) {}

  static async open(referencePort: number, subjectPort: number): Promise<ServerPair> {
    return new ServerPair(await RawClient.connect(referencePort), await RawClient.connect(subjectPort));
  }

  /** Sends the same commands to both and returns both replies for each, in order. */
  async run(commands: readonly string[][]): Promise<Array<[string, string]>> {
    const payload = commands.map(encodeCommand).join('');
    this.reference.send(payload);
    this.subject.send(payload);
    const replies: Array<[string, string]> = [];
    for (let i = 0; i < commands.length; i++) {
      const [expected, actual] = await Promise.all([replyOrTimeout(this.reference), replyOrTimeout(this.subject)]);
      replies.push([expected, actual]);
      if (expected === CLOSED || actual === CLOSED || expected === TIMEOUT || actual === TIMEOUT) break;
    }
    return replies;
  }

  /** Empties every database and selects db 0 on both (the generator may SELECT or MOVE). */
  async reset(): Promise<Array<[string, string]>> {
    return this.run(RESET);
  }

  close(): void {
    this.reference.destroy();
    this.subject.destroy();
  }
}

const RESET = [['FLUSHALL'], ['SELECT', '0']];

/**
 * Commands of the 'wrongtype' family (they only create non-string keys) that tsredis does not
 * have yet: they are skipped on both servers, so the stream of a seed never changes.
 */
async function missingOnSubject(pair: ServerPair, commands: readonly GeneratedCommand[]): Promise<string[]> {
  const names = [...new Set(commands.filter((c) => c.family === 'wrongtype').map((c) => c.args[0]!.toLowerCase()))];
  const missing: string[] = [];
  for (const name of names) {
    const [[, actual] = ['', '']] = await pair.run([[name]]);
    if (actual.startsWith('-ERR unknown command')) missing.push(name);
  }
  return missing;
}

function skip(result: RunResult, command: GeneratedCommand): boolean {
  if (command.family !== 'wrongtype') return false;
  const name = command.args[0]!.toLowerCase();
  const skipped = result.skipped.get(name);
  if (skipped === undefined) return false;
  result.skipped.set(name, skipped + 1);
  return true;
}

/**
 * The stream cut into what runs together: up to `batch` pipelined commands of the main
 * connection, or one blocking episode (its commands share `episode.id`).
 */
function* segments(commands: readonly GeneratedCommand[], batch: number): Generator<GeneratedCommand[]> {
  let current: GeneratedCommand[] = [];
  for (const command of commands) {
    const boundary = current.length > 0 && (current.length >= batch || current[0]!.episode?.id !== command.episode?.id);
    if (boundary) {
      yield current;
      current = [];
    }
    current.push(command);
  }
  if (current.length > 0) yield current;
}

function isLost(reply: string): boolean {
  return reply === CLOSED || reply === TIMEOUT;
}

/** Compares one command's replies and records a difference (or an excepted one) in `result`. */
function compare(result: RunResult, command: GeneratedCommand, expected: string, actual: string): void {
  const { seed, resp } = result.options;
  const stats = result.perFamily.get(command.family) ?? { commands: 0, differences: 0 };
  stats.commands++;
  result.perFamily.set(command.family, stats);
  if (isLost(expected) && isLost(actual)) {
    // Neither answered (a command that waits longer than the runner): the replies after it
    // would pair with the wrong commands, so the run stops here.
    result.aborted = `neither server replied within 10 s (or both closed the connection) at command ${command.index}: ${commandLine(command.args)}`;
    return;
  }
  if (sameReply(command.check, command.args[0]!, expected, actual)) return;
  const difference: Difference = { seed, resp, index: command.index, family: command.family, args: command.args, expected, actual };
  const exception = findException(commandLine(command.args), actual, expected);
  if (exception !== undefined) {
    result.excepted.push({ ...difference, excepted: exception.reason });
    return;
  }
  result.differences.push(difference);
  stats.differences++;
  if (isLost(expected) || isLost(actual)) {
    result.aborted = `${actual === CLOSED || actual === TIMEOUT ? 'tsredis' : 'redis-server'} gave ${actual === CLOSED || expected === CLOSED ? 'no reply (connection closed)' : 'no reply within 10 s'} at command ${command.index}`;
  }
}

export async function runDifferential(options: RunOptions): Promise<RunResult> {
  const { seed, resp, count, families } = options;
  const batch = options.batch ?? 64;
  const commands = generateCommands(seed, count, families);
  const result: RunResult = { options, commands, differences: [], excepted: [], perFamily: new Map(), skipped: new Map(), aborted: null };
  const pair = await ServerPair.open(options.referencePort, options.subjectPort);
  let episodes: EpisodeRunner | undefined;
  try {
    const setup: string[][] = resp === 3 ? [['HELLO', '3']] : [];
    const setupReplies = await pair.run(setup);
    // HELLO's reply carries the client id, which differs: only its failure counts.
    for (const [i, [expected, actual]] of setupReplies.entries()) {
      if (expected.startsWith('-') !== actual.startsWith('-')) {
        result.differences.push({ seed, resp, index: -1, family: 'setup', args: setup[i]!, expected, actual });
      }
    }
    for (const [i, [expected, actual]] of (await pair.reset()).entries()) {
      if (expected !== actual) result.differences.push({ seed, resp, index: -1, family: 'setup', args: RESET[i]!, expected, actual });
    }
    const missing = await missingOnSubject(pair, commands);
    for (const name of missing) result.skipped.set(name, 0);
    for (const segment of segments(commands, batch)) {
      if (result.aborted !== null) break;
      const slice = segment.filter((c) => !skip(result, c));
      let replies: Array<[string, string]>;
      if (slice[0]?.episode !== undefined) {
        episodes ??= await EpisodeRunner.open(options.referencePort, options.subjectPort, resp);
        replies = await episodes.run(slice);
      } else {
        replies = await pair.run(slice.map((c) => c.args));
      }
      for (const [offset, [expected, actual]] of replies.entries()) compare(result, slice[offset]!, expected, actual);
    }
  } finally {
    pair.close();
    episodes?.close();
  }
  return result;
}

/** A blocking episode's commands, each line led by its connection (B1, B2 block; W writes). */
export function episodeLines(result: RunResult, index: number): string[] {
  const id = result.commands[index]?.episode?.id;
  return result.commands.filter((c) => id !== undefined && c.episode?.id === id).map((c) => `${c.episode!.on}: ${commandLine(c.args)}${c.episode!.unblock ? `   (then CLIENT UNBLOCK ${c.episode!.unblock})` : ''}`);
}

/**
 * Shrinks the commands before a difference to a minimal list that still makes the last
 * command differ (delta debugging over a fresh FLUSHALL each replay). Returns the full repro,
 * the differing command last.
 */
export async function minimize(result: RunResult, index: number): Promise<string[][]> {
  const options = result.options;
  const target = result.commands[index]!;
  // Episodes need their extra connections: a repro replays the main connection's commands only.
  const sent = result.commands.slice(0, index).filter((c) => c.episode === undefined && (c.family !== 'wrongtype' || !result.skipped.has(c.args[0]!.toLowerCase())));
  const pair = await ServerPair.open(options.referencePort, options.subjectPort);
  try {
    if (options.resp === 3) await pair.run([['HELLO', '3']]);
    const reproduces = async (prefix: readonly GeneratedCommand[]): Promise<boolean> => {
      await pair.reset();
      const replies = await pair.run([...prefix, target].map((c) => c.args));
      const last = replies[prefix.length];
      return last !== undefined && !sameReply(target.check, target.args[0]!, last[0], last[1]);
    };
    let kept = sent;
    if (await reproduces([])) return [target.args];
    if (!(await reproduces(kept))) return [...kept, target].map((c) => c.args);
    let parts = 2;
    while (kept.length > 0) {
      const size = Math.ceil(kept.length / parts);
      let reduced = false;
      for (let start = 0; start < kept.length; start += size) {
        const candidate = [...kept.slice(0, start), ...kept.slice(start + size)];
        if (await reproduces(candidate)) {
          kept = candidate;
          parts = Math.max(parts - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (parts >= kept.length) break;
        parts = Math.min(kept.length, parts * 2);
      }
    }
    return [...kept, target].map((c) => c.args);
  } finally {
    pair.close();
  }
}

/** A command as one line that both redis-cli and rediff read back to the same bytes. */
export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_{}*?[\]:.+|-]+$/.test(arg)) return arg;
  let out = '"';
  for (let i = 0; i < arg.length; i++) {
    const code = arg.charCodeAt(i);
    out += code < 32 || code > 126 || code === 34 || code === 92 || code === 39 ? `\\x${code.toString(16).padStart(2, '0')}` : arg[i];
  }
  return `${out}"`;
}

/** A reply printed on one line with its bytes visible. */
export function showReply(reply: string): string {
  const shown = reply.length > 300 ? `${reply.slice(0, 300)}… (${reply.length} bytes)` : reply;
  return JSON.stringify(shown);
}

/** The human report: totals per family, then the first `show` differences with repro hints. */
export function formatReport(result: RunResult, show = 10): string {
  const { seed, resp, count } = result.options;
  const lines: string[] = [];
  const families = [...result.perFamily.entries()]
    .map(([family, s]) => `${family} ${s.differences}/${s.commands}`)
    .join(', ');
  lines.push(`differential seed=${seed} RESP${resp} commands=${count}: ${result.differences.length} differences, ${result.excepted.length} excepted (per family differing/run: ${families})`);
  if (result.aborted !== null) lines.push(`  ABORTED: ${result.aborted}`);
  if (result.skipped.size > 0) {
    const skipped = [...result.skipped.entries()].map(([name, n]) => `${name} ×${n}`).join(', ');
    lines.push(`  skipped (tsredis lacks these commands, so no wrong-type keys of that kind): ${skipped}`);
  }
  for (const d of result.differences.slice(0, show)) {
    lines.push(`  #${d.index} [${d.family}] ${commandLine(d.args)}`);
    lines.push(`      redis:   ${showReply(d.expected)}`);
    lines.push(`      tsredis: ${showReply(d.actual)}`);
    if (d.index >= 0) lines.push(`      replay:  npm run diff -- --seed ${seed} --resp ${resp} --families ${result.options.families.join(',')} --at ${d.index}`);
  }
  if (result.differences.length > show) lines.push(`  … and ${result.differences.length - show} more`);
  return lines.join('\n');
}
