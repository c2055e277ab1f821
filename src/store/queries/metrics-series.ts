import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { QueryOptions, Store } from '../store.js';
import {
  FINITE_VALUE,
  METRIC_TABLES,
  STALE_MS,
  labelExpression,
  pointConditions,
  type LabelKey,
  type PointSelection,
} from './metrics.js';
import type { SqlFragment } from './attribute-sql.js';
import {
  readableQuarters,
  reportedSource,
  rolledIncreases,
  rollupSelection,
  termSum,
  valueSource,
} from './metrics-rollup.js';

/**
 * Series reads: one row per (step, group) with the step's aggregate, computed in
 * ClickHouse. Steps are aligned to the Unix epoch (as the log histogram's buckets), so the
 * first may start before `fromMs`, holding only the points from `fromMs` on; a point
 * belongs to the step holding its TimeUnix. Rows come ordered by labels, then step.
 */
export interface SeriesSelection extends PointSelection {
  stepMs: number;
  /** The group of a point: these keys' values, in this order, as `labels`. */
  groupBy: readonly LabelKey[];
  /**
   * Counter and histogram reads also read this far before `fromMs`, so the first point of
   * the range has a predecessor to subtract (Prometheus' lookback).
   */
  lookbackMs: number;
  /** The most rows the read may give, when not MAX_SERIES_ROWS (see inShortSteps). */
  maxRows?: number;
}

/** The most rows (groups times steps) one series read returns. */
export const MAX_SERIES_ROWS = 100_000;
const tooManyValues = (n: number) => `the query gives more than ${n} values`;

/** The refusal of a read whose answer would have more than `n` values. */
const tooManyRows = (n: number) =>
  new AppError(
    'LIMIT_EXCEEDED',
    `${tooManyValues(n)}; narrow it with attr, service, fewer groupBy keys or a longer step`,
  );

const BUCKET = 'intDiv(toUnixTimestamp64Milli(TimeUnix), {stepMs:Int64}) * {stepMs:Int64}';
/** A series is one metric's points with the same resource, scope and attributes. */
const SERIES = 'cityHash64(ResourceAttributes, ScopeName, Attributes)';

export const Bucket = z.coerce.number().int();
export const Labels = z.array(z.string());
/** A Float64 aggregate: JSON has no NaN or infinities, which arrive as null. */
const Float = z.number().nullable();
export const Int = z.coerce.number();

/** The SQL of a point's group labels, an array of strings, and its parameters. */
export function labels(groupBy: readonly LabelKey[]): {
  sql: string;
  params: Record<string, unknown>;
} {
  if (groupBy.length === 0) return { sql: "CAST([], 'Array(String)')", params: {} };
  const params: Record<string, unknown> = {};
  const exprs = groupBy.map((k, i) => {
    params[`g${i}`] = k.key;
    return labelExpression(k, `g${i}`);
  });
  return { sql: `[${exprs.join(', ')}]`, params };
}

/** Orders rows by labels (element by element), then step. */
export function byLabelsThenBucket(a: SeriesRow, b: SeriesRow): number {
  const n = Math.min(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const x = a.labels[i]!;
    const y = b.labels[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.labels.length - b.labels.length || a.bucket - b.bucket;
}

interface SeriesRow {
  bucket: number;
  labels: string[];
}

/**
 * Runs a series read, refusing one with more than MAX_SERIES_ROWS rows, and returns its
 * rows ordered by labels, then step. Two choices cut the engine's analysis of these
 * statements, which took longer than their execution: the rows are sorted here rather
 * than by ORDER BY (about 10 ms less for a day of a histogram), and the inference of
 * further comparisons from chains of them (optimize_and_compare_chain, about a quarter of
 * the analysis) is off, as every bound the scans can use is stated. A SETTINGS clause
 * holds for this statement only.
 */
export async function read<T extends SeriesRow>(
  store: Store,
  org: string,
  row: z.ZodType<T>,
  sql: string,
  params: Record<string, unknown>,
  opts: QueryOptions,
  maxRows = MAX_SERIES_ROWS,
): Promise<T[]> {
  const rows = z
    .array(row)
    .parse(
      await store.query(
        org,
        `${sql}\nLIMIT {maxRows:UInt32}\nSETTINGS optimize_and_compare_chain = 0`,
        { ...params, maxRows: maxRows + 1 },
        opts,
      ),
    );
  if (rows.length > maxRows) throw tooManyRows(maxRows);
  return rows.sort(byLabelsThenBucket);
}

export type ValueAggregate = 'sum' | 'avg' | 'min' | 'max' | 'count';
/** Over rows of a sum `s`, a count `c`, a minimum `mn` and a maximum `mx` (see valueSource). */
const VALUE_SQL: Record<ValueAggregate, string> = {
  sum: 'sum(s)',
  avg: 'sum(s) / sum(c)',
  min: 'min(mn)',
  max: 'max(mx)',
  count: 'toFloat64(sum(c))',
};

const ValueRow = z.object({ bucket: Bucket, labels: Labels, value: Float });
export type ValueRow = z.infer<typeof ValueRow>;

/**
 * sum, avg, min, max or count of the stored values of a gauge or sum metric, per step and
 * group; from the minute rollup when rollupSelection allows.
 */
export async function valueSeries(
  store: Store,
  org: string,
  kind: 'gauge' | 'sum',
  aggregate: ValueAggregate,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<ValueRow[]> {
  const src = valueSource(kind, s);
  const l = labels(s.groupBy);
  const sql = `SELECT intDiv(t, {stepMs:Int64}) * {stepMs:Int64} AS bucket, ${l.sql} AS labels,
      ${VALUE_SQL[aggregate]} AS value
    FROM ${src.sql}
    GROUP BY bucket, labels`;
  const params = { ...src.params, ...l.params, stepMs: s.stepMs };
  return read(store, org, ValueRow, sql, params, opts);
}

/**
 * The mean of the values that summary points report for the quantile `q`, per step and
 * group: a summary's quantiles are computed by its sender over its own window and cannot
 * be merged, so a step's value is their mean. Points that do not report `q`, or report NaN
 * for it (a window without observations), are left out. From the minute rollup when
 * rollupSelection allows.
 */
export async function summaryQuantileSeries(
  store: Store,
  org: string,
  q: number,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<ValueRow[]> {
  const src = reportedSource(s);
  const l = labels(s.groupBy);
  const sql = `SELECT intDiv(t, {stepMs:Int64}) * {stepMs:Int64} AS bucket, ${l.sql} AS labels,
      sum(s) / sum(c) AS value
    FROM ${src.sql}
    GROUP BY bucket, labels
    HAVING sum(c) > 0`;
  const params = { ...src.params, ...l.params, stepMs: s.stepMs, q };
  return read(store, org, ValueRow, sql, params, opts);
}

/** The most reported quantiles summaryQuantilesReported lists. */
const MAX_REPORTED = 50;

const ReportedRow = z.object({
  quantiles: z.array(z.number()),
  total: z.coerce.number(),
  reports: z.coerce.number(),
});

/**
 * What the summary points of the selection report: the lowest MAX_REPORTED of their
 * quantiles, ascending, how many there are, and whether any point reports `q`.
 */
export async function summaryQuantilesReported(
  store: Store,
  org: string,
  s: PointSelection,
  q: number,
  opts: QueryOptions,
): Promise<{ quantiles: number[]; total: number; reportsQ: boolean }> {
  const where = pointConditions(s);
  const rows = await store.query(
    org,
    `SELECT arraySort(groupUniqArrayArray(ValueAtQuantiles.Quantile)) AS all,
      arraySlice(all, 1, {max:UInt32}) AS quantiles, length(all) AS total,
      countIf(has(ValueAtQuantiles.Quantile, {q:Float64})) > 0 AS reports
    FROM {db:Identifier}.${METRIC_TABLES.summary} WHERE ${where.sql}`,
    { ...where.params, max: MAX_REPORTED, q },
    opts,
  );
  const r = z.array(ReportedRow).parse(rows)[0];
  return r
    ? { quantiles: r.quantiles, total: r.total, reportsQ: r.reports === 1 }
    : { quantiles: [], total: 0, reportsQ: false };
}

/** How the counted value of each point type is read. */
interface CounterSpec {
  temporality: string;
  /** The counted value: a sum's Value, or a histogram's or summary's Count. */
  value: string;
  /** The sum of observations of histograms and summaries. */
  sum: string;
  /** Whether a value below its predecessor is a reset (true but for non-monotonic sums). */
  monotonic: string;
}

export type CountedKind = 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
const HISTOGRAM: CounterSpec = {
  temporality: 'AggregationTemporality',
  value: 'toFloat64(Count)',
  sum: 'Sum',
  monotonic: '1',
};
const COUNTERS: Record<CountedKind, CounterSpec> = {
  sum: {
    temporality: 'AggregationTemporality',
    value: 'Value',
    sum: '0',
    monotonic: 'IsMonotonic',
  },
  histogram: HISTOGRAM,
  exponential_histogram: HISTOGRAM,
  // OTLP summaries are always cumulative.
  summary: { ...HISTOGRAM, temporality: '2' },
};

interface Carried {
  /** Columns of the point passed through, NAME: SQL. */
  carry?: Record<string, string>;
  /** Those of them whose predecessor's value is needed too (as prev_NAME). */
  lagged?: readonly string[];
  /** A further condition for a point to continue its predecessor's run. */
  sameRun?: string;
  /** Columns computed over each point's group (`labels`) first, NAME: window function. */
  perGroup?: Record<string, string>;
}

/**
 * The points of the range with their run weights, for reads of increases from the points
 * (reads from the rollups apply the same rules in rolledIncreases). Each point's increase
 * is `self_w * x - prev_w * prev_x` for any carried x:
 * - a delta point (AggregationTemporality 1) is an increase already: self 1, prev 0;
 * - a cumulative point following one of the same run: self 1, prev 1;
 * - a cumulative point starting a run (a new StartTimeUnix, a value below the previous
 *   one, which for a monotonic counter is a reset, or a delta point before it, whose value
 *   is no running total) counts from 0: self 1, prev 0;
 * - the first point seen of a series is a baseline (self 0), unless its run started within
 *   the read (StartTimeUnix at or after the lookback start) and at most STALE_MS (an hour)
 *   before it, when it counts from that start; so is a point whose predecessor lies further
 *   back than STALE_MS: a series silent for longer starts over. A run's first point comes
 *   within an hour of its start, so a later point of that run is never counted from 0,
 *   whichever points of it the read sees;
 * - a cumulative point starting at its own time (StartTimeUnix = TimeUnix: a start not
 *   known, as a counter's first scrape gives it) is its run's baseline: self 0, prev 0.
 */
export function weighted(kind: CountedKind, s: SeriesSelection, c: Carried = {}) {
  const spec = COUNTERS[kind];
  const l = labels(s.groupBy);
  const scan = rawPoints(kind, { ...s, fromMs: s.fromMs - s.lookbackMs }, l.sql);
  const columns: Record<string, string> = { v: spec.value, sv: spec.sum, ...c.carry };
  const names = Object.keys(columns);
  const lagged = ['v', 'sv', ...(c.lagged ?? [])];
  const prev = lagged.map((n) => `prev_${n}`);
  const sql = `SELECT ${BUCKET} AS bucket, labels,
      has_lag = 1 AND prev_time >= TimeUnix - toIntervalMillisecond(${STALE_MS}) AS has_prev,
      if(temporality = 1 OR ((has_prev
        OR (StartTimeUnix >= fromUnixTimestamp64Milli({scanFromMs:Int64})
          AND StartTimeUnix >= TimeUnix - toIntervalMillisecond(${STALE_MS})))
        AND StartTimeUnix < TimeUnix), 1, 0) AS self_w,
      if(temporality != 1 AND has_prev AND prev_temporality != 1 AND StartTimeUnix = prev_start
        AND NOT (monotonic AND v < prev_v)${c.sameRun ? ` AND ${c.sameRun}` : ''}, 1, 0) AS prev_w,
      ${[...names, ...prev].join(', ')}
    FROM (
      SELECT TimeUnix, StartTimeUnix, labels, temporality, monotonic, ${names.join(', ')},
        lagInFrame(toUInt8(1), 1, toUInt8(0)) OVER w AS has_lag,
        lagInFrame(TimeUnix) OVER w AS prev_time,
        lagInFrame(StartTimeUnix) OVER w AS prev_start,
        lagInFrame(temporality) OVER w AS prev_temporality,
        ${lagged.map((n) => `lagInFrame(${n}) OVER w AS prev_${n}`).join(',\n        ')}
      FROM (
        SELECT TimeUnix, StartTimeUnix, series, labels,
          ${spec.temporality} AS temporality, ${spec.monotonic} AS monotonic,
          ${names.map((n) => `${columns[n]} AS ${n}`).join(',\n          ')}
        FROM ${grouped(scan.sql, c.perGroup)}
      )
      WINDOW w AS (PARTITION BY series ORDER BY TimeUnix
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    WHERE TimeUnix >= fromUnixTimestamp64Milli({fromMs:Int64})`;
  const params = { ...scan.params, ...l.params, fromMs: s.fromMs, stepMs: s.stepMs };
  return { sql, params };
}

/** A FROM source with `columns` (NAME: window function over each group) added to its rows. */
function grouped(source: string, columns: Record<string, string> | undefined): string {
  if (columns === undefined) return source;
  const added = Object.entries(columns).map(
    ([name, fn]) => `${fn} OVER (PARTITION BY labels) AS ${name}`,
  );
  return `(SELECT *, ${added.join(', ')} FROM ${source})`;
}

/** A metric table's points in the selection with their `series` and `labels`, as a FROM source. */
function rawPoints(kind: CountedKind, s: PointSelection, labels: string): SqlFragment {
  const where = pointConditions(s, 'scanFromMs');
  return {
    sql: `(SELECT *, ${SERIES} AS series, ${labels} AS labels
      FROM {db:Identifier}.${METRIC_TABLES[kind]} WHERE ${where.sql}${kind === 'sum' ? ` AND ${FINITE_VALUE}` : ''})`,
    params: where.params,
  };
}

const CounterRow = z.object({
  bucket: Bucket,
  labels: Labels,
  increase: Float,
  sumIncrease: Float,
});
export type CounterRow = z.infer<typeof CounterRow>;

const MINUTE_MS = 60_000;

/**
 * The step a read from the minute roll-ups takes for a step longer than STALE_MS: the
 * longest whole number of minutes up to STALE_MS that divides it (null for shorter steps).
 * A minute's point continues the one before it only when that is at most STALE_MS before,
 * which a read of first, last and highest points per long step could not tell; made of
 * shorter steps added up, the answer is the points' read's.
 */
export function shortStepMs(stepMs: number): number | null {
  if (stepMs <= STALE_MS) return null;
  let short = STALE_MS;
  while (short > MINUTE_MS && stepMs % short !== 0) short -= MINUTE_MS;
  return short;
}

/**
 * The most rows of a read in short steps that Node adds up: the final answer's limit for
 * each short step in a long one, up to four times that limit, which bounds the memory the
 * read takes.
 */
const MAX_SHORT_ROWS = 4 * MAX_SERIES_ROWS;

/**
 * A read from the minute roll-ups in steps longer than STALE_MS (see shortStepMs), made in
 * short steps whose rows `merge` adds up per step.
 */
export async function inShortSteps<T extends { bucket: number }>(
  s: SeriesSelection,
  read: (short: SeriesSelection) => Promise<T[]>,
  merge: (rows: T[]) => T[],
): Promise<T[]> {
  const short = shortStepMs(s.stepMs);
  if (short === null) return read(s);
  const maxRows = Math.min(MAX_SERIES_ROWS * (s.stepMs / short), MAX_SHORT_ROWS);
  let rows: T[];
  try {
    rows = await read({ ...s, stepMs: short, maxRows });
  } catch (err) {
    if (err instanceof AppError && err.message.startsWith(tooManyValues(maxRows))) {
      throw new AppError(
        'LIMIT_EXCEEDED',
        `this read is made of ${short / MINUTE_MS}-minute steps, which give more than ${maxRows} values; narrow it with attr, service, fewer groupBy keys or a shorter range`,
      );
    }
    throw err;
  }
  const merged = merge(
    rows.map((r) => ({ ...r, bucket: Math.floor(r.bucket / s.stepMs) * s.stepMs })),
  );
  if (merged.length > MAX_SERIES_ROWS) throw tooManyRows(MAX_SERIES_ROWS);
  return merged;
}

/**
 * Per step and group: the increase of a counter (a sum metric's value, or a histogram's or
 * summary's Count) and, for histograms and summaries, of their Sum; see `weighted`.
 */
export async function counterSeries(
  store: Store,
  org: string,
  kind: CountedKind,
  s: SeriesSelection,
  opts: QueryOptions,
): Promise<CounterRow[]> {
  const rolled = rollupSelection(s);
  if (rolled !== null) {
    const l = labels(rolled.groupBy);
    // In steps longer than STALE_MS, the short steps (shortStepMs) are added up in the
    // engine, so that only the answer's rows count against its limit.
    const short = shortStepMs(rolled.stepMs);
    const part = short === null ? rolled : { ...rolled, stepMs: short };
    const quarters = await readableQuarters(store, org, kind, part, opts);
    const r = rolledIncreases(kind, part, l.sql, { quarters });
    // A point's counted value is its second element, a histogram's sum its third.
    const sum = kind === 'sum' ? '0' : termSum(r.terms, 3, 'toFloat64');
    const inner = r.aggregate(
      `${termSum(r.terms, 2, 'toFloat64')} AS increase, ${sum} AS sumIncrease`,
    );
    const sql =
      short === null
        ? inner
        : `SELECT intDiv(b, {longStepMs:Int64}) * {longStepMs:Int64} AS bucket, labels,
            sum(i) AS increase, sum(si) AS sumIncrease
          FROM (SELECT bucket AS b, labels, increase AS i, sumIncrease AS si FROM (${inner}))
          GROUP BY bucket, labels`;
    const params = { ...r.params, ...l.params, longStepMs: rolled.stepMs };
    return read(store, org, CounterRow, sql, params, opts);
  }
  // A change of bounds starts a new run of an explicit-bounds histogram, as for its buckets.
  const w = weighted(
    kind,
    s,
    kind === 'histogram'
      ? { carry: { bh: 'cityHash64(ExplicitBounds)' }, lagged: ['bh'], sameRun: 'bh = prev_bh' }
      : {},
  );
  const sql = `SELECT bucket, labels, sum(self_w * v - prev_w * prev_v) AS increase,
      sum(self_w * sv - prev_w * prev_sv) AS sumIncrease
    FROM (${w.sql})
    GROUP BY bucket, labels`;
  return read(store, org, CounterRow, sql, w.params, opts);
}
