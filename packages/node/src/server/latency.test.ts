import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency.js';

/** hdr_histogram's bucket bounds for 2 significant digits, computed the direct way. */
function referenceHighest(value: number): number {
  const unit = value < 256 ? 1 : 2 ** (Math.floor(Math.log2(value)) - 7);
  return Math.floor(value / unit) * unit + unit - 1;
}

describe('LatencyHistogram', () => {
  it('reports the top of the bucket holding a value, at every magnitude', () => {
    const values = [1, 2, 255, 256, 257, 511, 512, 1000, 1023, 1024, 12345, 999_999, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 12345, 5e9, 2 ** 40 + 7];
    for (const value of values) {
      const histogram = new LatencyHistogram();
      histogram.record(value);
      expect(histogram.valueAtPercentile(50), String(value)).toBe(referenceHighest(value));
    }
  });

  it('orders buckets by value for percentiles and cumulative levels', () => {
    const histogram = new LatencyHistogram();
    for (const value of [5000, 300, 300, 70_000, 2000]) histogram.record(value);
    expect(histogram.total).toBe(5);
    expect(histogram.valueAtPercentile(0)).toBe(referenceHighest(300));
    expect(histogram.valueAtPercentile(50)).toBe(referenceHighest(2000));
    expect(histogram.valueAtPercentile(100)).toBe(referenceHighest(70_000));
    expect(histogram.cumulativeBuckets()).toEqual([
      [1, 2],
      [2, 3],
      [8, 4],
      [132, 5],
    ]);
  });
});
