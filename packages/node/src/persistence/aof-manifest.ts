import { basename } from 'node:path';

/**
 * The manifest of a Redis 7 multi-part AOF (aof.c): one line per file,
 * `file <name> seq <n> type <b|h|i>` — the base first, then history files, then the incr files
 * in sequence order. Names follow `<appendfilename>.<seq>.base.rdb|aof` and
 * `<appendfilename>.<seq>.incr.aof`.
 */

export const enum AofFileType {
  Base = 'b',
  History = 'h',
  Incr = 'i',
}

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** Longest manifest line Redis reads (MANIFEST_MAX_LINE). */
const MAX_LINE = 1024;

export class ManifestError extends Error {}

export class AofManifest {
  base: AofFileInfo | null = null;
  incr: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  clone(): AofManifest {
    const copy = new AofManifest();
    copy.base = this.base === null ? null : { ...this.base };
    copy.incr = this.incr.map((info) => ({ ...info }));
    copy.history = this.history.map((info) => ({ ...info }));
    copy.baseSeq = this.baseSeq;
    copy.incrSeq = this.incrSeq;
    return copy;
  }

  get empty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** The files to load, in order: the base, then every incr file. */
  get loadOrder(): AofFileInfo[] {
    return this.base === null ? [...this.incr] : [this.base, ...this.incr];
  }

  /** getNewBaseFileNameAndMarkPreAsHistory: a new base name; the previous base becomes history. */
  newBase(filename: string, rdb: boolean): AofFileInfo {
    if (this.base !== null) this.history.unshift({ ...this.base, type: AofFileType.History });
    this.baseSeq++;
    this.base = { name: `${filename}.${this.baseSeq}.base.${rdb ? 'rdb' : 'aof'}`, seq: this.baseSeq, type: AofFileType.Base };
    return this.base;
  }

  /** getNewIncrAofName: the next incr file, appended to the list. */
  newIncr(filename: string): AofFileInfo {
    this.incrSeq++;
    const info = { name: `${filename}.${this.incrSeq}.incr.aof`, seq: this.incrSeq, type: AofFileType.Incr };
    this.incr.push(info);
    return info;
  }

  /** markRewrittenIncrAofAsHistory: every incr file but the one being written (`keepLast`) is history. */
  retireIncr(keepLast: boolean): void {
    const retired = keepLast ? this.incr.slice(0, -1) : this.incr;
    this.incr = keepLast ? this.incr.slice(-1) : [];
    for (const info of retired.reverse()) this.history.unshift({ ...info, type: AofFileType.History });
  }

  /** getAofManifestAsString. */
  format(): string {
    let text = '';
    const files = this.base === null ? [...this.history, ...this.incr] : [this.base, ...this.history, ...this.incr];
    for (const info of files) text += `file ${quoteIfNeeded(info.name)} seq ${info.seq} type ${info.type}\n`;
    return text;
  }

  /** aofLoadManifestFromFile: throws ManifestError with Redis's wording. */
  static parse(text: string): AofManifest {
    const manifest = new AofManifest();
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    const lines = text.split('\n');
    // A final newline leaves an empty last piece; anything else there is an unterminated line.
    const last = lines.pop()!;
    if (last !== '') lines.push(last);
    let maxSeq = 0;
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      if (raw.startsWith('#')) continue;
      if (raw.length >= MAX_LINE || (i === lines.length - 1 && last !== '')) {
        throw new ManifestError('The AOF manifest file contains too long line');
      }
      const info = parseLine(raw.trim());
      if (info.type === AofFileType.Base) {
        if (manifest.base !== null) throw new ManifestError('Found duplicate base file information');
        manifest.base = info;
        manifest.baseSeq = info.seq;
      } else if (info.type === AofFileType.History) {
        manifest.history.push(info);
      } else if (info.type === AofFileType.Incr) {
        if (info.seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number');
        manifest.incr.push(info);
        manifest.incrSeq = info.seq;
        maxSeq = info.seq;
      } else {
        throw new ManifestError('Unknown AOF file type');
      }
    }
    return manifest;
  }
}

function parseLine(line: string): AofFileInfo {
  const invalid = new ManifestError('Invalid AOF manifest file format');
  if (line === '') throw invalid;
  const words = splitArgs(line);
  if (words === null || words.length < 6 || words.length % 2 !== 0) throw invalid;
  let name = '';
  let seq = 0;
  let type = '';
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i]!.toLowerCase();
    const value = words[i + 1]!;
    if (key === 'file') {
      if (basename(value) !== value) throw new ManifestError("File can't be a path, just a filename");
      name = value;
    } else if (key === 'seq') {
      seq = Number.parseInt(value, 10) || 0;
    } else if (key === 'type') {
      type = value[0] ?? '';
    }
  }
  if (name === '' || seq === 0 || type === '') throw invalid;
  return { name, seq, type: type as AofFileType };
}

/** sdssplitargs for manifest lines: words, "double quoted" with escapes, or 'single quoted'. */
function splitArgs(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = '';
    const quote = line[i] === '"' || line[i] === "'" ? line[i] : null;
    if (quote !== null) {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const c = line[i]!;
        if (c === quote) {
          i++;
          break;
        }
        if (c === '\\' && quote === '"' && i + 1 < line.length) {
          const next = line[i + 1]!;
          if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          word += ESCAPES[next] ?? next;
          i += 2;
          continue;
        }
        word += c;
        i++;
      }
      if (i < line.length && !/\s/.test(line[i]!)) return null;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++];
    }
    words.push(word);
  }
  return words;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** sdsneedsrepr + sdscatrepr: names with spaces, quotes or control bytes are written quoted. */
function quoteIfNeeded(name: string): string {
  if (!/[\s"'\\\x00-\x1f\x7f-\xff]/.test(name)) return name;
  let text = '"';
  for (const c of name) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === '"') text += `\\${c}`;
    else if (c === '\n') text += '\\n';
    else if (c === '\r') text += '\\r';
    else if (c === '\t') text += '\\t';
    else if (c === '\x07') text += '\\a';
    else if (c === '\b') text += '\\b';
    else if (code < 0x20 || code >= 0x7f) text += `\\x${code.toString(16).padStart(2, '0')}`;
    else text += c;
  }
  return `${text}"`;
}
