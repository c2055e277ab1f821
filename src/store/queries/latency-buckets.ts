/**
 * Span latency as a histogram of fixed log-scale buckets (schema/0009): a duration d > 0
 * (nanoseconds) counts in bucket round(log(d) / log(RATIO)), a duration of 0 in bucket -1.
 * Histograms merge by adding counts key by key, exactly, whatever they are split into.
 */

/** Ratio between the bounds of consecutive buckets. */
export const BUCKET_RATIO = 1.02;

/** The bucket key of a span's Duration; the text schema/0009 uses for the rollup. */
export const BUCKET_KEY_SQL =
  'if(Duration = 0, toInt16(-1), toInt16(round(log(Duration) / log(1.02))))';

/**
 * Bound on the relative error of a quantile read from the buckets, against the exact
 * quantile of the same durations (linearly interpolated between ranks): sqrt(1.02) - 1,
 * just under 1%. Each duration d in bucket k lies in [RATIO^(k-1/2), RATIO^(k+1/2)), so
 * RATIO^k is within that factor of d, and a linear interpolation of such values is within
 * it of the interpolation of the durations.
 */
export const QUANTILE_RELATIVE_ERROR = Math.sqrt(BUCKET_RATIO) - 1;

/** The duration a bucket stands for, in nanoseconds: the geometric middle of its bounds. */
export function bucketValue(key: number): number {
  return key < 0 ? 0 : BUCKET_RATIO ** key;
}

/**
 * Quantiles (each in [0, 1]) of the durations counted in a histogram, in nanoseconds,
 * interpolated linearly between the ranks around q * (n - 1) as the exact quantile is;
 * empty for an empty histogram. Keys need not be sorted.
 */
export function histogramQuantiles(
  keys: readonly number[],
  counts: readonly number[],
  qs: readonly number[],
): number[] {
  const buckets = keys
    .map((key, i) => ({ key, count: counts[i] ?? 0 }))
    .filter((b) => b.count > 0)
    .sort((a, b) => a.key - b.key);
  const n = buckets.reduce((sum, b) => sum + b.count, 0);
  if (n === 0) return [];
  // The value at a 0-based rank: that of the first bucket whose cumulative count passes it.
  const at = (rank: number): number => {
    let seen = 0;
    for (const b of buckets) {
      seen += b.count;
      if (seen > rank) return bucketValue(b.key);
    }
    return bucketValue(buckets[buckets.length - 1]!.key);
  };
  return qs.map((q) => {
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const low = at(lo);
    return pos === lo ? low : low + (at(lo + 1) - low) * (pos - lo);
  });
}
