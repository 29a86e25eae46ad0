import type { ReplyWriter } from '../protocol/writer.js';

/**
 * The reply of `<COMMAND> HELP`, shaped as Redis's addReplyHelp: an array of status lines, a
 * heading naming the command, the given lines, then the HELP entry every command has.
 */
export function replyHelp(client: ReplyWriter, commandName: string, lines: readonly string[]): void {
  client.arrayLength(lines.length + 3);
  client.simple(`${commandName.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) client.simple(line);
  client.simple('HELP');
  client.simple('    Prints this help.');
}
