import type { ReplyWriter } from '../protocol/writer.js';
import type { Arg, KeySpec } from './meta.js';
import type { Command } from './table.js';

/**
 * The COMMAND INFO row and COMMAND DOCS map of a command, rendered from its metadata field by
 * field in the order and with the RESP types Redis 7.0 uses (meta.ts lists them). Subcommands
 * come from the command table, so only the ones this server implements are described, in the
 * table's (sorted) order.
 */

/** A set of simple strings (flags, ACL categories): `~n` of `+name` in RESP3, an array in RESP2. */
export function replyFlagSet(client: ReplyWriter, names: readonly string[], prefix = ''): void {
  client.setLength(names.length);
  for (const name of names) client.simple(prefix + name);
}

/** One COMMAND INFO row, or the null reply for a name that is not a command. */
export function replyCommandInfo(client: ReplyWriter, command: Command | undefined): void {
  if (command === undefined) {
    client.nullBulk();
    return;
  }
  const meta = command.meta;
  client.arrayLength(10);
  client.bulk(command.fullName);
  client.integer(meta.arity);
  replyFlagSet(client, meta.flags);
  client.integer(meta.firstKey);
  client.integer(meta.lastKey);
  client.integer(meta.step);
  replyFlagSet(client, meta.acl, '@');
  client.setLength(meta.tips.length);
  for (const tip of meta.tips) client.bulk(tip);
  client.setLength(meta.keySpecs.length);
  for (const spec of meta.keySpecs) replyKeySpec(client, spec);
  const subcommands = command.subcommands;
  if (subcommands === null) {
    client.setLength(0);
    return;
  }
  client.arrayLength(subcommands.size);
  for (const sub of subcommands.values()) replyCommandInfo(client, sub);
}

function replyKeySpec(client: ReplyWriter, spec: KeySpec): void {
  client.mapLength(spec.notes === undefined ? 3 : 4);
  if (spec.notes !== undefined) {
    client.bulk('notes');
    client.bulk(spec.notes);
  }
  client.bulk('flags');
  replyFlagSet(client, spec.flags);

  client.bulk('begin_search');
  const begin = spec.beginSearch;
  replySearchStep(client, begin.type);
  if (begin.type === 'index') {
    client.mapLength(1);
    intField(client, 'index', begin.index);
  } else if (begin.type === 'keyword') {
    client.mapLength(2);
    client.bulk('keyword');
    client.bulk(begin.keyword);
    intField(client, 'startfrom', begin.startFrom);
  } else {
    client.mapLength(0);
  }

  client.bulk('find_keys');
  const find = spec.findKeys;
  replySearchStep(client, find.type);
  if (find.type === 'range') {
    client.mapLength(3);
    intField(client, 'lastkey', find.lastKey);
    intField(client, 'keystep', find.keyStep);
    intField(client, 'limit', find.limit);
  } else if (find.type === 'keynum') {
    client.mapLength(3);
    intField(client, 'keynumidx', find.keyNumIdx);
    intField(client, 'firstkey', find.firstKey);
    intField(client, 'keystep', find.keyStep);
  } else {
    client.mapLength(0);
  }
}

/** The head of a begin_search / find_keys map: `{ type: <type>, spec: <map that follows> }`. */
function replySearchStep(client: ReplyWriter, type: string): void {
  client.mapLength(2);
  client.bulk('type');
  client.bulk(type);
  client.bulk('spec');
}

function intField(client: ReplyWriter, name: string, value: number): void {
  client.bulk(name);
  client.integer(value);
}

function bulkField(client: ReplyWriter, name: string, value: string): void {
  client.bulk(name);
  client.bulk(value);
}

/** The COMMAND DOCS map of one command (its name is written by the caller). */
export function replyCommandDocs(client: ReplyWriter, command: Command): void {
  const meta = command.meta;
  const present = [
    meta.summary, meta.since, meta.complexity, meta.docFlags, meta.deprecatedSince, meta.replacedBy,
    meta.history, meta.arguments, command.subcommands,
  ].filter((field) => field !== undefined && field !== null).length;
  client.mapLength(present + 1); // + group, always present
  bulkField(client, 'summary', meta.summary);
  if (meta.since !== undefined) bulkField(client, 'since', meta.since);
  bulkField(client, 'group', meta.group);
  if (meta.complexity !== undefined) bulkField(client, 'complexity', meta.complexity);
  if (meta.docFlags !== undefined) {
    client.bulk('doc_flags');
    replyFlagSet(client, meta.docFlags);
  }
  if (meta.deprecatedSince !== undefined) bulkField(client, 'deprecated_since', meta.deprecatedSince);
  if (meta.replacedBy !== undefined) bulkField(client, 'replaced_by', meta.replacedBy);
  if (meta.history !== undefined) {
    client.bulk('history');
    client.setLength(meta.history.length);
    for (const [version, change] of meta.history) {
      client.arrayLength(2);
      client.bulk(version);
      client.bulk(change);
    }
  }
  if (meta.arguments !== undefined) {
    client.bulk('arguments');
    replyArguments(client, meta.arguments);
  }
  if (command.subcommands !== null) {
    client.bulk('subcommands');
    replyDocsMap(client, command.subcommands.values(), command.subcommands.size);
  }
}

/** A map of full name → docs map, as COMMAND DOCS and a container's `subcommands` are. */
export function replyDocsMap(client: ReplyWriter, commands: Iterable<Command>, count: number): void {
  client.mapLength(count);
  for (const command of commands) {
    client.bulk(command.fullName);
    replyCommandDocs(client, command);
  }
}

function replyArguments(client: ReplyWriter, args: readonly Arg[]): void {
  client.arrayLength(args.length);
  for (const arg of args) {
    const nested = arg.type === 'oneof' || arg.type === 'block';
    const present = [arg.keySpecIndex, arg.token, arg.summary, arg.since, arg.deprecatedSince, arg.flags]
      .filter((field) => field !== undefined).length;
    client.mapLength(2 + present + (nested ? 1 : 0));
    bulkField(client, 'name', arg.name);
    bulkField(client, 'type', arg.type);
    if (arg.keySpecIndex !== undefined) intField(client, 'key_spec_index', arg.keySpecIndex);
    if (arg.token !== undefined) bulkField(client, 'token', arg.token);
    if (arg.summary !== undefined) bulkField(client, 'summary', arg.summary);
    if (arg.since !== undefined) bulkField(client, 'since', arg.since);
    if (arg.deprecatedSince !== undefined) bulkField(client, 'deprecated_since', arg.deprecatedSince);
    if (arg.flags !== undefined) {
      client.bulk('flags');
      replyFlagSet(client, arg.flags);
    }
    if (nested) {
      client.bulk('arguments');
      replyArguments(client, arg.arguments ?? []);
    }
  }
}
