import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';
import {
  ZERO_KEY,
  expTermEntries,
  storedExponentialBuckets,
  storedHistogramBuckets,
} from './histogram-increases.js';
import { INCREASE_LOOKBACK_MS, firstUnrolledQuarter } from './histogram-quarters.js';
import { readableQuarters, rolledIncreases, rollupSelection, type Term } from './metrics-rollup.js';
import {
  Bucket,
  Int,
  Labels,
  byLabelsThenBucket,
  inShortSteps,
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
 * Where the minute stats' part of a split read scans from, and from where runs count as
 * started within the read (see rolledIncreases).
 */
interface ScanRuns {
  startFromMs: number;
  scanFromMs: number;
}

/**
 * Where a rolled read of histogram buckets (either kind) splits: the minutes before the
 * returned time (Unix ms) read the stored increases, the rest the minute stats; the
 * range's start when a quarter from its scan's start on is not rolled up.
 */
async function increasesUntil(
  store: Store,
  org: string,
  rolled: SeriesSelection,
  opts: QueryOptions,
): Promise<number> {
  const range = { fromMs: rolled.fromMs - rolled.lookbackMs, toMs: rolled.toMs };
  const first = await firstUnrolledQuarter(store, org, range, opts);
  return first === null ? rolled.toMs : Math.max(first, rolled.fromMs);
}

/**
 * Reads a rolled selection's buckets in two parts, at once: `stored(until, scanFromMs)`
 * the minutes before `until` from the stored increases, `rolled(selection, runs)` the rest
 * from the minute stats, scanning from INCREASE_LOOKBACK_MS before it (or the whole read's
 * scan start, if later): a group continues one at most that long before it. Runs starting
 * from the whole read's scan start on count as started within it. `merge` adds up the
 * two parts' rows.
 */
async function splitRead<T>(
  store: Store,
  org: string,
  selection: SeriesSelection,
  opts: QueryOptions,
  parts: {
    stored: (until: number, scanFromMs: number) => Promise<T[]>;
    rolled: (s: SeriesSelection, runs?: ScanRuns) => Promise<T[]>;
    merge: (rows: T[]) => T[];
  },
): Promise<T[]> {
  const until = await increasesUntil(store, org, selection, opts);
  if (until <= selection.fromMs) return parts.rolled(selection);
  const scanFromMs = selection.fromMs - selection.lookbackMs;
  const runs: ScanRuns = {
    startFromMs: scanFromMs,
    scanFromMs: Math.max(scanFromMs, until - INCREASE_LOOKBACK_MS),
  };
  const [stored, rest] = await Promise.all([
    parts.stored(until, scanFromMs),
    until < selection.toMs
      ? parts.rolled({ ...selection, fromMs: until }, runs)
      : Promise.resolve([]),
  ]);
  return parts.merge([...stored, ...rest]);
}

/** A selection whose lookback reaches back to where `runs` says its scan starts. */
function scanned(s: SeriesSelection, runs: ScanRuns | undefined): SeriesSelection {
  return runs === undefined ? s : { ...s, lookbackMs: s.fromMs - runs.scanFromMs };
}

/** Rows of the same step, group and bounds added up, bucket by bucket. */
function mergedHistogramRows(rows: HistogramRow[]): HistogramRow[] {
  const merged = new Map<string, HistogramRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.bucket, r.labels, r.bounds]);
    const seen = merged.get(key);
    if (seen === undefined) merged.set(key, { ...r, counts: [...r.counts] });
    else r.counts.forEach((n, i) => (seen.counts[i] = (seen.counts[i] ?? 0) + n));
  }
  return [...merged.values()].sort(byLabelsThenBucket);
}

/** histogramBuckets from the minute stats (and rolled-up quarters) alone. */
async function rolledHistogramBuckets(
  store: Store,
  org: string,
  rolled: SeriesSelection,
  opts: QueryOptions,
  runs?: ScanRuns,
): Promise<HistogramRow[]> {
  const l = labels(rolled.groupBy);
  const quarters = await readableQuarters(store, org, 'histogram', scanned(rolled, runs), opts);
  const r = rolledIncreases('histogram', rolled, l.sql, { buckets: true, quarters, ...runs });
  const sql = r.aggregate(
    `eb AS bounds, ${termSums(r.terms, 1)} AS added, ${termSums(r.terms, -1)} AS taken`,
    ', eb',
  );
  const params = { ...r.params, ...l.params };
  return (await read(store, org, SummedRow, sql, params, opts, rolled.maxRows)).map(counted);
}

/**
 * Per step, group and set of bounds: the observations of an explicit-bounds histogram in the
 * step, per bucket. A point whose bounds differ from its predecessor's starts a new run.
 * Bucket counts are added element-wise (sumForEach, much cheaper than a map per step), so
 * series with different bounds give one row each; merging them is the caller's. Long
 * reads take the stored increases where they are up to date, the minute stats elsewhere.
 */
export async function histogramBuckets(
  store: Store,
  org: string,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<HistogramRow[]> {
  const rolled = rollupSelection(s);
  if (rolled !== null) {
    const l = labels(rolled.groupBy);
    const stepRead = (sel: SeriesSelection) =>
      splitRead(store, org, sel, opts, {
        stored: (until, scanFromMs) => {
          const q = storedHistogramBuckets({ ...sel, toMs: until }, l.sql, scanFromMs);
          const params = { ...q.params, ...l.params };
          return read(store, org, HistogramRow, q.sql, params, opts, sel.maxRows);
        },
        rolled: (part, runs) => rolledHistogramBuckets(store, org, part, opts, runs),
        merge: mergedHistogramRows,
      });
    return inShortSteps(rolled, stepRead, mergedHistogramRows);
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
 * A stored read's row (storedExponentialBuckets): maps at the row's scale, the lowest
 * scale of its groups, and whether any of its minutes lies in the range (1).
 */
const StoredExponentialRow = RolledExponentialRow.extend({
  lowest: z.coerce.number().int(),
  kept: z.coerce.number().int(),
});

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
  return { ...r, positive: sortedSide(sums[0]), negative: sortedSide(sums[1]), zeroCount };
}

/** One side's counts by bucket index as indexes ascending and their counts. */
function sortedSide(side: Map<number, number>): [number[], number[]] {
  const indexes = [...side.keys()].sort((x, y) => x - y);
  return [indexes, indexes.map((index) => side.get(index)!)];
}

/**
 * The SQL of a rolled read's buckets, one map per term: the sum of its point's buckets at
 * the read's scale `target`, keyed as expTermEntries. One map per term rather than one per
 * side and a sum for the zero counts took the engine markedly less time to plan.
 */
function termMaps(terms: readonly Term[]): string {
  const maps = terms.map((t) => {
    const e = expTermEntries(t, 'target');
    return `sumMapIf(${e.keys}, ${e.counts}, ${t.when})`;
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
  runs?: ScanRuns,
): Promise<ExponentialRow[]> {
  const l = labels(rolled.groupBy);
  const kind = 'exponential_histogram';
  const quarters = await readableQuarters(store, org, kind, scanned(rolled, runs), opts);
  const r = rolledIncreases(kind, rolled, l.sql, { quarters, ...runs });
  const sql = r.aggregate(
    `any(target) AS scale, ${termMaps(r.terms)} AS buckets, max(zt) AS zeroThreshold`,
  );
  const params = { ...r.params, ...l.params };
  return (await read(store, org, RolledExponentialRow, sql, params, opts, rolled.maxRows)).map(
    mergedRow,
  );
}

/** The key of a row's group: its labels. */
const groupKey = (r: { labels: string[] }) => JSON.stringify(r.labels);

/**
 * Rows of exponential histogram buckets added up per step and group, at the lowest scale of
 * the group's rows, or the group's in `lowest` if lower (each brought down to it first,
 * 2^d buckets into one), as one read gives them.
 */
function mergedExponentialRows(
  rows: ExponentialRow[],
  lowest: ReadonlyMap<string, number> = new Map(),
): ExponentialRow[] {
  const scales = new Map(lowest);
  for (const r of rows) {
    const g = groupKey(r);
    scales.set(g, Math.min(scales.get(g) ?? Infinity, r.scale));
  }
  const merged = new Map<
    string,
    { row: ExponentialRow; sides: [Map<number, number>, Map<number, number>] }
  >();
  for (const r of rows) {
    const key = JSON.stringify([r.bucket, r.labels]);
    const scale = scales.get(groupKey(r))!;
    let m = merged.get(key);
    if (m === undefined) {
      m = {
        row: { ...r, scale, zeroCount: 0 },
        sides: [new Map<number, number>(), new Map<number, number>()],
      };
      merged.set(key, m);
    }
    m.row.zeroCount += r.zeroCount;
    m.row.zeroThreshold = Math.max(m.row.zeroThreshold, r.zeroThreshold);
    const d = 2 ** (r.scale - scale);
    [r.positive, r.negative].forEach(([indexes, counts], s) => {
      const side = m.sides[s]!;
      indexes.forEach((index, i) => {
        const to = Math.floor(index / d);
        side.set(to, (side.get(to) ?? 0) + (counts[i] ?? 0));
      });
    });
  }
  return [...merged.values()]
    .map(({ row, sides }) => ({
      ...row,
      positive: sortedSide(sides[0]),
      negative: sortedSide(sides[1]),
    }))
    .sort(byLabelsThenBucket);
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
  const rolled = rollupSelection(s);
  if (rolled !== null) {
    const l = labels(rolled.groupBy);
    const stepRead = (sel: SeriesSelection) => {
      // The lowest scale the stored part scanned of each group, which holds for the group's
      // whole answer even when none of that part's rows is kept.
      const lowest = new Map<string, number>();
      return splitRead(store, org, sel, opts, {
        stored: async (until, scanFromMs) => {
          const q = storedExponentialBuckets({ ...sel, toMs: until }, l.sql, scanFromMs);
          const params = { ...q.params, ...l.params };
          const rows = await read(
            store,
            org,
            StoredExponentialRow,
            q.sql,
            params,
            opts,
            sel.maxRows,
          );
          for (const r of rows) {
            const g = groupKey(r);
            lowest.set(g, Math.min(lowest.get(g) ?? Infinity, r.lowest));
          }
          return rows.filter((r) => r.kept === 1).map((r) => mergedRow(r));
        },
        rolled: (part, runs) => rolledExponentialBuckets(store, org, part, opts, runs),
        merge: (rows) => mergedExponentialRows(rows, lowest),
      });
    };
    // Rows of one group in one read share its lowest scale, so adding up its short steps
    // keeps it.
    return inShortSteps(rolled, stepRead, (rows) => mergedExponentialRows(rows));
  }
  const w = weighted('exponential_histogram', s, {
    carry: {
      pk: downscaled('PositiveOffset', 'PositiveBucketCounts'),
      pc: "CAST(PositiveBucketCounts, 'Array(Int64)')",
      nk: downscaled('NegativeOffset', 'NegativeBucketCounts'),
      nc: "CAST(NegativeBucketCounts, 'Array(Int64)')",
      zc: 'toInt64(ZeroCount)',
      zt: 'ZeroThreshold',
      tg: 'target',
    },
    lagged: ['pk', 'pc', 'nk', 'nc', 'zc'],
    perGroup: { target: 'min(Scale)' },
  });
  const p = weightedMap('pk', 'pc');
  const n = weightedMap('nk', 'nc');
  const sql = `SELECT bucket, labels, any(tg) AS scale,
      sumMap(${p.keys}, ${p.counts}) AS positive,
      sumMap(${n.keys}, ${n.counts}) AS negative,
      sum(self_w * zc - prev_w * prev_zc) AS zeroCount,
      max(zt) AS zeroThreshold
    FROM (${w.sql})
    GROUP BY bucket, labels`;
  return read(store, org, ExponentialRow, sql, w.params, opts);
}
