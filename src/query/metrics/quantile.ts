/**
 * Quantiles of bucketed distributions, as Prometheus computes them, so that a dashboard
 * moved from Prometheus shows the same numbers.
 */

/** One bucket of an explicit-bounds histogram: its upper bound and its own (not cumulative) count. */
export interface BoundCount {
  upper: number;
  count: number;
}

/**
 * Prometheus `histogram_quantile` over explicit buckets: the quantile is interpolated
 * linearly inside the bucket holding its rank. The first bucket starts at 0 when its upper
 * bound is positive (and answers its upper bound otherwise); a rank in the +Inf bucket
 * answers the highest finite bound. Buckets may come in any order and repeat an upper bound
 * (they are merged); negative counts count as 0. Null when undefined: no +Inf bucket, no
 * finite bound, or no observations.
 */
export function histogramQuantile(q: number, buckets: readonly BoundCount[]): number | null {
  if (!Number.isFinite(q) || q < 0 || q > 1) return null;
  const merged: BoundCount[] = [];
  for (const b of [...buckets].sort((a, z) => a.upper - z.upper)) {
    const count = Math.max(0, b.count);
    const last = merged.at(-1);
    if (last && last.upper === b.upper) last.count += count;
    else merged.push({ upper: b.upper, count });
  }
  const n = merged.length;
  if (n < 2 || merged[n - 1]!.upper !== Infinity) return null;
  const cumulative: number[] = [];
  let total = 0;
  for (const b of merged) cumulative.push((total += b.count));
  if (total === 0) return null;

  let rank = q * total;
  let b = cumulative.findIndex((c, i) => i < n - 1 && c >= rank);
  if (b === -1) b = n - 1;
  if (b === n - 1) return merged[n - 2]!.upper;
  const end = merged[b]!.upper;
  if (b === 0 && end <= 0) return end;
  let start = 0;
  let count = cumulative[b]!;
  if (b > 0) {
    start = merged[b - 1]!.upper;
    count -= cumulative[b - 1]!;
    rank -= cumulative[b - 1]!;
  }
  const value = start + (end - start) * (rank / count);
  // 0/0 when q = 0 falls on an empty first bucket: undefined, as in Prometheus (NaN).
  return Number.isNaN(value) ? null : value;
}

/** One bucket of an exponential histogram: its index at the histogram's scale and count. */
export interface IndexCount {
  index: number;
  count: number;
}

/** An exponential histogram: bucket `index` covers (base^index, base^(index+1)], base = 2^(2^-scale). */
export interface ExponentialBuckets {
  scale: number;
  zeroCount: number;
  /** The zero bucket covers [-zeroThreshold, zeroThreshold]. */
  zeroThreshold: number;
  positive: readonly IndexCount[];
  /** Negative bucket `index` covers [-base^(index+1), -base^index). */
  negative: readonly IndexCount[];
}

/** base^x for an exponential histogram of `scale`, i.e. 2^(x * 2^-scale). */
export function exponentialBound(scale: number, x: number): number {
  return Math.pow(2, x * Math.pow(2, -scale));
}

/**
 * A quantile of an exponential histogram as Prometheus computes it for native histograms:
 * the rank is found walking the buckets from the most negative value up for q < 0.5, and
 * from the most positive down for q >= 0.5 (so a rank on the boundary between two buckets
 * answers the bound on the side the walk comes from, and empty buckets between them do not
 * count), and interpolated geometrically inside an exponential bucket (linearly on a log
 * scale, where these buckets are equally wide), linearly inside the zero bucket. The zero
 * bucket starts at 0 when there are only positive observations besides it (and ends at 0
 * when only negative ones). Null without observations.
 */
export function exponentialQuantile(q: number, h: ExponentialBuckets): number | null {
  if (!Number.isFinite(q) || q < 0 || q > 1) return null;
  const positive = h.positive.filter((b) => b.count > 0).sort((a, z) => a.index - z.index);
  const negative = h.negative.filter((b) => b.count > 0).sort((a, z) => z.index - a.index);
  const zeroCount = Math.max(0, h.zeroCount);
  // Every non-empty bucket from the lowest values up: its count and the value at a fraction
  // of the way through it.
  const buckets: { count: number; at: (f: number) => number }[] = [
    ...negative.map((b) => ({
      count: b.count,
      at: (f: number) => -exponentialBound(h.scale, b.index + 1 - f),
    })),
  ];
  if (zeroCount > 0) {
    const lower = negative.length === 0 && positive.length > 0 ? 0 : -h.zeroThreshold;
    const upper = positive.length === 0 && negative.length > 0 ? 0 : h.zeroThreshold;
    buckets.push({ count: zeroCount, at: (f) => lower + (upper - lower) * f });
  }
  for (const b of positive) {
    buckets.push({ count: b.count, at: (f) => exponentialBound(h.scale, b.index + f) });
  }
  const total = buckets.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const down = q >= 0.5;
  const rank = (down ? 1 - q : q) * total;
  const walk = down ? [...buckets].reverse() : buckets;
  let seen = 0;
  for (const b of walk) {
    if (seen + b.count >= rank) {
      const f = (rank - seen) / b.count;
      return b.at(down ? 1 - f : f);
    }
    seen += b.count;
  }
  // Only rounding can bring us here; the end of the walk's last bucket.
  const last = walk.at(-1)!;
  return last.at(down ? 0 : 1);
}
