import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../../src/lib/paths.js';
import {
  BUCKET_KEY_SQL,
  BUCKET_RATIO,
  QUANTILE_RELATIVE_ERROR,
  bucketValue,
  histogramQuantiles,
} from '../../../../src/store/queries/latency-buckets.js';

/** The bucket key ClickHouse computes (BUCKET_KEY_SQL), in JavaScript. */
const keyOf = (ns: number) => (ns === 0 ? -1 : Math.round(Math.log(ns) / Math.log(BUCKET_RATIO)));

/** A histogram of the durations, as the rollup holds it. */
function histogram(durations: number[]): { keys: number[]; counts: number[] } {
  const m = new Map<number, number>();
  for (const d of durations) m.set(keyOf(d), (m.get(keyOf(d)) ?? 0) + 1);
  return { keys: [...m.keys()], counts: [...m.values()] };
}

/** Linearly interpolated quantile of the values, as the estimates approximate it. */
function exact(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (pos - lo);
}

describe('latency buckets', () => {
  it('states a bound just under 1%', () => {
    expect(QUANTILE_RELATIVE_ERROR).toBeGreaterThan(0.0099);
    expect(QUANTILE_RELATIVE_ERROR).toBeLessThan(0.01);
  });

  it('is the bucket expression the rollup migration uses', () => {
    const ddl = readFileSync(
      join(packageRoot(), 'schema', '0009_span_latency_buckets.sql'),
      'utf8',
    );
    // Twice per use: the backfill and the materialized view.
    expect(ddl.split(BUCKET_KEY_SQL).length - 1).toBe(2);
  });

  it.each([
    ['one value', [5_000_000], [0.5, 0.99]],
    [
      'uniform 1..1000 ms',
      Array.from({ length: 1000 }, (_, i) => (i + 1) * 1e6),
      [0.5, 0.95, 0.99],
    ],
    ['two far clusters', [...Array(90).fill(1e3), ...Array(10).fill(3e9)], [0.5, 0.9, 0.95, 0.99]],
    [
      'heavy tail',
      Array.from({ length: 500 }, (_, i) => Math.round(1e5 * 1.03 ** i)),
      [0.5, 0.95, 0.99],
    ],
    [
      'values at bucket edges',
      Array.from({ length: 200 }, (_, i) => Math.round(1.02 ** (400 + i / 2 + 0.5))),
      [0.1, 0.5, 0.99],
    ],
    ['zeros and 1 ns', [0, 0, 0, 1, 1, 7], [0, 0.4, 0.5, 1]],
  ])('estimates %s within the bound of the exact quantile', (_name, durations, qs) => {
    const h = histogram(durations);
    const got = histogramQuantiles(h.keys, h.counts, qs);
    qs.forEach((q, i) => {
      const want = exact(durations, q);
      expect(Math.abs(got[i]! - want), `q=${q}`).toBeLessThanOrEqual(
        want * QUANTILE_RELATIVE_ERROR + 1e-9,
      );
    });
  });

  it('interpolates between the buckets of neighbouring ranks', () => {
    // Two spans, one per bucket: the median lies halfway between the bucket values.
    expect(histogramQuantiles([100, 200], [1, 1], [0.5])).toEqual([
      (bucketValue(100) + bucketValue(200)) / 2,
    ]);
    expect(histogramQuantiles([200, 100], [1, 3], [0, 1])).toEqual([
      bucketValue(100),
      bucketValue(200),
    ]);
  });

  it('gives no quantiles for an empty histogram and a zero for bucket -1', () => {
    expect(histogramQuantiles([], [], [0.5])).toEqual([]);
    expect(histogramQuantiles([5], [0], [0.5])).toEqual([]);
    expect(histogramQuantiles([-1], [3], [0.5])).toEqual([0]);
  });
});
