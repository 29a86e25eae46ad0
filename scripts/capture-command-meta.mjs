#!/usr/bin/env node
// Captures the command metadata tsredis's command table is built from.
//
//   node scripts/capture-command-meta.mjs [port=6390] [host=127.0.0.1]
//
// Talks RESP3 (HELLO 3) to a real redis-server 7.0, runs COMMAND COUNT, COMMAND INFO and
// COMMAND DOCS, and writes packages/node/src/commands/meta.json: one entry per top-level
// command, keyed by lower-case name and sorted, subcommands nested under `subcommands`
// (keyed by full name, 'config|get', also sorted).
//
// Facts of the protocol (names, arity, flags, ACL categories, key positions, key specs, tips,
// versions, argument trees, tokens) are copied exactly. Prose is ours: every command summary,
// argument summary and history description, and every complexity that is more than a bare
// big-O formula, is taken from the meta.json already on disk; what is missing there becomes
// "TODO" for a person to write. Re-running the script therefore never overwrites our text.
//
// Fields keep the order in which Redis emits them, COMMAND INFO's first, then COMMAND DOCS',
// so a renderer can walk the objects in order and reproduce both replies. RESP3 types as Redis
// 7.0.15 sends them (the script checks every one and stops if Redis sends something else):
//
// COMMAND INFO: an array with one 10-element array per command:
//   1 name        blob string         'get', 'config|get'             -> name: string
//   2 arity       integer             negative = at least |arity|     -> arity: number
//   3 flags       set of simple strings                               -> flags: string[]
//   4 first key   integer                                             -> firstKey: number
//   5 last key    integer                                             -> lastKey: number
//   6 step        integer                                             -> step: number
//   7 ACL cats    set of simple strings, each with a leading '@'      -> acl: string[] (no '@')
//   8 tips        set of blob strings                                 -> tips: string[]
//   9 key specs   set of maps (blob-string keys), each:               -> keySpecs: KeySpec[]
//       notes        blob string, only when present                   -> notes
//       flags        set of simple strings ('RO','access',...)         -> flags: string[]
//       begin_search map { type: blob, spec: map }                     -> beginSearch
//         index:   spec { index: integer }                             -> { type, index }
//         keyword: spec { keyword: blob, startfrom: integer }          -> { type, keyword, startFrom }
//         unknown: spec {} (empty map)                                 -> { type }
//       find_keys    map { type: blob, spec: map }                     -> findKeys
//         range:   spec { lastkey, keystep, limit: integer }           -> { type, lastKey, keyStep, limit }
//         keynum:  spec { keynumidx, firstkey, keystep: integer }      -> { type, keyNumIdx, firstKey, keyStep }
//         unknown: spec {} (empty map)                                 -> { type }
//  10 subcommands array of rows like this one; an EMPTY SET when the command has none
//                                                                      -> merged into subcommands
// COMMAND DOCS: a map, command name (blob) -> map with blob-string keys, each only when present:
//   summary          blob string                                       -> summary (ours)
//   since            blob string                                       -> since
//   group            blob string (always present)                      -> group
//   complexity       blob string                                       -> complexity (ours if prose)
//   module           blob string (module commands only)                -> module
//   doc_flags        set of simple strings ('deprecated','syscmd')     -> docFlags
//   deprecated_since blob string                                       -> deprecatedSince
//   replaced_by      blob string                                       -> replacedBy
//   history          set of 2-element arrays [version blob, text blob] -> history (text ours);
//                    may be present and empty
//   arguments        array of maps, each (blob-string keys):           -> arguments: Arg[]
//       name blob, type blob, key_spec_index integer, token blob, summary blob, since blob,
//       deprecated_since blob, flags set of simple strings ('optional','multiple',
//       'multiple_token'), arguments array of maps (only for type oneof / block)
//   subcommands      map, full name (blob) -> map like this one        -> subcommands
//
// Any field not listed above is kept under its camelCase name and reported on stderr.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// META_OUT captures another table (the sentinel's, from redis-sentinel) into its own file.
const outPath = process.env.META_OUT ?? join(root, 'packages', 'node', 'src', 'commands', 'meta.json');
const port = Number(process.argv[2] ?? 6390);
const host = process.argv[3] ?? '127.0.0.1';
const TODO = 'TODO';

// ---------------------------------------------------------------------------------------------
// RESP3 over a raw socket. Every value keeps its wire type: { t, v }.
//   t: 'simple' | 'blob' | 'verbatim' | 'error' | 'int' | 'double' | 'bool' | 'null' | 'big'
//      | 'array' | 'set' | 'push' | 'map' (v = [[key, value], ...], in wire order)

class NeedMore extends Error {}

function parseValue(buf, pos) {
  const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
  if (lineEnd === -1) throw new NeedMore();
  const prefix = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  let next = lineEnd + 2;
  const aggregate = (t, count) => {
    const items = [];
    for (let i = 0; i < count; i++) {
      const [item, after] = parseValue(buf, next);
      items.push(item);
      next = after;
    }
    return [{ t, v: items }, next];
  };
  switch (prefix) {
    case '+': return [{ t: 'simple', v: line }, next];
    case '-': return [{ t: 'error', v: line }, next];
    case ':': return [{ t: 'int', v: Number(line) }, next];
    case '(': return [{ t: 'big', v: line }, next];
    case ',': return [{ t: 'double', v: Number(line) }, next];
    case '#': return [{ t: 'bool', v: line === 't' }, next];
    case '_': return [{ t: 'null', v: null }, next];
    case '$':
    case '=':
    case '!': {
      const len = Number(line);
      if (len < 0) return [{ t: 'null', v: null }, next];
      if (buf.length < next + len + 2) throw new NeedMore();
      let text = buf.toString('utf8', next, next + len);
      if (prefix === '=') text = text.slice(4); // drop the 'txt:' format tag
      const t = prefix === '$' ? 'blob' : prefix === '=' ? 'verbatim' : 'error';
      return [{ t, v: text }, next + len + 2];
    }
    case '*': return Number(line) < 0 ? [{ t: 'null', v: null }, next] : aggregate('array', Number(line));
    case '~': return aggregate('set', Number(line));
    case '>': return aggregate('push', Number(line));
    case '%': {
      const count = Number(line);
      const pairs = [];
      for (let i = 0; i < count; i++) {
        const [key, afterKey] = parseValue(buf, next);
        const [value, afterValue] = parseValue(buf, afterKey);
        pairs.push([key, value]);
        next = afterValue;
      }
      return [{ t: 'map', v: pairs }, next];
    }
    case '|': { // attribute: skip it, return the value that follows
      const [, after] = aggregate('map', Number(line) * 2);
      return parseValue(buf, after);
    }
    default:
      throw new Error(`unexpected RESP type byte '${prefix}' at offset ${pos}`);
  }
}

function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** Sends the commands pipelined and resolves with their replies, in order. */
function query(commands) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const replies = [];
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        while (buf.length > 0) {
          const [value, next] = parseValue(buf, 0);
          if (value.t !== 'push') replies.push(value);
          buf = buf.subarray(next);
        }
      } catch (err) {
        if (!(err instanceof NeedMore)) return reject(err);
      }
      if (replies.length === commands.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.on('close', () => {
      if (replies.length < commands.length) reject(new Error('connection closed before all replies'));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Type checks: each field must arrive with the RESP3 type documented above.

function expect(node, type, where) {
  if (node?.t !== type) throw new Error(`${where}: expected ${type}, got ${node?.t ?? 'nothing'}`);
  return node.v;
}
const str = (node, where) => expect(node, 'blob', where);
const int = (node, where) => expect(node, 'int', where);
const simpleSet = (node, where) => expect(node, 'set', where).map((item, i) => expect(item, 'simple', `${where}[${i}]`));
const blobSet = (node, where) => expect(node, 'set', where).map((item, i) => str(item, `${where}[${i}]`));

/** A map with blob-string keys as [key, value] pairs, in wire order. */
function entries(node, where) {
  return expect(node, 'map', where).map(([key, value]) => [str(key, `${where} key`), value]);
}

const camel = (name) => name.replace(/[_-]([a-z0-9])/g, (_, c) => c.toUpperCase());

/** Plain JSON for a value of a field we do not know (kept, not dropped). */
function plain(node) {
  switch (node.t) {
    case 'array': case 'set': case 'push': return node.v.map(plain);
    case 'map': return Object.fromEntries(node.v.map(([k, v]) => [String(plain(k)), plain(v)]));
    default: return node.v;
  }
}

const addedFields = new Map(); // 'where.field' -> example command
function unknownField(target, kind, field, value, command) {
  const key = `${kind}.${field}`;
  if (!addedFields.has(key)) addedFields.set(key, command);
  target[camel(field)] = plain(value);
}

// ---------------------------------------------------------------------------------------------
// COMMAND INFO

function keySpec(node, where) {
  const spec = {};
  for (const [field, value] of entries(node, where)) {
    const at = `${where}.${field}`;
    if (field === 'notes') spec.notes = str(value, at);
    else if (field === 'flags') spec.flags = simpleSet(value, at);
    else if (field === 'begin_search') spec.beginSearch = searchSpec(value, at, {
      index: { index: ['index'] },
      keyword: { keyword: ['keyword', 'blob'], startfrom: ['startFrom'] },
    });
    else if (field === 'find_keys') spec.findKeys = searchSpec(value, at, {
      range: { lastkey: ['lastKey'], keystep: ['keyStep'], limit: ['limit'] },
      keynum: { keynumidx: ['keyNumIdx'], firstkey: ['firstKey'], keystep: ['keyStep'] },
    });
    else unknownField(spec, 'keySpec', field, value, where);
  }
  if (!spec.flags || !spec.beginSearch || !spec.findKeys) throw new Error(`${where}: incomplete key spec`);
  return spec;
}

/** begin_search / find_keys: { type, spec: {...} } flattened into { type, ...spec }. */
function searchSpec(node, where, shapes) {
  const fields = Object.fromEntries(entries(node, where));
  const type = str(fields.type, `${where}.type`);
  const out = { type };
  const specFields = entries(fields.spec, `${where}.spec`);
  const shape = shapes[type] ?? (type === 'unknown' ? {} : null);
  if (shape === null) throw new Error(`${where}: unknown key spec type '${type}'`);
  const names = specFields.map(([name]) => name);
  if (names.join() !== Object.keys(shape).join()) throw new Error(`${where}: spec fields ${names} for '${type}'`);
  for (const [name, value] of specFields) {
    const [ours, kind] = shape[name];
    out[ours] = kind === 'blob' ? str(value, `${where}.${name}`) : int(value, `${where}.${name}`);
  }
  for (const key of Object.keys(fields)) {
    if (key !== 'type' && key !== 'spec') throw new Error(`${where}: unexpected field '${key}'`);
  }
  return out;
}

function infoRow(node, where) {
  const row = expect(node, 'array', where);
  if (row.length !== 10) throw new Error(`${where}: COMMAND INFO row has ${row.length} fields, expected 10`);
  const name = str(row[0], `${where}.name`);
  const at = (i, field) => `${name}.${field}`;
  const meta = {
    name,
    arity: int(row[1], at(1, 'arity')),
    flags: simpleSet(row[2], at(2, 'flags')),
    firstKey: int(row[3], at(3, 'firstKey')),
    lastKey: int(row[4], at(4, 'lastKey')),
    step: int(row[5], at(5, 'step')),
    acl: simpleSet(row[6], at(6, 'acl')).map((cat) => {
      if (!cat.startsWith('@')) throw new Error(`${name}: ACL category '${cat}' without '@'`);
      return cat.slice(1);
    }),
    tips: blobSet(row[7], at(7, 'tips')),
    keySpecs: expect(row[8], 'set', `${name}.keySpecs`).map((spec, i) => keySpec(spec, `${name}.keySpecs[${i}]`)),
  };
  const subs = row[9];
  if (subs.t === 'set' && subs.v.length === 0) return { meta, subs: [] };
  return { meta, subs: expect(subs, 'array', `${name}.subcommands`).map((sub, i) => infoRow(sub, `${name}.sub[${i}]`)) };
}

// ---------------------------------------------------------------------------------------------
// COMMAND DOCS, merged with the prose we already have

const stats = { todo: [] };

function isFormula(text) {
  // A bare big-O expression ("O(1)", "O(N)", "O(log(N))") with no words around it.
  return /^O\((?:[^()]|\([^()]*\))*\)$/.test(text.trim());
}

function argList(node, where, old) {
  return expect(node, 'array', where).map((item, i) => {
    const arg = {};
    const fields = entries(item, `${where}[${i}]`);
    const name = str(fields.find(([f]) => f === 'name')?.[1], `${where}[${i}].name`);
    // Names repeat within a list (CLIENT KILL has two 'ip:port'), so match by position and name.
    const prev = old?.[i]?.name === name ? old[i] : undefined;
    const at = `${where} ${name}`;
    for (const [field, value] of fields) {
      if (field === 'name' || field === 'type' || field === 'token' || field === 'since'
        || field === 'deprecated_since' || field === 'display' || field === 'value') {
        arg[camel(field)] = str(value, `${at}.${field}`);
      } else if (field === 'key_spec_index') {
        arg.keySpecIndex = int(value, `${at}.${field}`);
      } else if (field === 'summary') {
        str(value, `${at}.summary`);
        arg.summary = prev?.summary && prev.summary !== TODO ? prev.summary : todo(`${at} (argument summary)`);
      } else if (field === 'flags') {
        arg.flags = simpleSet(value, `${at}.flags`);
      } else if (field === 'arguments') {
        arg.arguments = argList(value, `${at}`, prev?.arguments);
      } else {
        unknownField(arg, 'argument', field, value, at);
      }
    }
    return arg;
  });
}

function todo(where) {
  stats.todo.push(where);
  return TODO;
}

/** Adds the COMMAND DOCS fields to `meta` (which holds the COMMAND INFO ones), in wire order. */
function addDocs(meta, node, old) {
  const where = meta.name;
  for (const [field, value] of entries(node, where)) {
    const at = `${where}.${field}`;
    switch (field) {
      case 'summary':
        str(value, at);
        meta.summary = old?.summary && old.summary !== TODO ? old.summary : todo(`${where} (summary)`);
        break;
      case 'since': meta.since = str(value, at); break;
      case 'group': meta.group = str(value, at); break;
      case 'complexity': {
        const text = str(value, at);
        if (old?.complexity && old.complexity !== TODO) meta.complexity = old.complexity;
        else meta.complexity = isFormula(text) ? text : todo(`${where} (complexity: ${text})`);
        break;
      }
      case 'doc_flags': meta.docFlags = simpleSet(value, at); break;
      case 'deprecated_since': meta.deprecatedSince = str(value, at); break;
      case 'replaced_by': meta.replacedBy = str(value, at); break;
      case 'history': {
        const oldHistory = old?.history ?? [];
        meta.history = expect(value, 'set', at).map((entry, i) => {
          const pair = expect(entry, 'array', `${at}[${i}]`);
          if (pair.length !== 2) throw new Error(`${at}[${i}]: expected [version, text]`);
          const version = str(pair[0], `${at}[${i}][0]`);
          const text = str(pair[1], `${at}[${i}][1]`);
          const mine = oldHistory[i];
          return [version, mine && mine[0] === version && mine[1] !== TODO ? mine[1] : todo(`${where} (history ${version}: ${text})`)];
        });
        break;
      }
      case 'arguments': meta.arguments = argList(value, `${where} args`, old?.arguments); break;
      case 'subcommands': break; // handled by the caller, which owns the subcommand entries
      default: unknownField(meta, 'command', field, value, where);
    }
  }
}

// ---------------------------------------------------------------------------------------------

const sortedKeys = (obj) => Object.fromEntries(Object.keys(obj).sort().map((key) => [key, obj[key]]));

function build(infoNode, docsNode, oldMeta) {
  const infoRows = expect(infoNode, 'array', 'COMMAND INFO').map((row, i) => infoRow(row, `COMMAND INFO[${i}]`));
  const docs = new Map(entries(docsNode, 'COMMAND DOCS'));

  const assemble = ({ meta, subs }, docNode, old) => {
    if (docNode === undefined) throw new Error(`${meta.name}: missing from COMMAND DOCS`);
    addDocs(meta, docNode, old);
    const docSubs = new Map(entries(docNode, meta.name).filter(([f]) => f === 'subcommands')
      .flatMap(([, value]) => entries(value, `${meta.name}.subcommands`)));
    if (subs.length !== docSubs.size) throw new Error(`${meta.name}: INFO and DOCS disagree on subcommands`);
    if (subs.length > 0) {
      const out = {};
      for (const sub of subs) {
        out[sub.meta.name] = assemble(sub, docSubs.get(sub.meta.name), old?.subcommands?.[sub.meta.name]);
      }
      meta.subcommands = sortedKeys(out);
    }
    return meta;
  };

  const all = {};
  for (const row of infoRows) {
    const key = row.meta.name.toLowerCase();
    all[key] = assemble(row, docs.get(row.meta.name), oldMeta[key]);
  }
  return sortedKeys(all);
}

/** JSON with 2-space indent, but short arrays and objects kept on one line (easier to review). */
function format(value, indent = '', prefix = 0) {
  const flat = JSON.stringify(value);
  const fits = indent.length + prefix + flat.length <= 100;
  if (value === null || typeof value !== 'object' || (fits && !('subcommands' in value))) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => inner + format(item, inner)).join(',\n')}\n${indent}]`;
  }
  const lines = Object.entries(value).map(([key, item]) => `${inner}${JSON.stringify(key)}: ${format(item, inner, key.length + 4)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

const oldMeta = existsSync(outPath) ? JSON.parse(readFileSync(outPath, 'utf8')) : {};
const [hello, count, info, docs] = await query([['HELLO', '3'], ['COMMAND', 'COUNT'], ['COMMAND', 'INFO'], ['COMMAND', 'DOCS']]);
const helloFields = Object.fromEntries(entries(hello, 'HELLO').map(([k, v]) => [k, v.v]));
if (helloFields.proto !== 3) throw new Error('server did not switch to RESP3');
const meta = build(info, docs, oldMeta);
const total = int(count, 'COMMAND COUNT');
if (Object.keys(meta).length !== total) throw new Error(`COMMAND COUNT says ${total}, captured ${Object.keys(meta).length}`);

writeFileSync(outPath, `${format(meta)}\n`);
const subCount = Object.values(meta).reduce((n, m) => n + Object.keys(m.subcommands ?? {}).length, 0);
console.error(`redis ${helloFields.version} at ${host}:${port}: ${total} commands, ${subCount} subcommands -> ${outPath}`);
for (const [field, command] of addedFields) console.error(`added field not in the schema: ${field} (e.g. ${command})`);
if (stats.todo.length > 0) {
  console.error(`${stats.todo.length} texts to write in our own words (marked "${TODO}"):`);
  for (const where of stats.todo) console.error(`  ${where}`);
}
