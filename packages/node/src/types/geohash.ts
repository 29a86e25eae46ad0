/**
 * Redis's geohash (geohash.c, geohash_helper.c, the geometry of geo.c): a position is encoded
 * as a 52-bit integer that interleaves a 26-bit latitude index (even bits) with a 26-bit
 * longitude index (odd bits), and that integer is the member's sorted set score. A search
 * covers the shape with the cell holding its centre plus the eight neighbours, at a step
 * (bits per coordinate) estimated from the radius, drops the neighbours the bounding box does
 * not reach, and scans each cell as one score range.
 *
 * Every floating-point step is done in the order Redis does it, so scores, decoded coordinates
 * and distances come out with the same bits — distances through correctly rounded sin/cos/asin
 * (types/trig.ts), which glibc's agree with for all but about 0.15% of arguments. Cell indexes are kept as two plain
 * integers: an index may reach 2^step (a coordinate exactly at the top of its range), and the
 * neighbour moves wrap modulo 2^step exactly as Redis's bit tricks do.
 */

import { asin, cos, sin } from './trig.js';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
/** D_R of geohash_helper.c: degrees to radians is `x * D_R`, back is `x / D_R`. */
const D_R = Math.PI / 180;
const TWO_32 = 4294967296;

export interface CoordRange {
  readonly min: number;
  readonly max: number;
}

/** The ranges of the stored scores (EPSG:900913 latitudes: no poles). */
export const WGS84_LONG: CoordRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT: CoordRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** The latitude range of standard geohash strings (GEOHASH re-encodes into it). */
export const STANDARD_LAT: CoordRange = { min: -90, max: 90 };

/** A cell: latitude and longitude indexes at `step` bits each. */
export interface GeoCell {
  lat: number;
  lon: number;
  step: number;
}

export interface LonLat {
  lon: number;
  lat: number;
}

export interface CellArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/**
 * geohashEncode: the cell holding (lon, lat) at `step` bits. Offsets are truncated to integers
 * as C's conversion to uint32_t does. The caller has checked the coordinates are in range.
 */
export function encodeCell(lon: number, lat: number, step: number, latRange: CoordRange = WGS84_LAT): GeoCell {
  const latOffset = ((lat - latRange.min) / (latRange.max - latRange.min)) * 2 ** step;
  const lonOffset = ((lon - WGS84_LONG.min) / (WGS84_LONG.max - WGS84_LONG.min)) * 2 ** step;
  return { lat: Math.trunc(latOffset), lon: Math.trunc(lonOffset), step };
}

/** Spreads the low 16 bits of v over the even bits of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** Gathers the even bits of a 32-bit word into 16 bits (the inverse of spread16). */
function gather16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64 as an exact integer (indexes may be 2^26, so the result may exceed 2^53). */
function interleave(cell: GeoCell): bigint {
  const lo = (spread16(cell.lat) | (spread16(cell.lon) << 1)) >>> 0;
  const hi = (spread16(Math.floor(cell.lat / 65536)) | (spread16(Math.floor(cell.lon / 65536)) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The score GEOADD stores for (lon, lat): the 52-bit hash, which ZADD reads back from its
 * decimal text (rounded to the nearest double when a coordinate at the top of its range sets
 * bit 52 or 53).
 */
export function encodeScore(lon: number, lat: number): number {
  return Number(interleave(encodeCell(lon, lat, GEO_STEP_MAX)));
}

/**
 * The [min, max) score range of the members inside a cell (scoresOfGeoHashBox): the hash and
 * the hash plus one, aligned to 52 bits, converted to doubles as C converts uint64_t.
 */
export function cellScoreRange(cell: GeoCell): { min: number; max: number } {
  const bits = interleave(cell);
  const shift = BigInt(52 - cell.step * 2);
  return { min: Number(bits << shift), max: Number((bits + 1n) << shift) };
}

/**
 * The two 32-bit words of `(uint64_t)score` as x86-64 GCC code computes it: values below 2^63
 * truncate through a signed conversion (two's complement; out of range gives 2^63), values from
 * 2^63 convert after subtracting 2^63 (at 2^64 and beyond that gives 0).
 */
function scoreWords(score: number): { hi: number; lo: number } {
  let t = Math.trunc(score);
  let top = 0;
  if (t >= 2 ** 63) {
    t -= 2 ** 63;
    if (t >= 2 ** 63) return { hi: 0, lo: 0 };
    top = 0x80000000;
  } else if (!(t > -(2 ** 63))) return { hi: 0x80000000, lo: 0 };
  return { hi: ((Math.floor(t / TWO_32) >>> 0) ^ top) >>> 0, lo: t >>> 0 };
}

/** geohashDecode: the edges of a cell. */
export function cellArea(cell: GeoCell, latRange: CoordRange = WGS84_LAT): CellArea {
  return areaOf(cell.lat, cell.lon, cell.step, latRange);
}

function areaOf(ilato: number, ilono: number, step: number, latRange: CoordRange): CellArea {
  const latScale = latRange.max - latRange.min;
  const lonScale = WGS84_LONG.max - WGS84_LONG.min;
  const cells = 2 ** step;
  // C adds 1 to a uint32_t: the top index wraps to 0.
  const latNext = (ilato + 1) >>> 0;
  const lonNext = (ilono + 1) >>> 0;
  return {
    latMin: latRange.min + (ilato / cells) * latScale,
    latMax: latRange.min + (latNext / cells) * latScale,
    lonMin: WGS84_LONG.min + (ilono / cells) * lonScale,
    lonMax: WGS84_LONG.min + (lonNext / cells) * lonScale,
  };
}

/**
 * decodeGeohash: the centre of the 26-step cell a score names, clamped to the valid ranges.
 * Any score decodes (a score ZADD wrote is read as C reads it); `out` is filled and returned.
 */
export function decodeScore(score: number, out: LonLat): LonLat {
  const { hi, lo } = scoreWords(score);
  const ilato = (gather16(lo) | (gather16(hi) << 16)) >>> 0;
  const ilono = (gather16(lo >>> 1) | (gather16(hi >>> 1) << 16)) >>> 0;
  const area = areaOf(ilato, ilono, GEO_STEP_MAX, WGS84_LAT);
  out.lon = Math.min(GEO_LONG_MAX, Math.max(GEO_LONG_MIN, (area.lonMin + area.lonMax) / 2));
  out.lat = Math.min(GEO_LAT_MAX, Math.max(GEO_LAT_MIN, (area.latMin + area.latMax) / 2));
  return out;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character string: the decoded centre re-encoded with the standard [-90, 90]
 * latitude range; 52 bits give ten characters and the eleventh is always '0'.
 */
export function geohashString(score: number): string {
  const centre = decodeScore(score, { lon: 0, lat: 0 });
  // A longitude of exactly 180 sets bit 53, which the 5-bit windows below never read.
  const bits = interleave(encodeCell(centre.lon, centre.lat, GEO_STEP_MAX, STANDARD_LAT));
  let text = '';
  for (let i = 0; i < 10; i++) text += GEOALPHABET[Number((bits >> BigInt(47 - i * 5)) & 31n)];
  return `${text}0`;
}

/** Moves a cell by whole cells; each moved index wraps modulo 2^step (geohash_move_x/_y). */
function moved(cell: GeoCell, dLon: number, dLat: number): GeoCell {
  const cells = 2 ** cell.step;
  const lon = dLon === 0 ? cell.lon : (cell.lon + dLon + cells) % cells;
  const lat = dLat === 0 ? cell.lat : (cell.lat + dLat + cells) % cells;
  return { lat, lon, step: cell.step };
}

/** geohashEstimateStepsByRadius: the step whose cells are about as wide as the radius. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return GEO_STEP_MAX;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // make sure the range is included in most of the base cases
  // Wider cells towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(GEO_STEP_MAX, Math.max(1, step));
}

/** geohashGetLatDistance: the distance along a meridian. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(lat2 * D_R - lat1 * D_R);
}

/** geohashGetDistance: haversine great-circle distance in meters. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return haversine(lon1, lat1, lon2, lat2, sin, cos, asin);
}

/**
 * The same formula with V8's Math functions: several times faster, and within a few ulps of
 * geoDistance (about 1e-8 relative near antipodes, where asin is steep). Searches work with it
 * and compute the exact distance only where the difference could show: near the edge of the
 * shape, between nearly equal distances when sorting, and in printed or stored distances.
 */
export function roughDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return haversine(lon1, lat1, lon2, lat2, Math.sin, Math.cos, Math.asin);
}

/** Whether two distances, one or both rough, may compare differently once computed exactly. */
export function roughlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(a, b) * 1e-6;
}

type Trig = (x: number) => number;

function haversine(lon1: number, lat1: number, lon2: number, lat2: number, sine: Trig, cosine: Trig, arcsine: Trig): number {
  const lon1r = lon1 * D_R;
  const lon2r = lon2 * D_R;
  const v = sine((lon2r - lon1r) / 2);
  // Same longitude: only the latitudes matter, and asin(sin(x)) is x.
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = sine((lat2r - lat1r) / 2);
  const a = u * u + cosine(lat1r) * cosine(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * arcsine(Math.sqrt(a));
}

/** A search shape (GeoShape): around (lon, lat), sizes in `unit`s of `conversion` meters. */
export type GeoShape =
  | { kind: 'radius'; lon: number; lat: number; conversion: number; radius: number }
  | { kind: 'box'; lon: number; lat: number; conversion: number; width: number; height: number };

/**
 * geoWithinShape after decoding: the point's rough distance from the centre in meters, or -1
 * when the point lies outside the circle or the box. A rough distance too close to the limit
 * to tell is recomputed exactly.
 */
export function distanceWithin(shape: GeoShape, lon: number, lat: number): number {
  if (shape.kind === 'radius') {
    const limit = shape.radius * shape.conversion;
    const distance = roughDistance(shape.lon, shape.lat, lon, lat);
    const outside = roughlyEqual(distance, limit) ? geoDistance(shape.lon, shape.lat, lon, lat) > limit : distance > limit;
    return outside ? -1 : distance;
  }
  // The latitude condition is cheaper, so Redis checks it first.
  if (latDistance(lat, shape.lat) > (shape.height * shape.conversion) / 2) return -1;
  const halfWidth = (shape.width * shape.conversion) / 2;
  const alongParallel = roughDistance(lon, lat, shape.lon, lat);
  const outside = roughlyEqual(alongParallel, halfWidth) ? geoDistance(lon, lat, shape.lon, lat) > halfWidth : alongParallel > halfWidth;
  return outside ? -1 : roughDistance(shape.lon, shape.lat, lon, lat);
}

/**
 * geohashBoundingBox: [minLon, minLat, maxLon, maxLat] around the shape. Meridians converge,
 * so the longitude span is taken at the edge nearer the pole.
 */
function boundingBox(shape: GeoShape): [number, number, number, number] {
  const height = shape.conversion * (shape.kind === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.kind === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = height / EARTH_RADIUS_IN_METERS / D_R;
  const lonDeltaTop = width / EARTH_RADIUS_IN_METERS / cos((shape.lat + latDelta) * D_R) / D_R;
  const lonDeltaBottom = width / EARTH_RADIUS_IN_METERS / cos((shape.lat - latDelta) * D_R) / D_R;
  const lonDelta = shape.lat < 0 ? lonDeltaBottom : lonDeltaTop;
  return [shape.lon - lonDelta, shape.lat - latDelta, shape.lon + lonDelta, shape.lat + latDelta];
}

/**
 * geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' order: the cells to scan, centre
 * first, then north, south, east, west, north-east, north-west, south-east, south-west; null
 * for a neighbour the bounding box does not reach.
 */
export function searchCells(shape: GeoShape): (GeoCell | null)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    (shape.kind === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))) *
    shape.conversion;
  let step = estimateStepsByRadius(radiusMeters, shape.lat);
  let centre = encodeCell(shape.lon, shape.lat, step);

  // Near a cell's edge the estimated step may be too fine for a neighbour to cover the box.
  const tooSmall =
    cellArea(moved(centre, 0, 1)).latMax < maxLat ||
    cellArea(moved(centre, 0, -1)).latMin > minLat ||
    cellArea(moved(centre, 1, 0)).lonMax < maxLon ||
    cellArea(moved(centre, -1, 0)).lonMin > minLon;
  if (step > 1 && tooSmall) {
    step--;
    centre = encodeCell(shape.lon, shape.lat, step);
  }

  const cells: (GeoCell | null)[] = [
    centre,
    moved(centre, 0, 1),
    moved(centre, 0, -1),
    moved(centre, 1, 0),
    moved(centre, -1, 0),
    moved(centre, 1, 1),
    moved(centre, -1, 1),
    moved(centre, 1, -1),
    moved(centre, -1, -1),
  ];
  if (step >= 2) {
    const area = cellArea(centre);
    const drop = (...indexes: number[]): void => {
      for (const i of indexes) cells[i] = null;
    };
    if (area.latMin < minLat) drop(2, 8, 7); // south, south-west, south-east
    if (area.latMax > maxLat) drop(1, 5, 6); // north, north-east, north-west
    if (area.lonMin < minLon) drop(4, 8, 6); // west, south-west, north-west
    if (area.lonMax > maxLon) drop(3, 7, 5); // east, south-east, north-east
  }
  return cells;
}
