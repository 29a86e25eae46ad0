import { parseArgs } from 'node:util';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';
import { ALL_FAMILIES, generateCommands, type Family } from './generator.js';
import { commandLine, episodeLines, formatReport, minimize, runDifferential, type RunOptions } from './runner.js';

const USAGE = `npm run diff -- [--seed N] [--count N] [--resp 2|3|both] [--families a,b] [--show N]
                     [--minimize] [--at INDEX] [--print]
  Spawns a real redis-server and tsredis (dist) on free ports, sends both the seeded stream of
  random commands and compares raw replies. Exit status 1 when they differ.
  --families   ${ALL_FAMILIES.join(',')} (default: all)
  --minimize   shrink the first difference of each family to a minimal repro
  --at INDEX   shrink the difference at INDEX (implies --count INDEX+1)
  --print      print the commands (one per line, for rediff or redis-cli) and exit`;

/** Entry point of `npm run diff` (scripts/diff.mjs loads this file). Returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '10000' },
      resp: { type: 'string', default: 'both' },
      families: { type: 'string', default: ALL_FAMILIES.join(',') },
      show: { type: 'string', default: '20' },
      minimize: { type: 'boolean', default: false },
      at: { type: 'string' },
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = Number(values.seed);
  const at = values.at === undefined ? null : Number(values.at);
  const count = at === null ? Number(values.count) : at + 1;
  const families = values.families.split(',') as Family[];
  const unknown = families.filter((f) => !ALL_FAMILIES.includes(f));
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || unknown.length > 0) {
    console.error(`bad arguments${unknown.length ? ` (unknown families: ${unknown.join(',')})` : ''}\n${USAGE}`);
    return 2;
  }
  if (values.print) {
    for (const command of generateCommands(seed, count, families)) console.log(`${command.episode ? `${command.episode.on}: ` : ''}${commandLine(command.args)}`);
    return 0;
  }
  if (!hasRealRedis()) {
    console.error('redis-server is not installed: nothing to compare against (install redis-server, see .ci/run)');
    return 2;
  }
  const resps: Array<2 | 3> = values.resp === 'both' ? [2, 3] : [Number(values.resp) as 2 | 3];
  const servers: RunningServer[] = [];
  let failed = false;
  try {
    const reference = await startRealRedis();
    servers.push(reference);
    const subject = await startTsredis();
    servers.push(subject);
    for (const resp of resps) {
      const options: RunOptions = { seed, count, resp, families, referencePort: reference.port, subjectPort: subject.port };
      const result = await runDifferential(options);
      console.log(formatReport(result, Number(values.show)));
      if (result.differences.length > 0) failed = true;
      const targets = at !== null
        ? result.differences.filter((d) => d.index === at)
        : values.minimize ? firstPerFamily(result.differences) : [];
      for (const difference of targets) {
        if (difference.index < 0) continue;
        if (difference.family === 'blocking') {
          console.log(`\nblocking episode of #${difference.index} RESP${resp} (not shrunk; B1/B2 block, W writes, see episode.ts):`);
          for (const line of episodeLines(result, difference.index)) console.log(`  ${line}`);
          continue;
        }
        const repro = await minimize(result, difference.index);
        console.log(`\nminimal repro for #${difference.index} [${difference.family}] RESP${resp} (fresh server${resp === 3 ? ', after HELLO 3' : ''}):`);
        for (const args of repro) console.log(`  ${commandLine(args)}`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  return failed ? 1 : 0;
}

function firstPerFamily<T extends { family: string }>(differences: readonly T[]): T[] {
  const seen = new Set<string>();
  return differences.filter((d) => !seen.has(d.family) && seen.add(d.family));
}
