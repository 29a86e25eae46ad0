import { ValueType } from '../keyspace/entry.js';
import { Err, errorArg, ReplyError } from '../protocol/errors.js';
import { trimFraction } from '../protocol/format.js';
import type { Client } from '../server/client.js';
import {
  cellScoreRange,
  decodeScore,
  distanceWithin,
  encodeScore,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  geoDistance,
  geohashString,
  roughlyEqual,
  searchCells,
  type GeoCell,
  type GeoShape,
  type LonLat,
} from '../types/geohash.js';
import { partialSort } from '../types/partial-sort.js';
import { SortedSet } from '../types/zset.js';
import { floatArgument, integerArgument } from './arguments.js';
import { readTyped } from './lookup.js';
import type { CommandFamily } from './table.js';
import { nodesByScore } from './zset-range.js';
import { listpackLimits, storeResult, zsetOf } from './zset-value.js';
import { zsetCommands } from './zset.js';

/**
 * The GEO family (geo.c): positions are sorted set members whose score is the 52-bit geohash
 * (types/geohash.ts). GEOADD is ZADD with encoded scores; the searches scan the nine cells
 * around the centre as score ranges, filter by the exact shape, then sort by distance with the
 * same sorts Redis uses, so ties come out in the same order. Numbers print as geo.c prints them:
 * distances with four decimals, coordinates with "%.17Lf" trimmed.
 */

// ---------------------------------------------------------------------------------------------
// Number formatting

const scratch = new DataView(new ArrayBuffer(8));

/**
 * printf's "%.<digits>f" of a double: the exact binary value rounded half to even (as glibc
 * does), with the sign of negative values and of -0 kept.
 */
function printfFixed(value: number, digits: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  scratch.setFloat64(0, Math.abs(value));
  const bits = scratch.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & 0xfffffffffffffn;
  // |value| = mantissa · 2^exponent
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  const scaled = mantissa * 10n ** BigInt(digits);
  let units: bigint;
  if (exponent >= 0) units = scaled << BigInt(exponent);
  else {
    const shift = BigInt(-exponent);
    units = scaled >> shift;
    const twiceRemainder = (scaled - (units << shift)) << 1n;
    const half = 1n << shift;
    if (twiceRemainder > half || (twiceRemainder === half && (units & 1n) === 1n)) units++;
  }
  const text = units.toString().padStart(digits + 1, '0');
  const point = text.length - digits;
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  return `${sign}${text.slice(0, point)}.${text.slice(point)}`;
}

/** addReplyHumanLongDouble's text: "%.17Lf" without trailing zeros, "-0" as "0". */
function humanDouble(value: number): string {
  const text = trimFraction(printfFixed(value, 17));
  return text === '-0' ? '0' : text;
}

/** A coordinate: a bulk string in RESP2, a double carrying the same text in RESP3. */
function replyCoordinate(client: Client, value: number): void {
  const text = humanDouble(value);
  if (client.resp === 3) client.rawText(`,${text}\r\n`);
  else client.bulk(text);
}

/**
 * addReplyDoubleDistance (fixedpoint_d2string with 4 digits): the distance times 10^4 rounded
 * to an integer by llrint (half to even), printed with the point put back.
 */
function replyDistance(client: Client, distance: number): void {
  const scaled = distance * 10000;
  let units = Math.floor(scaled);
  const rest = scaled - units;
  if (rest > 0.5 || (rest === 0.5 && units % 2 !== 0)) units++;
  const digits = Math.abs(units).toString().padStart(5, '0');
  client.bulk(`${units < 0 ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`);
}

/**
 * A result's distance in the request's unit: the rough distance prints the same digits unless
 * it lies near a rounding tie (within roughlyEqual's tolerance), where the exact one is used.
 */
function replyPointDistance(client: Client, point: GeoPoint, conversion: number): void {
  const scaled = (point.dist / conversion) * 10000;
  if (Math.abs(scaled - Math.floor(scaled) - 0.5) <= scaled * 1e-6) exactDistance(point);
  replyDistance(client, point.dist / conversion);
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** An option word as strcasecmp sees it: lower case, ending at the first NUL. */
function optionWord(text: string): string {
  const nul = text.indexOf('\0');
  return (nul === -1 ? text : text.slice(0, nul)).toLowerCase();
}

const UNITS: Record<string, number> = { m: 1, km: 1000, ft: 0.3048, mi: 1609.34 };

/** extractUnitOrReply: meters per unit. */
function unitArgument(text: string): number {
  const toMeters = UNITS[optionWord(text)];
  if (toMeters === undefined) throw new ReplyError('ERR unsupported unit provided. please use M, KM, FT, MI');
  return toMeters;
}

/** extractLongLatOrReply: both numbers are read before the range is checked. */
function lonLatArguments(argv: readonly string[], at: number): LonLat {
  const lon = floatArgument(argv[at]!);
  const lat = floatArgument(argv[at + 1]!);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new ReplyError(`ERR invalid longitude,latitude pair ${printfFixed(lon, 6)},${printfFixed(lat, 6)}`);
  }
  return { lon, lat };
}

/** extractDistanceOrReply: <radius> <unit>. */
function radiusArguments(argv: readonly string[], at: number): { radius: number; conversion: number } {
  const radius = floatArgument(argv[at]!, 'ERR need numeric radius');
  if (radius < 0) throw new ReplyError('ERR radius cannot be negative');
  return { radius, conversion: unitArgument(argv[at + 1]!) };
}

/** extractBoxOrReply: <width> <height> <unit>. */
function boxArguments(argv: readonly string[], at: number): { width: number; height: number; conversion: number } {
  const width = floatArgument(argv[at]!, 'ERR need numeric width');
  const height = floatArgument(argv[at + 1]!, 'ERR need numeric height');
  if (height < 0 || width < 0) throw new ReplyError('ERR height or width cannot be negative');
  return { width, height, conversion: unitArgument(argv[at + 2]!) };
}

/** longLatFromMember: the decoded position of a member of the source set. */
function memberPosition(zset: SortedSet, member: string): LonLat {
  const score = zset.score(member);
  if (score === undefined) throw new ReplyError('ERR could not decode requested zset member');
  return decodeScore(score, { lon: 0, lat: 0 });
}

// ---------------------------------------------------------------------------------------------
// GEOADD, GEOHASH, GEOPOS, GEODIST

/**
 * GEOADD key [NX|XX] [CH] lon lat member ...: checks the options and every coordinate, then
 * runs ZADD with the encoded scores, as geo.c rewrites the command into ZADD.
 */
function geoadd(client: Client, argv: string[]): void {
  const options: string[] = [];
  let first = 2;
  for (; first < argv.length; first++) {
    const option = optionWord(argv[first]!);
    if (option !== 'nx' && option !== 'xx' && option !== 'ch') break;
    options.push(option);
  }
  if ((argv.length - first) % 3 !== 0 || (options.includes('nx') && options.includes('xx'))) {
    client.error(Err.syntax);
    return;
  }
  const zaddArgv = ['zadd', argv[1]!, ...options];
  for (let i = first; i < argv.length; i += 3) {
    const { lon, lat } = lonLatArguments(argv, i);
    zaddArgv.push(String(encodeScore(lon, lat)), argv[i + 2]!);
  }
  zsetCommands.handlers['zadd']!(client, zaddArgv);
}

/** The source set of a read, or null when the key is missing (WRONGTYPE is thrown). */
function sourceZset(client: Client, key: string): SortedSet | null {
  const entry = readTyped(client, key, ValueType.ZSet);
  return entry === undefined ? null : zsetOf(entry);
}

function geohash(client: Client, argv: string[]): void {
  const zset = sourceZset(client, argv[1]!);
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.score(argv[i]!);
    if (score === undefined) client.nullBulk();
    else client.bulk(geohashString(score));
  }
}

function geopos(client: Client, argv: string[]): void {
  const zset = sourceZset(client, argv[1]!);
  client.arrayLength(argv.length - 2);
  const position: LonLat = { lon: 0, lat: 0 };
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.score(argv[i]!);
    if (score === undefined) {
      client.nullArray();
      continue;
    }
    decodeScore(score, position);
    client.arrayLength(2);
    replyCoordinate(client, position.lon);
    replyCoordinate(client, position.lat);
  }
}

/** GEODIST key member1 member2 [unit]: the unit is checked before the key is looked up. */
function geodist(client: Client, argv: string[]): void {
  let toMeters = 1;
  if (argv.length === 5) toMeters = unitArgument(argv[4]!);
  else if (argv.length > 5) {
    client.error(Err.syntax);
    return;
  }
  const zset = sourceZset(client, argv[1]!);
  const score1 = zset?.score(argv[2]!);
  const score2 = zset?.score(argv[3]!);
  if (score1 === undefined || score2 === undefined) {
    client.nullBulk();
    return;
  }
  const a = decodeScore(score1, { lon: 0, lat: 0 });
  const b = decodeScore(score2, { lon: 0, lat: 0 });
  replyDistance(client, geoDistance(a.lon, a.lat, b.lon, b.lat) / toMeters);
}

// ---------------------------------------------------------------------------------------------
// GEORADIUS, GEORADIUSBYMEMBER (and _RO), GEOSEARCH, GEOSEARCHSTORE

const enum Variant {
  /** Around coordinates given after the key (GEORADIUS). */
  Coords = 1,
  /** Around a member given after the key (GEORADIUSBYMEMBER). */
  Member = 2,
  /** STORE/STOREDIST refused (the _RO forms). */
  NoStore = 4,
  /** FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX options (GEOSEARCH). */
  Search = 8,
  /** The destination is the first key, STOREDIST takes no argument (GEOSEARCHSTORE). */
  SearchStore = 16,
}

const enum Sort {
  None,
  Asc,
  Desc,
}

interface SearchRequest {
  /** Null only when the source key is missing (the shape is then never used). */
  shape: GeoShape | null;
  storeKey: string | null;
  storeDist: boolean;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  sort: Sort;
  any: boolean;
  /** 0: no COUNT. */
  count: number;
}

/** A shape under construction: GEOSEARCH sets its centre and its size with separate options. */
interface ShapeParts {
  centre: LonLat | null;
  size: { radius: number; conversion: number } | { width: number; height: number; conversion: number } | null;
}

function shapeOf(parts: ShapeParts): GeoShape | null {
  const { centre, size } = parts;
  if (centre === null || size === null) return null;
  return 'radius' in size
    ? { kind: 'radius', lon: centre.lon, lat: centre.lat, radius: size.radius, conversion: size.conversion }
    : { kind: 'box', lon: centre.lon, lat: centre.lat, width: size.width, height: size.height, conversion: size.conversion };
}

/**
 * georadiusGeneric's argument reading, in its order: the fixed arguments, then the options
 * left to right (each checked as it is met), then the combinations. Throws ReplyError.
 */
function parseSearch(argv: readonly string[], variant: number, zset: SortedSet | null): SearchRequest {
  const parts: ShapeParts = { centre: null, size: null };
  const request: SearchRequest = {
    shape: null,
    storeKey: null,
    storeDist: false,
    withDist: false,
    withHash: false,
    withCoord: false,
    sort: Sort.None,
    any: false,
    count: 0,
  };
  const search = (variant & Variant.Search) !== 0;
  const storeOptions = (variant & (Variant.NoStore | Variant.Search)) === 0;
  let base: number;
  if (variant & Variant.Coords) {
    base = 6;
    parts.centre = lonLatArguments(argv, 2);
    parts.size = radiusArguments(argv, 4);
  } else if (variant & Variant.Member) {
    base = 5;
    // A missing source key skips the member and the radius: the reply is empty either way.
    if (zset !== null) {
      parts.centre = memberPosition(zset, argv[2]!);
      parts.size = radiusArguments(argv, 3);
    }
  } else {
    base = 2;
    if (variant & Variant.SearchStore) {
      base = 3;
      request.storeKey = argv[1]!;
    }
  }

  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const at = base + i;
    const option = optionWord(argv[at]!);
    if (option === 'withdist') request.withDist = true;
    else if (option === 'withhash') request.withHash = true;
    else if (option === 'withcoord') request.withCoord = true;
    else if (option === 'any') request.any = true;
    else if (option === 'asc') request.sort = Sort.Asc;
    else if (option === 'desc') request.sort = Sort.Desc;
    else if (option === 'count' && i + 1 < remaining) {
      const count = Number(integerArgument(argv[at + 1]!));
      if (count <= 0) throw new ReplyError('ERR COUNT must be > 0');
      request.count = count;
      i++;
    } else if ((option === 'store' || option === 'storedist') && i + 1 < remaining && storeOptions) {
      request.storeKey = argv[at + 1]!;
      request.storeDist = option === 'storedist';
      i++;
    } else if (option === 'storedist' && search && (variant & Variant.SearchStore) !== 0) {
      request.storeDist = true;
    } else if (option === 'frommember' && i + 1 < remaining && search && !fromLonLat) {
      if (zset !== null) parts.centre = memberPosition(zset, argv[at + 1]!);
      fromMember = true;
      i++;
    } else if (option === 'fromlonlat' && i + 2 < remaining && search && !fromMember) {
      parts.centre = lonLatArguments(argv, at + 1);
      fromLonLat = true;
      i += 2;
    } else if (option === 'byradius' && i + 2 < remaining && search && !byBox) {
      parts.size = radiusArguments(argv, at + 1);
      byRadius = true;
      i += 2;
    } else if (option === 'bybox' && i + 3 < remaining && search && !byRadius) {
      parts.size = boxArguments(argv, at + 1);
      byBox = true;
      i += 3;
    } else throw new ReplyError(Err.syntax);
  }

  if (request.storeKey !== null && (request.withDist || request.withHash || request.withCoord)) {
    const what = variant & Variant.SearchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw new ReplyError(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (search && !(fromMember || fromLonLat)) {
    throw new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${errorArg(argv[0]!)}`);
  }
  if (search && !(byRadius || byBox)) {
    throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${errorArg(argv[0]!)}`);
  }
  if (request.any && request.count === 0) throw new ReplyError('ERR the ANY argument requires COUNT argument');
  request.shape = shapeOf(parts);
  return request;
}

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  /** Meters from the centre: rough (roughDistance) until `exact` is set. */
  dist: number;
  exact: boolean;
  shape: GeoShape;
}

/** The point's exact distance (geoDistance), computed once, where a rough one could show. */
function exactDistance(point: GeoPoint): number {
  if (!point.exact) {
    point.dist = geoDistance(point.shape.lon, point.shape.lat, point.lon, point.lat);
    point.exact = true;
  }
  return point.dist;
}

const ALL_NODES = { offset: 0, limit: -1 };

/**
 * membersOfAllNeighbors: the members inside the shape, cell by cell in Redis's order, each
 * cell in score order. A cell equal to the previously scanned neighbour is skipped (huge radii
 * make neighbours coincide); `limit` (COUNT ... ANY) stops the scan once enough were found.
 */
function pointsInShape(zset: SortedSet, shape: GeoShape, limit: number): GeoPoint[] {
  const points: GeoPoint[] = [];
  let previous: GeoCell | null = null;
  const cells = searchCells(shape);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell === null) continue;
    if (previous !== null && cell.lat === previous.lat && cell.lon === previous.lon && cell.step === previous.step) continue;
    if (limit !== 0 && points.length >= limit) break;
    collectCell(zset, shape, cell, points, limit);
    // Redis remembers the index of the last scanned cell, and index 0 (the centre) reads as "none".
    previous = i === 0 ? null : cell;
  }
  return points;
}

/** geoGetPointsInRange over one cell's [min, max) score range. */
function collectCell(zset: SortedSet, shape: GeoShape, cell: GeoCell, points: GeoPoint[], limit: number): void {
  const { min, max } = cellScoreRange(cell);
  const nodes = nodesByScore(zset, { min, max, minex: false, maxex: true }, false, ALL_NODES);
  const position: LonLat = { lon: 0, lat: 0 };
  for (const node of nodes) {
    decodeScore(node.score, position);
    const dist = distanceWithin(shape, position.lon, position.lat);
    if (dist >= 0) points.push({ member: node.member, score: node.score, lon: position.lon, lat: position.lat, dist, exact: false, shape });
    if (limit !== 0 && points.length >= limit) return;
  }
}

/** sort_gp_asc on exact distances: rough ones decide unless they are too close to tell. */
function byDistanceAsc(a: GeoPoint, b: GeoPoint): number {
  let x = a.dist;
  let y = b.dist;
  if (roughlyEqual(x, y)) {
    x = exactDistance(a);
    y = exactDistance(b);
  }
  return x > y ? 1 : x === y ? 0 : -1;
}

function byDistanceDesc(a: GeoPoint, b: GeoPoint): number {
  return -byDistanceAsc(a, b);
}

/**
 * Redis sorts everything with qsort (glibc's is a stable merge sort, like Array#sort) but only
 * the first COUNT with pqsort, whose order among equal distances is its own.
 */
function sortPoints(points: GeoPoint[], sort: Sort, returned: number): void {
  if (sort === Sort.None) return;
  const compare = sort === Sort.Asc ? byDistanceAsc : byDistanceDesc;
  if (returned === points.length) points.sort(compare);
  else partialSort(points, compare, 0, returned - 1);
}

function replyPoints(client: Client, request: SearchRequest, points: readonly GeoPoint[], returned: number, conversion: number): void {
  const options = Number(request.withDist) + Number(request.withHash) + Number(request.withCoord);
  client.arrayLength(returned);
  for (let i = 0; i < returned; i++) {
    const point = points[i]!;
    if (options > 0) client.arrayLength(options + 1);
    client.bulk(point.member);
    if (request.withDist) replyPointDistance(client, point, conversion);
    // addReplyLongLong of the score: C truncates the double.
    if (request.withHash) client.integer(Math.trunc(point.score));
    if (request.withCoord) {
      client.arrayLength(2);
      replyCoordinate(client, point.lon);
      replyCoordinate(client, point.lat);
    }
  }
}

/** The *STORE result: members scored by hash or by distance, encoded as zsetConvertToListpackIfNeeded would. */
function storePoints(client: Client, key: string, request: SearchRequest, points: readonly GeoPoint[], returned: number, conversion: number): void {
  const zset = new SortedSet('skiplist');
  let longest = 0;
  for (let i = 0; i < returned; i++) {
    const point = points[i]!;
    zset.set(point.member, request.storeDist ? exactDistance(point) / conversion : point.score);
    longest = Math.max(longest, point.member.length);
  }
  const limits = listpackLimits(client);
  if (returned <= limits.entries && longest <= limits.value) zset.encoding = 'listpack';
  storeResult(client, key, zset);
  // storeResult counts one change for the key; Redis counts one per stored member.
  if (returned > 1) client.server.dirty += returned - 1;
}

/** georadiusGeneric: every search command, `source` being the index of the source key. */
function searchGeneric(client: Client, argv: string[], source: number, variant: number): void {
  const zset = sourceZset(client, argv[source]!);
  const request = parseSearch(argv, variant, zset);
  if (zset === null || request.shape === null) {
    if (request.storeKey === null) client.emptyArray();
    else {
      if (client.db.delete(request.storeKey)) client.server.dirty++;
      client.integer(0);
    }
    return;
  }
  // COUNT without an order means the nearest ones (but ANY takes whichever come first).
  if (request.count !== 0 && request.sort === Sort.None && !request.any) request.sort = Sort.Asc;
  const shape = request.shape;
  const points = pointsInShape(zset, shape, request.any ? request.count : 0);
  if (points.length === 0 && request.storeKey === null) {
    client.emptyArray();
    return;
  }
  const returned = request.count === 0 || points.length < request.count ? points.length : request.count;
  sortPoints(points, request.sort, returned);
  if (request.storeKey === null) replyPoints(client, request, points, returned, shape.conversion);
  else storePoints(client, request.storeKey, request, points, returned, shape.conversion);
}

function georadius(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 1, Variant.Coords);
}

function georadiusRo(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 1, Variant.Coords | Variant.NoStore);
}

function georadiusbymember(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 1, Variant.Member);
}

function georadiusbymemberRo(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 1, Variant.Member | Variant.NoStore);
}

function geosearch(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 1, Variant.Search);
}

function geosearchstore(client: Client, argv: string[]): void {
  searchGeneric(client, argv, 2, Variant.Search | Variant.SearchStore);
}

export const geoCommands: CommandFamily = {
  handlers: {
    geoadd,
    geohash,
    geopos,
    geodist,
    georadius,
    georadius_ro: georadiusRo,
    georadiusbymember,
    georadiusbymember_ro: georadiusbymemberRo,
    geosearch,
    geosearchstore,
  },
};
