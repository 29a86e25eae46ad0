import type { Command } from '../commands/table.js';
import { ReplyError } from '../protocol/errors.js';
import { Client, ClientFlag } from '../server/client.js';
import type { Server } from '../server/server.js';

/**
 * Replays AOF commands (loadSingleAppendOnlyFile): `#` annotation lines are skipped, every
 * command runs through its handler in the context of a fake client with no connection, MULTI
 * queues as for a client. A truncated tail is reported with the offset of the last complete
 * command (before an unfinished MULTI), so the caller can cut the file there.
 */

export const enum AofReplayStatus {
  Ok,
  /** The input ended inside a command or a transaction. */
  Truncated,
  /** Not RESP where a command should start. */
  BadFormat,
  UnknownCommand,
}

export interface AofReplayResult {
  status: AofReplayStatus;
  /** Offset after the last command kept (the truncation point when Truncated). */
  validUpTo: number;
  commands: number;
  /** The unknown command's name (UnknownCommand). */
  unknown?: string;
}

/** Marks the end of available input inside a command. */
class ShortRead extends Error {}
/** Something other than the protocol where it was expected. */
class BadFormat extends Error {}

const CR = 13;

/** Reads the RESP command stream of an AOF from a buffer, command by command. */
export class AofCommandReader {
  position: number;

  constructor(
    private readonly data: Buffer,
    start = 0,
  ) {
    this.position = start;
  }

  /** The next command, or null at the end of input. Throws ShortRead or BadFormat. */
  next(): string[] | null {
    for (;;) {
      if (this.position >= this.data.length) return null;
      const line = this.line();
      if (line.startsWith('#')) continue;
      if (line[0] !== '*') throw new BadFormat();
      const count = Number.parseInt(line.slice(1), 10);
      if (!(count >= 1)) throw new BadFormat();
      const argv: string[] = [];
      for (let i = 0; i < count; i++) {
        const header = this.line();
        if (header[0] !== '$') throw new BadFormat();
        const length = Number.parseInt(header.slice(1), 10) || 0;
        const end = this.position + length;
        if (end + 2 > this.data.length) throw new ShortRead();
        argv.push(this.data.latin1Slice(this.position, end));
        this.position = end + 2;
      }
      return argv;
    }
  }

  private line(): string {
    const data = this.data;
    const end = data.indexOf(CR, this.position);
    if (end < 0 || end + 1 >= data.length) throw new ShortRead();
    const line = data.latin1Slice(this.position, end);
    this.position = end + 2;
    return line;
  }
}

/** The command an AOF line names (subcommands resolved), or undefined. */
function lookup(server: Server, argv: readonly string[]): Command | undefined {
  const command = server.commands.get(argv[0]!);
  if (command?.subcommands == null || argv.length < 2) return command;
  return command.subcommands.get(server.commands.lower(argv[1]!));
}

/**
 * Runs the commands of `data` from `start` against the server's databases. The fake client
 * starts in database 0, as each AOF file begins with its own SELECT when it needs another.
 * It runs one command per step, yielding the offset reached after each (loading in time slices).
 */
export function* replaySteps(server: Server, data: Buffer, start = 0): Generator<number, AofReplayResult, void> {
  const client = new Client(0, server, null);
  const reader = new AofCommandReader(data, start);
  let validUpTo = start;
  let beforeMulti = start;
  let commands = 0;
  try {
    let argv: string[] | null;
    while ((argv = reader.next()) !== null) {
      const command = lookup(server, argv);
      if (command?.handler == null) return { status: AofReplayStatus.UnknownCommand, validUpTo, commands, unknown: argv[0]! };
      if (command.fullName === 'multi') beforeMulti = validUpTo;
      if (client.has(ClientFlag.multi) && command.fullName !== 'exec') {
        client.transaction.push({ command, argv });
      } else {
        client.argv = argv;
        runHandler(client, command, argv);
      }
      // A loading client's replies go nowhere.
      client.truncate(0);
      commands++;
      validUpTo = reader.position;
      yield validUpTo;
    }
  } catch (error) {
    if (error instanceof BadFormat) return { status: AofReplayStatus.BadFormat, validUpTo, commands };
    if (!(error instanceof ShortRead)) throw error;
    return { status: AofReplayStatus.Truncated, validUpTo: client.has(ClientFlag.multi) ? beforeMulti : validUpTo, commands };
  }
  // Input that ends inside MULTI is reverted like a short read (an unfinished transaction).
  if (client.has(ClientFlag.multi)) return { status: AofReplayStatus.Truncated, validUpTo: beforeMulti, commands };
  return { status: AofReplayStatus.Ok, validUpTo, commands };
}

/** Like Redis's loader calling cmd->proc: no gate, no stats; errors are the command's reply. */
function runHandler(client: Client, command: Command, argv: string[]): void {
  try {
    command.handler!(client, argv);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
  }
}
