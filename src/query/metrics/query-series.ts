import { fieldError } from '../../lib/errors.js';
import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { metricKinds, type MetricKindRow } from '../../store/queries/metrics.js';
import type { MetricTypes } from './metric-types.js';
import {
  exponentialBuckets,
  histogramBuckets,
  type ExponentialRow,
  type HistogramRow,
} from '../../store/queries/metrics-histograms.js';
import {
  counterSeries,
  summaryQuantileSeries,
  summaryQuantilesReported,
  valueSeries,
  type CounterRow,
  type SeriesSelection,
} from '../../store/queries/metrics-series.js';
import type { AttributeFilter } from '../attribute-filter.js';
import type { GroupKey } from './group-by.js';
import { exponentialQuantile, histogramQuantile, type BoundCount } from './quantile.js';
import {
  AGGREGATIONS_BY_TYPE,
  PERCENTILES,
  type Aggregation,
  type MetricType,
  type Series,
  type SeriesResult,
} from './schemas.js';
import { parseStep } from './step.js';

/** A validated series query. */
export interface SeriesRequest {
  metric: string;
  /** Needed only when the metric has points of several types in the range. */
  type?: MetricType | undefined;
  /** Default: rate for monotonic sums, else the first of AGGREGATIONS_BY_TYPE. */
  aggregation?: Aggregation | undefined;
  /** With aggregation `quantile` (implied when absent); 0 < q < 1. */
  quantile?: number | undefined;
  attributes: readonly AttributeFilter[];
  service?: string | undefined;
  groupBy: readonly GroupKey[];
  range: TimeRange;
  /** As the caller wrote it; see parseStep. */
  step?: string | undefined;
}

/**
 * How far before the range counter and histogram reads look for each series' predecessor
 * of its first point in the range: Prometheus' default lookback, or a step if longer.
 */
export const LOOKBACK_MS = 5 * 60_000;

/** One step's value of one group, as the store reads compute it. */
interface StepValue {
  bucket: number;
  labels: string[];
  value: number | null;
}

/**
 * The quantile an aggregation stands for, checking `quantile` goes with `quantile` only.
 * A summary may report the quantiles 0 and 1 (its minimum and maximum), so for summaries
 * (and before the type is known) they are allowed; a histogram's are strictly between.
 */
function quantileOf(
  aggregation: Aggregation,
  quantile: number | undefined,
  ends: boolean,
): number | null {
  if (aggregation === 'quantile') {
    const inRange = (q: number) => (ends ? q >= 0 && q <= 1 : q > 0 && q < 1);
    if (quantile === undefined || !inRange(quantile)) {
      const which = ends ? '0 to 1' : 'between 0 and 1 (exclusive)';
      throw fieldError('quantile', `a number ${which} is needed`);
    }
    return quantile;
  }
  if (quantile !== undefined) {
    throw fieldError('quantile', 'only with aggregation=quantile');
  }
  return PERCENTILES[aggregation] ?? null;
}

/** The requested aggregation, or the type's default, checked against the type. */
function aggregationFor(type: MetricType | null, monotonic: boolean, req: SeriesRequest) {
  let aggregation = req.aggregation;
  if (aggregation === undefined && req.quantile !== undefined) aggregation = 'quantile';
  if (type === null) aggregation ??= 'avg';
  else aggregation ??= type === 'sum' && !monotonic ? 'avg' : AGGREGATIONS_BY_TYPE[type][0]!;
  const quantile = quantileOf(aggregation, req.quantile, type === null || type === 'summary');
  const allowed = type === null ? [aggregation] : AGGREGATIONS_BY_TYPE[type];
  if (!allowed.includes(aggregation)) {
    throw fieldError(
      'aggregation',
      `${aggregation} does not apply to ${type} metrics (use ${allowed.join(', ')})`,
    );
  }
  return { aggregation, quantile };
}

/**
 * The asked-for type of a metric without points of it in the range: as any range without
 * points, it answers empty with its type and unit when the metric has had points of that
 * type; one it has never had is refused, naming those it has (an empty answer would read
 * as a quiet range).
 */
async function typeOutsideRange(
  types: MetricTypes,
  store: Store,
  org: string,
  req: SeriesRequest & { type: MetricType },
  opts: QueryOptions,
): Promise<MetricKindRow | undefined> {
  const all = (await types.lookup(store, org, req.metric, opts, true)).kinds;
  const k = all.find((x) => x.type === req.type);
  if (all.length === 0 || k !== undefined) return k;
  const has = [...new Set(all.map((x) => x.type))].join(', ');
  throw fieldError(
    'type',
    `metric ${req.metric} has no ${req.type} points (its points are ${has})`,
  );
}

/**
 * The point type of the metric in the range, with its unit; null without points. A metric
 * of one type (as `types` knows it) has that type in any range; otherwise the range's
 * points say.
 */
async function resolveType(
  types: MetricTypes,
  store: Store,
  org: string,
  req: SeriesRequest,
  opts: QueryOptions,
): Promise<{ type: MetricType; unit: string; monotonic: boolean } | null> {
  const wanted = (k: MetricKindRow) => req.type === undefined || k.type === req.type;
  const known = await types.lookup(store, org, req.metric, opts);
  // Read just now and empty: the metric has no points at all.
  if (!known.cached && known.kinds.length === 0) return null;
  let kinds = known.kinds.filter(wanted);
  if (known.kinds.length !== 1 || kinds.length !== 1) {
    kinds = (
      await metricKinds(
        store,
        org,
        {
          metric: req.metric,
          fromMs: req.range.fromMs,
          toMs: req.range.toMs,
          service: req.service,
        },
        opts,
      )
    ).filter(wanted);
  }
  if (kinds.length > 1) {
    throw fieldError(
      'type',
      `metric ${req.metric} has points of several types (${kinds.map((k) => k.type).join(', ')}); choose one with type`,
    );
  }
  const k =
    kinds[0] ??
    (req.type === undefined
      ? undefined
      : await typeOutsideRange(types, store, org, { ...req, type: req.type }, opts));
  return k ? { type: k.type, unit: k.unit, monotonic: k.monotonic === 1 } : null;
}

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : a / b;

/** Quantiles of explicit-bounds histogram rows; rows of one step and group with different bounds merge onto their union. */
function histogramQuantiles(rows: readonly HistogramRow[], q: number): StepValue[] {
  const steps = new Map<string, { bucket: number; labels: string[]; buckets: BoundCount[] }>();
  for (const r of rows) {
    const key = JSON.stringify([r.labels, r.bucket]);
    let step = steps.get(key);
    if (!step) steps.set(key, (step = { bucket: r.bucket, labels: r.labels, buckets: [] }));
    r.counts.forEach((count, i) => step.buckets.push({ upper: r.bounds[i] ?? Infinity, count }));
  }
  return [...steps.values()].map((s) => ({
    bucket: s.bucket,
    labels: s.labels,
    value: histogramQuantile(q, s.buckets),
  }));
}

function exponentialQuantiles(rows: readonly ExponentialRow[], q: number): StepValue[] {
  const side = ([indexes, counts]: [number[], number[]]) =>
    indexes.map((index, i) => ({ index, count: counts[i] ?? 0 }));
  return rows.map((r) => ({
    bucket: r.bucket,
    labels: r.labels,
    value: exponentialQuantile(q, {
      scale: r.scale,
      zeroCount: r.zeroCount,
      zeroThreshold: r.zeroThreshold,
      positive: side(r.positive),
      negative: side(r.negative),
    }),
  }));
}

/**
 * A summary's own values for the quantile `q` (see summaryQuantileSeries). When none of the
 * range's points report it, while some report others, the read is refused naming those:
 * an empty answer would read as no data.
 */
async function reportedQuantiles(
  store: Store,
  org: string,
  q: number,
  sel: SeriesSelection,
  opts: QueryOptions,
): Promise<StepValue[]> {
  const rows = await summaryQuantileSeries(store, org, q, sel, opts);
  if (rows.length > 0) return rows;
  const reported = await summaryQuantilesReported(store, org, sel, q, opts);
  if (reported.total > 0 && !reported.reportsQ) {
    const more = reported.total - reported.quantiles.length;
    const list = reported.quantiles.join(', ') + (more > 0 ? ` and ${more} more` : '');
    throw fieldError(
      'quantile',
      `summary ${sel.metric} reports the quantiles ${list} over the range, not ${q}`,
    );
  }
  return [];
}

/** rate, increase and count of a counter, or of a histogram's or summary's observations; their sum and avg. */
function counterValues(
  rows: readonly CounterRow[],
  aggregation: Aggregation,
  stepSeconds: number,
): StepValue[] {
  return rows.map((r) => {
    const value =
      aggregation === 'rate'
        ? ratio(r.increase, stepSeconds)
        : aggregation === 'sum'
          ? r.sumIncrease
          : aggregation === 'avg'
            ? ratio(r.sumIncrease, r.increase)
            : r.increase;
    return { bucket: r.bucket, labels: r.labels, value };
  });
}

const VALUE_AGGREGATES: readonly Aggregation[] = ['sum', 'avg', 'min', 'max', 'count'];

/** The values of each step and group: aggregated in ClickHouse, quantiles finished here. */
async function stepValues(
  store: Store,
  org: string,
  type: MetricType,
  aggregation: Aggregation,
  quantile: number | null,
  sel: SeriesSelection,
  opts: QueryOptions,
): Promise<StepValue[]> {
  if (type === 'gauge' || (type === 'sum' && VALUE_AGGREGATES.includes(aggregation))) {
    const aggregate = aggregation as 'sum' | 'avg' | 'min' | 'max' | 'count';
    return valueSeries(store, org, type, aggregate, sel, opts);
  }
  if (quantile !== null && type === 'histogram') {
    return histogramQuantiles(await histogramBuckets(store, org, sel, opts), quantile);
  }
  if (quantile !== null && type === 'exponential_histogram') {
    return exponentialQuantiles(await exponentialBuckets(store, org, sel, opts), quantile);
  }
  if (quantile !== null && type === 'summary') {
    return reportedQuantiles(store, org, quantile, sel, opts);
  }
  const rows = await counterSeries(store, org, type, sel, opts);
  return counterValues(rows, aggregation, sel.stepMs / 1000);
}

/** Rows ordered by labels then step, as series. */
function toSeries(rows: readonly StepValue[], groupBy: readonly GroupKey[]): Series[] {
  const out: Series[] = [];
  let lastKey = '';
  for (const r of rows) {
    const key = JSON.stringify(r.labels);
    if (out.length === 0 || key !== lastKey) {
      const labels: Record<string, string> = {};
      groupBy.forEach((g, i) => (labels[g.label] = r.labels[i] ?? ''));
      out.push({ labels, points: [] });
      lastKey = key;
    }
    const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
    out.at(-1)!.points.push({ time: new Date(r.bucket).toISOString(), value });
  }
  return out;
}

/**
 * A metric's values per step and group over a time range. Steps are aligned to the Unix
 * epoch; a step without points has no point in the answer (no data is not 0). See the
 * README for each type's semantics.
 */
export async function querySeries(
  types: MetricTypes,
  store: Store,
  org: string,
  req: SeriesRequest,
  opts: QueryOptions,
): Promise<SeriesResult> {
  const stepSeconds = parseStep(req.step, req.range.toMs - req.range.fromMs);
  // Checked before any read; the type-dependent checks follow once the type is known.
  if (req.aggregation !== undefined || req.quantile !== undefined) {
    quantileOf(req.aggregation ?? 'quantile', req.quantile, true);
  }
  const base = {
    metric: req.metric,
    step: stepSeconds,
    from: new Date(req.range.fromMs).toISOString(),
    to: new Date(req.range.toMs).toISOString(),
  };
  const resolved = await resolveType(types, store, org, req, opts);
  if (!resolved) {
    return { ...base, type: null, unit: '', ...aggregationFor(null, false, req), series: [] };
  }
  const { type, unit, monotonic } = resolved;
  const { aggregation, quantile } = aggregationFor(type, monotonic, req);
  const stepMs = stepSeconds * 1000;
  const sel: SeriesSelection = {
    metric: req.metric,
    fromMs: req.range.fromMs,
    toMs: req.range.toMs,
    service: req.service,
    attributes: req.attributes,
    stepMs,
    groupBy: req.groupBy,
    lookbackMs: Math.max(stepMs, LOOKBACK_MS),
  };
  const rows = await stepValues(store, org, type, aggregation, quantile, sel, opts);
  return { ...base, type, unit, aggregation, quantile, series: toSeries(rows, req.groupBy) };
}
