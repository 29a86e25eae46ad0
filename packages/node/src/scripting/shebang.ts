import { SCRIPT_FLAG_NAMES, ScriptFlag } from './script-run.js';

/**
 * sdssplitargs: splits a line into arguments separated by spaces, with "double quoted"
 * (escapes \n \r \t \b \a \\ \" \xHH) and 'single quoted' (only \') arguments. Null for
 * unbalanced quotes or a closing quote not followed by a space.
 */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < line.length) {
          i++;
          const e = line[i]!;
          current += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[e] ?? e;
        } else if (c === '"') {
          if (i + 1 < line.length && !/\s/.test(line[i + 1]!)) return null;
          inDouble = false;
          i++;
          break;
        } else current += c;
      } else if (inSingle) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < line.length && !/\s/.test(line[i + 1]!)) return null;
          inSingle = false;
          i++;
          break;
        } else current += c;
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}

/**
 * evalExtractShebangFlags: the flags of an EVAL script (evalCompat without a shebang) and the
 * shebang's length (the script is compiled from the newline on, keeping line numbers), or an
 * error message.
 */
export function scriptShebang(body: string): { flags: number; length: number } | string {
  if (!body.startsWith('#!')) return { flags: ScriptFlag.evalCompat, length: 0 };
  const newline = body.indexOf('\n');
  if (newline < 0) return 'Invalid script shebang';
  const parts = splitArgs(body.slice(0, newline));
  if (parts === null || parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return `Unknown lua shebang option: ${part}`;
    const names = part.slice(6);
    for (const name of names === '' ? [] : names.split(',')) {
      const flag = SCRIPT_FLAG_NAMES.find(([flagName]) => flagName === name);
      if (flag === undefined) return `Unexpected flag in script shebang: ${name}`;
      flags |= flag[1];
    }
  }
  return { flags, length: newline };
}
