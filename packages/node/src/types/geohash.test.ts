import { describe, expect, it } from 'vitest';
import {
  cellArea,
  cellScoreRange,
  decodeScore,
  distanceWithin,
  encodeCell,
  encodeScore,
  estimateStepsByRadius,
  geoDistance,
  geohashString,
  searchCells,
  type GeoShape,
} from './geohash.js';

// Expected values are Redis 7.0's replies (ZSCORE after GEOADD, GEOPOS, GEOHASH, GEODIST).
const decode = (score: number): [number, number] => {
  const { lon, lat } = decodeScore(score, { lon: 0, lat: 0 });
  return [lon, lat];
};

describe('geohash scores', () => {
  it('encodes positions as GEOADD does', () => {
    expect(encodeScore(13.361389, 38.115556)).toBe(3479099956230698);
    expect(encodeScore(15.087269, 37.502669)).toBe(3479447370796909);
    expect(encodeScore(0, 0)).toBe(3377699720527872);
    expect(encodeScore(-180, -85.05112878)).toBe(0);
    // The top of a range gives an index of 2^26: bits 52/53 are set.
    expect(encodeScore(180, 0)).toBe(10133099161583616);
    expect(encodeScore(180, 85.05112878)).toBe(13510798882111488);
  });

  it('decodes a score to the centre of its cell', () => {
    expect(decode(3479099956230698)).toEqual([Number('13.36138933897018433'), Number('38.11555639549629859')]);
    expect(decode(3479447370796909)).toEqual([Number('15.08726745843887329'), Number('37.50266842333162032')]);
    const [lon, lat] = decode(10133099161583616);
    expect(lon).toBe(180);
    expect(lat).toBeCloseTo(0.00000126736058093, 17);
  });

  it('decodes any score as (uint64_t)score reads it on x86-64', () => {
    const bottomLeft = [Number('-179.99999731779098511'), Number('-85.05112751263942528')];
    expect(decode(-1)).toEqual([180, 85.05112878]);
    expect(decode(0.5)).toEqual(bottomLeft);
    expect(decode(1e30)).toEqual(bottomLeft);
    expect(decode(2 ** 64)).toEqual(bottomLeft);
    expect(decode(-1e30)).toEqual([180, bottomLeft[1]]);
    expect(decode(2 ** 53)).toEqual([180, bottomLeft[1]]);
  });

  it('prints standard 11-character geohashes', () => {
    expect(geohashString(3479099956230698)).toBe('sqc8b49rny0');
    expect(geohashString(3479447370796909)).toBe('sqdtr74hyu0');
    expect(geohashString(13510798882111488)).toBe('bp05b5048p0');
    expect(geohashString(10133099161583616)).toBe('80000000000');
    expect(geohashString(0)).toBe('00bh0hbj200');
    expect(geohashString(3377699720527872)).toBe('s0000000000');
  });
});

describe('geohash cells and searches', () => {
  it('estimates the step from the radius, coarser towards the poles', () => {
    expect(estimateStepsByRadius(0, 0)).toBe(26);
    expect(estimateStepsByRadius(200000, 0)).toBe(6);
    expect(estimateStepsByRadius(200000, 70)).toBe(5);
    expect(estimateStepsByRadius(200000, -85)).toBe(4);
    expect(estimateStepsByRadius(1e9, 0)).toBe(1);
    expect(estimateStepsByRadius(0.001, 0)).toBe(26);
  });

  it('gives a cell its score range and edges', () => {
    const cell = encodeCell(13.361389, 38.115556, 26);
    const { min, max } = cellScoreRange(cell);
    expect(min).toBe(3479099956230698);
    expect(max).toBe(3479099956230699);
    const area = cellArea(encodeCell(0, 0, 1));
    expect(area).toEqual({ latMin: 0, latMax: 85.05112878, lonMin: 0, lonMax: 180 });
  });

  it('covers a search with the centre cell and the neighbours the bounding box reaches', () => {
    const shape: GeoShape = { kind: 'radius', lon: 15, lat: 37, radius: 200, conversion: 1000 };
    const cells = searchCells(shape);
    expect(cells).toHaveLength(9);
    const centre = cells[0]!;
    expect(centre).toEqual(encodeCell(15, 37, centre.step));
    expect([5, 6]).toContain(centre.step);
    const size = 2 ** centre.step;
    // north, south, east, west, NE, NW, SE, SW
    const moves = [[0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [-1, 1], [1, -1], [-1, -1]];
    moves.forEach(([dLon, dLat], i) => {
      const cell = cells[i + 1];
      if (cell === null) return;
      expect(cell).toEqual({ lon: (centre.lon + dLon! + size) % size, lat: (centre.lat + dLat! + size) % size, step: centre.step });
    });
  });

  it('wraps neighbours around the antimeridian', () => {
    const cells = searchCells({ kind: 'box', lon: 179.9, lat: 0.5, width: 50, height: 50, conversion: 1000 });
    const centre = cells[0]!;
    const east = cells[3];
    expect(east === null || east.lon === 0).toBe(true);
    expect(centre.lon).toBe(2 ** centre.step - 1);
  });

  it('measures distances with the haversine formula and filters by shape', () => {
    const [lon1, lat1] = decode(3479099956230698);
    const [lon2, lat2] = decode(3479447370796909);
    expect(geoDistance(lon1, lat1, lon2, lat2).toFixed(4)).toBe('166274.1516');
    expect(distanceWithin({ kind: 'radius', lon: lon1, lat: lat1, radius: 166, conversion: 1000 }, lon2, lat2)).toBe(-1);
    expect(distanceWithin({ kind: 'radius', lon: lon1, lat: lat1, radius: 167, conversion: 1000 }, lon2, lat2)).toBeCloseTo(166274.1516, 3);
    // Catania is about 68 km south of Palermo: outside a box 100 km high, inside one 400 km high.
    expect(distanceWithin({ kind: 'box', lon: lon1, lat: lat1, width: 400, height: 100, conversion: 1000 }, lon2, lat2)).toBe(-1);
    expect(distanceWithin({ kind: 'box', lon: lon1, lat: lat1, width: 400, height: 400, conversion: 1000 }, lon2, lat2)).toBeGreaterThan(0);
  });
});
