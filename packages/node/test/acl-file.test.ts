import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../../test/helpers/raw.js';
import { hasRealRedis, startPair, type RunningServer } from '../../../test/helpers/servers.js';

/*
 * Users from the configuration: `user` directives, and the aclfile with ACL SAVE / ACL LOAD,
 * compared with a real Redis 7.0 started the same way.
 */

const available = hasRealRedis();
if (!available) console.warn('acl-file.test.ts: redis-server is not installed — SKIPPING the aclfile comparisons with real Redis');

const scratch = mkdtempSync(join(tmpdir(), 'tsredis-acl-'));
const started: RunningServer[] = [];

afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

async function startBoth(ours: string[], real: string[]): Promise<[RawClient, RawClient]> {
  const servers = await startPair(ours, real);
  started.push(...servers);
  return Promise.all([RawClient.connect(servers[0].port), RawClient.connect(servers[1].port)]);
}

const FILE_USERS = [
  'user default on nopass ~* &* +@all',
  'user alice on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~cache:* resetchannels -@all +@read',
  'user bob off resetchannels &news -@all +@pubsub (~x* resetchannels -@all +get)',
];

describe.skipIf(!available)('ACL users from the configuration', () => {
  it('loads `user` directives like Redis', async () => {
    const args = ['--user', 'carol', 'on', '>pw', '~k*', '+@string', '--user', 'default', 'on', '>secret', '+@all', '~*'];
    const [ours, real] = await startBoth(args, args);
    for (const command of [['GET', 'x'], ['AUTH', 'carol', 'pw'], ['GET', 'k1'], ['GET', 'x'], ['ACL', 'LIST']]) {
      const [a, b] = await Promise.all([ours.call(...command), real.call(...command)]);
      expect(a, command.join(' ')).toBe(b);
    }
    ours.destroy();
    real.destroy();
  });

  it('loads, saves and reloads the aclfile like Redis', async () => {
    const ourFile = join(scratch, 'ours.acl');
    const realFile = join(scratch, 'real.acl');
    writeFileSync(ourFile, `${FILE_USERS.join('\n')}\n`);
    writeFileSync(realFile, `${FILE_USERS.join('\n')}\n`);
    const [ours, real] = await startBoth(['--aclfile', ourFile], ['--aclfile', realFile]);
    const same = async (...command: string[]): Promise<string> => {
      const [a, b] = await Promise.all([ours.call(...command), real.call(...command)]);
      expect(a.replaceAll(ourFile, 'FILE'), command.join(' ')).toBe(b.replaceAll(realFile, 'FILE'));
      return a;
    };
    await same('ACL', 'LIST');
    await same('ACL', 'SETUSER', 'dave', 'on', '>pw', '%R~r*', '&chan', '+@hash');
    await same('ACL', 'SAVE');
    expect(readFileSync(ourFile, 'latin1')).toBe(readFileSync(realFile, 'latin1'));
    await same('ACL', 'SETUSER', 'erin', 'on');
    await same('ACL', 'LOAD');
    await same('ACL', 'USERS');
    const broken = ['user frank on +nosuch', 'user alice on', 'user alice off', 'nouser here', 'user gina %X~a', 'user', ''].join('\n');
    writeFileSync(ourFile, broken);
    writeFileSync(realFile, broken);
    await same('ACL', 'LOAD');
    await same('ACL', 'LIST');
    ours.destroy();
    real.destroy();
  });

  it('refuses ACL LOAD and SAVE without an aclfile', async () => {
    const [ours, real] = await startBoth([], []);
    for (const command of [['ACL', 'LOAD'], ['ACL', 'SAVE']]) {
      const [a, b] = await Promise.all([ours.call(...command), real.call(...command)]);
      expect(a).toBe(b);
    }
    ours.destroy();
    real.destroy();
  });
});
