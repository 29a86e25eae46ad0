import { expect, it } from 'vitest';
import { Rng } from '../../../../test/differential/generator.js';
import { describeAgainstRealRedis, itMatchesRealRedis } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { commandsOf } from './script-lines.js';

/**
 * A seeded set of positions (clusters, duplicates at one spot, the edges of the valid ranges)
 * and searches around them: radius and box, every unit, ASC/DESC, COUNT with and without ANY,
 * huge radii whose neighbour cells coincide, stores by hash and by distance. Exercises the
 * cell choice, the pruning, the scan order and both sorts (ties included) against Redis.
 */
function randomSearches(seed: number): string[][] {
  const r = new Rng(seed);
  const uniform = (low: number, high: number): number => low + (high - low) * r.next();
  const position = (): [string, string] => {
    const roll = r.next();
    if (roll < 0.1) return [String(r.pick([180, -180, 0, 179.9999])), uniform(-85.05112878, 85.05112878).toFixed(6)];
    if (roll < 0.2) return [uniform(-180, 180).toFixed(6), String(r.pick([85.05112878, -85.05112878, 0, 84.9999]))];
    if (roll < 0.6) return [uniform(11, 15).toFixed(r.int(2, 10)), uniform(36, 40).toFixed(r.int(2, 10))];
    return [uniform(-180, 180).toFixed(8), uniform(-85.05112878, 85.05112878).toFixed(8)];
  };
  const script: string[][] = [];
  const members = 150;
  for (let i = 0; i < members; i += 10) {
    script.push(['GEOADD', 'k', ...Array.from({ length: 10 }, (_, j) => [...position(), `m${i + j}`]).flat()]);
  }
  for (let j = 0; j < 12; j++) script.push(['GEOADD', 'k', '13.5', '38.5', `same${j}`]);
  const units = ['m', 'km', 'ft', 'mi'];
  for (let q = 0; q < 80; q++) {
    const options: string[] = [];
    for (const option of ['WITHDIST', 'WITHCOORD', 'WITHHASH']) if (r.chance(0.3)) options.push(option);
    const order = r.next();
    if (order < 0.3) options.push('ASC');
    else if (order < 0.5) options.push('DESC');
    if (r.chance(0.5)) {
      options.push('COUNT', String(r.pick([1, 2, 3, 5, 10, 20, 50, 1000])));
      if (r.chance(0.3)) options.push('ANY');
    }
    const unit = r.pick(units);
    const meters = r.pick([0, 1, 100, 5000, 20000, 100000, 1e6, 5e6, 2e7, 1e9, uniform(0, 3e6)]);
    const radius = String(unit === 'km' ? meters / 1000 : meters);
    const from = r.chance(0.3) ? ['FROMMEMBER', r.pick([`m${r.int(0, members - 1)}`, 'same3'])] : ['FROMLONLAT', ...position()];
    const kind = r.next();
    if (kind < 0.3) script.push(['GEOSEARCH', 'k', ...from, 'BYRADIUS', radius, unit, ...options]);
    else if (kind < 0.6) {
      const side = (): string => String(Number(radius) * uniform(0.2, 3));
      script.push(['GEOSEARCH', 'k', ...from, 'BYBOX', side(), side(), unit, ...options]);
    } else if (kind < 0.8) script.push(['GEORADIUS', 'k', ...position(), radius, unit, ...options]);
    else {
      const kept = options.filter((option) => !option.startsWith('WITH'));
      script.push(['GEOSEARCHSTORE', 'dst', 'k', ...from, 'BYRADIUS', radius, unit, ...kept, ...(r.chance(0.5) ? ['STOREDIST'] : [])]);
      // Distances stored with 17 digits may differ in the last one from glibc's (see trig.ts).
      script.push(['ZRANGE', 'dst', '0', '-1'], ['OBJECT', 'ENCODING', 'dst']);
    }
  }
  return script;
}

const SCRIPTS: Record<string, string[][]> = {
  'GEOADD options and coordinate errors, scores, GEOPOS, GEOHASH, GEODIST': commandsOf(`
GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
ZSCORE Sicily Palermo
ZRANGE Sicily 0 -1 WITHSCORES
OBJECT ENCODING Sicily
GEOPOS Sicily Palermo nonex Catania
GEOPOS nokey a
GEOHASH Sicily Palermo Catania nonex
GEOHASH nokey a b
GEODIST Sicily Palermo Catania
GEODIST Sicily Palermo Catania km
GEODIST Sicily Palermo Catania MI
GEODIST Sicily Palermo Catania ft
GEODIST Sicily Palermo Catania yd
GEODIST Sicily Palermo Palermo
GEODIST Sicily Palermo nonex
GEODIST nokey a b
GEODIST nokey a b xx
GEODIST Sicily Palermo Catania km extra
GEOADD Sicily NX XX 1 1 a
GEOADD Sicily CH 13.361389 38.115556 Palermo 1 1 new
GEOADD Sicily XX CH 1 2 Palermo 1 1 new2
GEOADD Sicily NX 5 5 Palermo 6 6 new3
GEOADD Sicily ch xx nx 1 1 a
GEOADD Sicily 1 1
GEOADD Sicily 1 1 a 2
GEOADD Sicily 181 1 a
GEOADD Sicily -0 100 a
GEOADD Sicily 1 85.05112879 a
GEOADD Sicily 1.23456789 -100.0000005 a
GEOADD Sicily 1e300 1 a
GEOADD Sicily nan 1 a
GEOADD Sicily 1 1e400 a
GEOADD Sicily inf 1 a
GEOADD Sicily " 1" 1 a
GEOADD Sicily CH CH CH
GEOADD Sicily GT 1 1 a
GEOADD nokey XX 1 1 a
EXISTS nokey
ZRANGE Sicily 0 -1 WITHSCORES
SET str x
GEOADD str 1 1 a
GEOADD str 1 100 a
GEOPOS str a
GEOHASH str a
GEODIST str a b
GEODIST str a b parsec
GEOADD edge 180 85.05112878 p 180 0 q -180 -85.05112878 r 0 0 z -0 -0 nz
ZRANGE edge 0 -1 WITHSCORES
GEOPOS edge p q r z nz
GEOHASH edge p q r z nz
GEODIST edge p r
GEODIST edge q z km
ZADD w -1 a 1e30 b 0.5 c -1e30 d 18446744073709551616 e 9007199254740993 f 1.5 g
GEOPOS w a b c d e f g
GEOHASH w a b c d e f g
GEODIST w a b
GEODIST w f g mi
`),
  'GEORADIUS family: options, stores, errors and their precedence': commandsOf(`
GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
GEORADIUS Sicily 15 37 200 km
GEORADIUS Sicily 15 37 200 km WITHDIST
GEORADIUS Sicily 15 37 200 km WITHCOORD
GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH
GEORADIUS Sicily 15 37 200 km withhash withdist DESC
GEORADIUS Sicily 15 37 200 km COUNT 1
GEORADIUS Sicily 15 37 200 km COUNT 2 DESC
GEORADIUS Sicily 15 37 200 km COUNT 1 ANY
GEORADIUS Sicily 15 37 200 km COUNT 1 ANY ASC
GEORADIUS Sicily 15 37 200 km ANY
GEORADIUS Sicily 15 37 200 km COUNT 0
GEORADIUS Sicily 15 37 200 km COUNT -1
GEORADIUS Sicily 15 37 200 km COUNT x
GEORADIUS Sicily 15 37 200 km COUNT
GEORADIUS Sicily 15 37 200 km BOGUS
GEORADIUS Sicily 15 37 0 km
GEORADIUS Sicily 15 37 inf km
GEORADIUS Sicily 15 37 200 km STORE dst
ZRANGE dst 0 -1 WITHSCORES
OBJECT ENCODING dst
GEORADIUS Sicily 15 37 200 km STOREDIST dst
ZRANGE dst 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 200 km STORE dst STOREDIST dst2
EXISTS dst2
GEORADIUS Sicily 15 37 200 km STOREDIST dst WITHDIST
GEORADIUS Sicily 15 37 200 km STORE
GEORADIUS Sicily 15 37 1 m STORE dst
EXISTS dst
GEORADIUS_RO Sicily 15 37 200 km STORE dst
GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC
GEORADIUS Sicily 15 37 -1 km
GEORADIUS Sicily 15 37 x km
GEORADIUS Sicily 15 37 1 lightyears
GEORADIUS Sicily 15 37 -1 lightyears
GEORADIUS Sicily 200 37 x km
GEORADIUS Sicily x 37 1 km
GEORADIUS Sicily 15 37 200 km COUNT 0 WITHDIST STORE dst
GEORADIUS nokey 15 37 200 km
GEORADIUS nokey 15 37 200 km STORE Sicily2
SET d x
GEORADIUS nokey 15 37 200 km STORE d
EXISTS d
GEORADIUS nokey 15 37 200 km COUNT 1 ANY WITHDIST
GEORADIUS nokey 15 37 200 km ANY
GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST
GEORADIUSBYMEMBER Sicily Palermo 200 km COUNT 2 DESC WITHCOORD
GEORADIUSBYMEMBER Sicily nonex 200 km WITHDIST
GEORADIUSBYMEMBER Sicily nonex x km
GEORADIUSBYMEMBER Sicily Palermo x km
GEORADIUSBYMEMBER nokey nonex abc km WITHDIST
GEORADIUSBYMEMBER nokey nonex abc km STORE dst
GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST dst
ZRANGE dst 0 -1 WITHSCORES
GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST ASC
GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE dst
SET str x
GEORADIUS str 15 37 200 km
GEORADIUSBYMEMBER str a x km
`),
  'GEOSEARCH and GEOSEARCHSTORE: shapes, option conflicts, stores and encodings': commandsOf(`
GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 100 km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km DESC
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km BYRADIUS 500 km COUNT 2
GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 100 km
GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 2 BYBOX 400 400 km DESC
GEOSEARCH Sicily FROMLONLAT 1 2 FROMMEMBER Palermo BYBOX 400 400 km DESC
GEOSEARCH Sicily BYBOX 400 400 km
GEOSEARCH Sicily FROMMEMBER Palermo
geosearch Sicily FROMMEMBER Palermo
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km BYBOX 1 1 km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 km BYRADIUS 1 km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX -1 1 km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX x 1 km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 x km
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 -1 furlong
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1
GEOSEARCH Sicily FROMMEMBER nonex BYBOX 1 1 km
GEOSEARCH Sicily FROMLONLAT 500 1 BYBOX 1 1 km
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km STORE x
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km STOREDIST
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km ANY
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km COUNT 1 ANY DESC WITHDIST
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 0 m
GEOSEARCH nokey FROMMEMBER nonex BYRADIUS 1 km
GEOSEARCH nokey FROMMEMBER nonex
GEOSEARCH nokey FROMLONLAT 1 1000 BYRADIUS 1 km
GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 500 km STOREDIST
ZRANGE dst 0 -1 WITHSCORES
GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 500 km COUNT 2 DESC
ZRANGE dst 0 -1 WITHSCORES
GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 500 km WITHDIST
GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 500 km STORE other
GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 1 m
EXISTS dst
GEOSEARCHSTORE dst nokey FROMMEMBER Palermo BYRADIUS 1 m
SET str x
GEOSEARCH str FROMMEMBER a BYRADIUS 1 m
GEOSEARCHSTORE dst str FROMMEMBER a BYRADIUS 1 m
GEOSEARCHSTORE str Sicily FROMMEMBER Palermo BYRADIUS 500 km
TYPE str
GEOADD many 0 0 a0 0.001 0 a1 0.002 0 a2 0.003 0 a3 0.004 0 a4 0.005 0 a5 0.006 0 a6 0.007 0 a7
CONFIG SET zset-max-listpack-entries 4
GEOSEARCHSTORE big many FROMLONLAT 0 0 BYRADIUS 10 km
OBJECT ENCODING big
GEOSEARCHSTORE big many FROMLONLAT 0 0 BYRADIUS 10 km COUNT 4
OBJECT ENCODING big
CONFIG SET zset-max-listpack-entries 128
`),
  'seeded searches over clusters, duplicates and range edges (seed 1)': randomSearches(1),
  'seeded searches over clusters, duplicates and range edges (seed 2)': randomSearches(2),
};

describeAgainstRealRedis('geo.test.ts', 'geo commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);
});

describeWithTsredis('geo commands', ({ redis }) => {
  it('stores positions as sorted set scores and reads them back', async () => {
    await redis().flushall();
    expect(await redis().geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania')).toBe(2);
    expect(await redis().type('Sicily')).toBe('zset');
    expect(await redis().zscore('Sicily', 'Palermo')).toBe('3479099956230698');
    expect(await redis().geopos('Sicily', 'Palermo', 'nonex')).toEqual([['13.36138933897018433', '38.11555639549629859'], null]);
    expect(await redis().geohash('Sicily', 'Palermo', 'Catania')).toEqual(['sqc8b49rny0', 'sqdtr74hyu0']);
    expect(await redis().geodist('Sicily', 'Palermo', 'Catania', 'KM')).toBe('166.2742');
    expect(await redis().geodist('Sicily', 'Palermo', 'nonex')).toBeNull();
  });

  it('searches by radius and box, nearest first with COUNT', async () => {
    await redis().flushall();
    await redis().geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania');
    expect(await redis().georadius('Sicily', 15, 37, 200, 'km', 'WITHDIST', 'ASC')).toEqual([
      ['Catania', '56.4413'],
      ['Palermo', '190.4424'],
    ]);
    expect(await redis().geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'COUNT', 1, 'WITHHASH')).toEqual([
      ['Catania', 3479447370796909],
    ]);
    expect(await redis().geosearchstore('near', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 100, 'km')).toBe(1);
    expect(await redis().zrange('near', 0, -1)).toEqual(['Palermo']);
    await expect(redis().geosearch('Sicily', 'BYRADIUS', 1, 'km', 'ASC', 'WITHDIST')).rejects.toThrow(
      'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch',
    );
    await expect(redis().geoadd('Sicily', 200, 0, 'x')).rejects.toThrow('ERR invalid longitude,latitude pair 200.000000,0.000000');
  });
}, { flushBeforeEach: false });
