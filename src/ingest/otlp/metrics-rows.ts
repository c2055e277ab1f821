import {
  dateTime64Text,
  inRange,
  int64Number,
  isZero,
  splitNanos,
  uint64Text,
} from '../../lib/nanos.js';
import {
  floatText,
  rawArrayText,
  stringArrayText,
  tsvString,
  type TableName,
} from '../../store/index.js';
import { attributesText, hexId } from './attributes.js';
import {
  RowCollector,
  resourceText,
  scopeText,
  validId,
  type Converted,
  type ResourceText,
  type ScopeText,
} from './convert-common.js';
import type { Exemplar, HistogramDataPoint, Metric, MetricsRequest } from './model.js';

interface PointLike {
  attributes?: Parameters<typeof attributesText>[0];
  startTimeUnixNano?: Parameters<typeof splitNanos>[0];
  timeUnixNano?: Parameters<typeof splitNanos>[0];
  flags?: number;
  exemplars?: readonly Exemplar[];
}

/**
 * Rows for the five otel_metrics_* tables, each in its column order in store/tables.ts.
 * Points older than `expiredBeforeSec` (Unix seconds; 0 for none) are refused: retention
 * would drop them right after they were acknowledged.
 */
export function metricsToRows(req: MetricsRequest, expiredBeforeSec = 0): Converted {
  const out = new RowCollector();
  for (const rm of req.resourceMetrics ?? []) {
    const res = resourceText(rm.resource, rm.schemaUrl);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = scopeText(sm.scope, sm.schemaUrl);
      for (const metric of sm.metrics ?? [])
        convertMetric(out, res, scope, metric, expiredBeforeSec);
    }
  }
  return out.result();
}

function convertMetric(
  out: RowCollector,
  res: ResourceText,
  scope: ScopeText,
  m: Metric,
  expiredBeforeSec: number,
): void {
  const points = pointsOf(m);
  if (points.length === 0) return;
  if (!m.name) {
    for (let i = 0; i < points.length; i++) out.reject('metric name is empty');
    return;
  }
  const metricHead = [
    res.attributes,
    res.schemaUrl,
    res.dropped,
    scope.name,
    scope.version,
    scope.attributes,
    scope.dropped,
    scope.schemaUrl,
    res.serviceName,
    tsvString(m.name),
    tsvString(m.description ?? ''),
    tsvString(m.unit ?? ''),
    attributesText(m.metadata),
  ].join('\t');

  const head = (p: PointLike): string | null => {
    const time = splitNanos(p.timeUnixNano);
    const start = splitNanos(p.startTimeUnixNano);
    if (isZero(time) || !inRange(time)) {
      out.reject('metric data point time_unix_nano is missing or out of range');
      return null;
    }
    if (time.sec < expiredBeforeSec) {
      out.reject('metric data point time is older than the retention period');
      return null;
    }
    if (!inRange(start)) {
      out.reject('metric data point start_time_unix_nano is out of range');
      return null;
    }
    for (const e of p.exemplars ?? []) {
      if (!validId(e.traceId, 16, true) || !validId(e.spanId, 8, true)) {
        out.reject('exemplar trace_id and span_id must be empty or 16 and 8 bytes');
        return null;
      }
      if (!inRange(splitNanos(e.timeUnixNano))) {
        out.reject('exemplar time_unix_nano is out of range');
        return null;
      }
    }
    return [
      metricHead,
      attributesText(p.attributes),
      dateTime64Text(start),
      dateTime64Text(time),
      p.flags ?? 0,
    ].join('\t');
  };

  switch (m.data) {
    case 'gauge':
    case 'sum': {
      const sum = m.data === 'sum' ? m.sum : null;
      const table: TableName = sum ? 'otel_metrics_sum' : 'otel_metrics_gauge';
      const tail = sum
        ? '\t' + (sum.aggregationTemporality ?? 0) + '\t' + (sum.isMonotonic ? 'true' : 'false')
        : '';
      for (const p of (sum ?? m.gauge)?.dataPoints ?? []) {
        const h = head(p);
        if (h === null) continue;
        const value = p.value === 'asInt' ? int64Number(p.asInt) : (p.asDouble ?? 0);
        out.add(table, h + '\t' + floatText(value) + '\t' + exemplarsText(p.exemplars) + tail);
      }
      return;
    }
    case 'histogram': {
      const temporality = m.histogram?.aggregationTemporality ?? 0;
      for (const p of m.histogram?.dataPoints ?? []) {
        const h = head(p);
        if (h === null) continue;
        const problem = histogramProblem(p);
        if (problem) {
          out.reject(problem);
          continue;
        }
        out.add(
          'otel_metrics_histogram',
          [
            h,
            uint64Text(p.count),
            floatText(optional(p.sum)),
            rawArrayText((p.bucketCounts ?? []).map(uint64Text)),
            rawArrayText((p.explicitBounds ?? []).map(floatText)),
            exemplarsText(p.exemplars),
            floatText(optional(p.min)),
            floatText(optional(p.max)),
            temporality,
          ].join('\t'),
        );
      }
      return;
    }
    case 'exponentialHistogram': {
      const temporality = m.exponentialHistogram?.aggregationTemporality ?? 0;
      for (const p of m.exponentialHistogram?.dataPoints ?? []) {
        const h = head(p);
        if (h === null) continue;
        out.add(
          'otel_metrics_exponential_histogram',
          [
            h,
            uint64Text(p.count),
            floatText(optional(p.sum)),
            p.scale ?? 0,
            uint64Text(p.zeroCount),
            p.positive?.offset ?? 0,
            rawArrayText((p.positive?.bucketCounts ?? []).map(uint64Text)),
            p.negative?.offset ?? 0,
            rawArrayText((p.negative?.bucketCounts ?? []).map(uint64Text)),
            exemplarsText(p.exemplars),
            floatText(optional(p.min)),
            floatText(optional(p.max)),
            temporality,
            floatText(p.zeroThreshold ?? 0),
          ].join('\t'),
        );
      }
      return;
    }
    case 'summary': {
      for (const p of m.summary?.dataPoints ?? []) {
        const h = head(p);
        if (h === null) continue;
        const q = p.quantileValues ?? [];
        out.add(
          'otel_metrics_summary',
          [
            h,
            uint64Text(p.count),
            floatText(p.sum ?? 0),
            rawArrayText(q.map((v) => floatText(v.quantile ?? 0))),
            rawArrayText(q.map((v) => floatText(v.value ?? 0))),
          ].join('\t'),
        );
      }
      return;
    }
    default:
      return;
  }
}

function pointsOf(m: Metric): readonly unknown[] {
  switch (m.data) {
    case 'gauge':
      return m.gauge?.dataPoints ?? [];
    case 'sum':
      return m.sum?.dataPoints ?? [];
    case 'histogram':
      return m.histogram?.dataPoints ?? [];
    case 'exponentialHistogram':
      return m.exponentialHistogram?.dataPoints ?? [];
    case 'summary':
      return m.summary?.dataPoints ?? [];
    default:
      return [];
  }
}

/** An absent optional double (sum, min, max) is stored as 0, as the Collector exporter does. */
function optional(v: number | null | undefined): number {
  return typeof v === 'number' ? v : 0;
}

function histogramProblem(p: HistogramDataPoint): string | null {
  const buckets = p.bucketCounts?.length ?? 0;
  const bounds = p.explicitBounds?.length ?? 0;
  if (buckets !== 0 && buckets !== bounds + 1)
    return 'histogram bucket_counts must have one more element than explicit_bounds';
  return null;
}

/** The five Exemplars.* columns. */
function exemplarsText(exemplars: readonly Exemplar[] | undefined): string {
  const ex = exemplars ?? [];
  return [
    rawArrayText(ex.map((e) => attributesText(e.filteredAttributes))),
    rawArrayText(ex.map((e) => "'" + dateTime64Text(splitNanos(e.timeUnixNano)) + "'")),
    rawArrayText(
      ex.map((e) => floatText(e.value === 'asInt' ? int64Number(e.asInt) : (e.asDouble ?? 0))),
    ),
    stringArrayText(ex.map((e) => hexId(e.spanId))),
    stringArrayText(ex.map((e) => hexId(e.traceId))),
  ].join('\t');
}
