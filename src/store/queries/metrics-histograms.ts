import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';
import { METRIC_TABLES, pointConditions } from './metrics.js';
import { readableQuarters, rolledIncreases, rollupSelection, type Term } from './metrics-rollup.js';
import {
  Bucket,
  Int,
  Labels,
  labels,
  read,
  weighted,
  type SeriesSelection,
} from './metrics-series.js';

/**
 * Histogram reads: the observations of each step and group, per bucket, computed in
 * ClickHouse from the increase of each series' bucket counts (see `weighted`); quantiles
 * are interpolated from these by the caller.
 */

const Counts = z.array(Int);
const HistogramRow = z.object({
  bucket: Bucket,
  labels: Labels,
  /** The finite upper bounds; the counts have one more, the +Inf bucket's. */
  bounds: z.array(z.number()),
  counts: Counts,
});
export type HistogramRow = z.infer<typeof HistogramRow>;
/**
 * A row as read: sums of bucket counts added by a step's points, and sums of those taken
 * for the predecessors they continue.
 */
const SummedRow = HistogramRow.omit({ counts: true }).extend({
  added: z.array(Counts),
  taken: z.array(Counts),
});
type SummedRow = z.infer<typeof SummedRow>;

/** Bucket counts of a row: what was added less what was taken, bucket by bucket. */
function counted({ added, taken, ...r }: SummedRow): HistogramRow {
  const counts = Array.from({ length: r.bounds.length + 1 }, () => 0);
  for (const [sums, sign] of [
    [added, 1],
    [taken, -1],
  ] as const) {
    for (const sum of sums) sum.forEach((n, i) => (counts[i]! += sign * n));
  }
  return { ...r, counts };
}

/** The SQL of bucket counts, a sum of them for each term of a rolled read. */
function termSums(terms: readonly Term[], sign: 1 | -1): string {
  const sums = terms
    .filter((t) => t.sign === sign)
    .map((t) => `sumForEachIf(CAST(${t.point}.4, 'Array(Int64)'), ${t.when})`);
  return `[${sums.join(', ')}]`;
}

/**
 * Per step, group and set of bounds: the observations of an explicit-bounds histogram in the
 * step, per bucket. A point whose bounds differ from its predecessor's starts a new run.
 * Bucket counts are added element-wise (sumForEach, much cheaper than a map per step), so
 * series with different bounds give one row each; merging them is the caller's.
 */
export async function histogramBuckets(
  store: Store,
  org: string,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<HistogramRow[]> {
  const rolled = rollupSelection('histogram', s);
  if (rolled !== null) {
    const l = labels(rolled.groupBy);
    const quarters = await readableQuarters(store, org, 'histogram', rolled, opts);
    const r = rolledIncreases('histogram', rolled, l.sql, { buckets: true, quarters });
    const sql = r.aggregate(
      `eb AS bounds, ${termSums(r.terms, 1)} AS added, ${termSums(r.terms, -1)} AS taken`,
      ', eb',
    );
    return (await read(store, org, SummedRow, sql, { ...r.params, ...l.params }, opts)).map(
      counted,
    );
  }
  const valid = 'length(BucketCounts) = length(ExplicitBounds) + 1';
  const w = weighted('histogram', s, {
    carry: {
      bk: `if(${valid}, ExplicitBounds, [])`,
      bh: `cityHash64(if(${valid}, ExplicitBounds, []))`,
      bc: `if(${valid}, CAST(BucketCounts, 'Array(Int64)'), [])`,
    },
    lagged: ['bh', 'bc'],
    sameRun: 'bh = prev_bh',
  });
  // Weights are 0 or 1, so a step's counts are the counts of its points that count (self_w)
  // less those of the predecessors they continue (prev_w), each added element-wise. Two
  // sums with conditions take the engine markedly less time to plan than one over an
  // element-wise difference; `counted` subtracts.
  const sql = `SELECT bucket, labels, bk AS bounds,
      [sumForEachIf(bc, self_w = 1)] AS added, [sumForEachIf(prev_bc, prev_w = 1)] AS taken
    FROM (${w.sql})
    WHERE length(bc) > 0
    GROUP BY bucket, labels, bk`;
  return (await read(store, org, SummedRow, sql, w.params, opts)).map(counted);
}

/** Adds a point's own counts (self weight) and its predecessor's, negated (prev weight), to one map. */
function weightedMap(keys: string, counts: string): { keys: string; counts: string } {
  return {
    keys: `arrayConcat(${keys}, prev_${keys})`,
    counts: `arrayConcat(arrayMap(c -> c * self_w, ${counts}), arrayMap(c -> -c * prev_w, prev_${counts}))`,
  };
}

const ExponentialRow = z.object({
  bucket: Bucket,
  labels: Labels,
  scale: z.coerce.number().int(),
  positive: z.tuple([Counts, Counts]),
  negative: z.tuple([Counts, Counts]),
  zeroCount: Int,
  zeroThreshold: z.number(),
});
export type ExponentialRow = z.infer<typeof ExponentialRow>;

/**
 * A rolled read's buckets: per term one map of keys to counts, holding both sides and the
 * zero bucket (see termMaps).
 */
const RolledExponentialRow = ExponentialRow.omit({
  positive: true,
  negative: true,
  zeroCount: true,
}).extend({ buckets: z.array(z.tuple([Counts, Counts])) });
type RolledExponentialRow = z.infer<typeof RolledExponentialRow>;

/**
 * The key of the zero bucket in termMaps' maps. Bucket keys are twice a bucket index (plus
 * one on the negative side), and an index is far smaller: a double's largest exponent at
 * the highest scale, 20, is about 2^30.
 */
const ZERO_KEY = -(2 ** 53 - 1);

/** A row's maps added into one, split into the sides (indexes ascending) and the zero count. */
function mergedRow({ buckets, ...r }: RolledExponentialRow): ExponentialRow {
  const sums = [new Map<number, number>(), new Map<number, number>()] as const;
  let zeroCount = 0;
  for (const [keys, counts] of buckets) {
    keys.forEach((key, i) => {
      const n = counts[i] ?? 0;
      if (key === ZERO_KEY) {
        zeroCount += n;
        return;
      }
      const negative = Math.abs(key % 2);
      const index = (key - negative) / 2;
      const side = sums[negative === 1 ? 1 : 0];
      side.set(index, (side.get(index) ?? 0) + n);
    });
  }
  const sorted = (side: Map<number, number>): [number[], number[]] => {
    const indexes = [...side.keys()].sort((x, y) => x - y);
    return [indexes, indexes.map((index) => side.get(index)!)];
  };
  return { ...r, positive: sorted(sums[0]), negative: sorted(sums[1]), zeroCount };
}

/**
 * The SQL of a rolled read's buckets, one map per term: the sum of its point's buckets,
 * each keyed by its index brought to the read's scale `target` from the point's own
 * (doubled on the positive side, doubled plus one on the negative), and its zero count
 * keyed ZERO_KEY, the counts with the term's sign. One map per term rather than one per
 * side and a sum for the zero counts took the engine markedly less time to plan. A point's
 * side is the index of its first bucket and the counts; a delta group's total's, indexes
 * and counts.
 */
function termMaps(terms: readonly Term[]): string {
  const maps = terms.map((t) => {
    const p = t.point;
    const keys = (at: 6 | 8) => {
      const key = `2 * bitShiftRight(${p === 'total' ? 'k' : `${p}.${at} + k - 1`}, ${p}.5 - target)${at === 8 ? ' + 1' : ''}`;
      return p === 'total'
        ? `arrayMap(k -> ${key}, ${p}.${at})`
        : `arrayMap(k -> ${key}, arrayEnumerate(${p}.${at + 1}))`;
    };
    return `sumMapIf(arrayConcat(${keys(6)}, ${keys(8)}, [toInt64(${ZERO_KEY})]),
      arrayMap(c -> ${t.sign} * toInt64(c), arrayConcat(${p}.7, ${p}.9, [${p}.4])), ${t.when})`;
  });
  return `[${maps.join(', ')}]`;
}

/**
 * exponentialBuckets from the minute rollup (schema/0016_exp_histogram_stats.sql) and its
 * rolled-up quarters (0017), with the rules of rolledIncreases, which gives `target`, the
 * lowest scale of the rows scanned.
 */
async function rolledExponentialBuckets(
  store: Store,
  org: string,
  rolled: SeriesSelection,
  opts: QueryOptions,
): Promise<ExponentialRow[]> {
  const l = labels(rolled.groupBy);
  const kind = 'exponential_histogram';
  const quarters = await readableQuarters(store, org, kind, rolled, opts);
  const r = rolledIncreases(kind, rolled, l.sql, { quarters });
  const sql = r.aggregate(
    `any(target) AS scale, ${termMaps(r.terms)} AS buckets, max(zt) AS zeroThreshold`,
  );
  const params = { ...r.params, ...l.params };
  return (await read(store, org, RolledExponentialRow, sql, params, opts)).map(mergedRow);
}

/** Bucket indexes of one side at the read's common scale `target`. */
function downscaled(offset: string, counts: string): string {
  return `arrayMap(i -> bitShiftRight(toInt64(${offset}) + i - 1, Scale - target), arrayEnumerate(${counts}))`;
}

/**
 * Per step and group: the observations of an exponential histogram in the step. Every point
 * is first brought to the lowest scale of the points read (merging 2^d adjacent buckets), so
 * that points of different scales add up; `scale` is that common scale.
 */
export async function exponentialBuckets(
  store: Store,
  org: string,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<ExponentialRow[]> {
  const rolled = rollupSelection('exponential_histogram', s);
  if (rolled !== null) return rolledExponentialBuckets(store, org, rolled, opts);
  const table = METRIC_TABLES.exponential_histogram;
  const w = weighted('exponential_histogram', s, {
    carry: {
      pk: downscaled('PositiveOffset', 'PositiveBucketCounts'),
      pc: "CAST(PositiveBucketCounts, 'Array(Int64)')",
      nk: downscaled('NegativeOffset', 'NegativeBucketCounts'),
      nc: "CAST(NegativeBucketCounts, 'Array(Int64)')",
      zc: 'toInt64(ZeroCount)',
      zt: 'ZeroThreshold',
    },
    lagged: ['pk', 'pc', 'nk', 'nc', 'zc'],
  });
  const scan = pointConditions({ ...s, fromMs: s.fromMs - s.lookbackMs }, 'scanFromMs');
  const p = weightedMap('pk', 'pc');
  const n = weightedMap('nk', 'nc');
  const sql = `WITH (SELECT min(Scale) FROM {db:Identifier}.${table} WHERE ${scan.sql}) AS target
    SELECT bucket, labels, any(target) AS scale,
      sumMap(${p.keys}, ${p.counts}) AS positive,
      sumMap(${n.keys}, ${n.counts}) AS negative,
      sum(self_w * zc - prev_w * prev_zc) AS zeroCount,
      max(zt) AS zeroThreshold
    FROM (${w.sql})
    GROUP BY bucket, labels`;
  return read(store, org, ExponentialRow, sql, w.params, opts);
}
