import {
  dateTime64Text,
  inRange,
  int64Number,
  isZero,
  splitNanos,
  uint64Text,
} from '../../lib/nanos.js';
import { floatText, rawArrayText, stringArrayText, tsvString, type TableName } from '../../store/index.js';
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

/** Rows for the five otel_metrics_* tables, each in its column order in store/tables.ts. */
export function metricsToRows(req: MetricsRequest): Converted {
  const out = new RowCollector();
  for (const rm of req.resourceMetrics ?? []) {
    const res = resourceText(rm.resource, rm.schemaUrl);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = scopeText(sm.scope, sm.schemaUrl);
      for (const metric of sm.metrics ?? []) convertMetric(out, res, scope, metric);
    }
  }
  return out.result();
}

function convertMetric(out: RowCollector, res: ResourceText, scope: ScopeText, m: Metric): void {
  const points = pointsOf(m);
  if (points.length === 0) return;
  if (!m.name) {
    for (let i = 0; i < points.length; i++) out.reject('metric name is empty');
    return;
  }
  const metricHead =
    res.attributes +
    '\t' + res.schemaUrl +
    '\t' + res.dropped +
    '\t' + scope.name +
    '\t' + scope.version +
    '\t' + scope.attributes +
    '\t' + scope.dropped +
    '\t' + scope.schemaUrl +
    '\t' + res.serviceName +
    '\t' + tsvString(m.name) +
    '\t' + tsvString(m.description ?? '') +
    '\t' + tsvString(m.unit ?? '') +
    '\t' + attributesText(m.metadata);

  const head = (p: PointLike): string | null => {
    const time = splitNanos(p.timeUnixNano);
    const start = splitNanos(p.startTimeUnixNano);
    if (isZero(time) || !inRange(time)) {
      out.reject('metric data point time_unix_nano is missing or out of range');
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
    }
    return (
      metricHead +
      '\t' + attributesText(p.attributes) +
      '\t' + dateTime64Text(start) +
      '\t' + dateTime64Text(time) +
      '\t' + (p.flags ?? 0)
    );
  };

  switch (m.data) {
    case 'gauge':
    case 'sum': {
      const sum = m.data === 'sum' ? m.sum : null;
      const table: TableName = sum ? 'otel_metrics_sum' : 'otel_metrics_gauge';
      const tail = sum ? '\t' + (sum.aggregationTemporality ?? 0) + '\t' + (sum.isMonotonic ? 'true' : 'false') : '';
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
          h +
            '\t' + uint64Text(p.count) +
            '\t' + floatText(optional(p.sum)) +
            '\t' + rawArrayText((p.bucketCounts ?? []).map(uint64Text)) +
            '\t' + rawArrayText((p.explicitBounds ?? []).map(floatText)) +
            '\t' + exemplarsText(p.exemplars) +
            '\t' + floatText(optional(p.min)) +
            '\t' + floatText(optional(p.max)) +
            '\t' + temporality,
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
          h +
            '\t' + uint64Text(p.count) +
            '\t' + floatText(optional(p.sum)) +
            '\t' + (p.scale ?? 0) +
            '\t' + uint64Text(p.zeroCount) +
            '\t' + (p.positive?.offset ?? 0) +
            '\t' + rawArrayText((p.positive?.bucketCounts ?? []).map(uint64Text)) +
            '\t' + (p.negative?.offset ?? 0) +
            '\t' + rawArrayText((p.negative?.bucketCounts ?? []).map(uint64Text)) +
            '\t' + exemplarsText(p.exemplars) +
            '\t' + floatText(optional(p.min)) +
            '\t' + floatText(optional(p.max)) +
            '\t' + temporality +
            '\t' + floatText(p.zeroThreshold ?? 0),
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
          h +
            '\t' + uint64Text(p.count) +
            '\t' + floatText(p.sum ?? 0) +
            '\t' + rawArrayText(q.map((v) => floatText(v.quantile ?? 0))) +
            '\t' + rawArrayText(q.map((v) => floatText(v.value ?? 0))),
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
  return (
    rawArrayText(ex.map((e) => attributesText(e.filteredAttributes))) +
    '\t' + rawArrayText(ex.map((e) => "'" + dateTime64Text(splitNanos(e.timeUnixNano)) + "'")) +
    '\t' + rawArrayText(ex.map((e) => floatText(e.value === 'asInt' ? int64Number(e.asInt) : (e.asDouble ?? 0)))) +
    '\t' + stringArrayText(ex.map((e) => hexId(e.spanId))) +
    '\t' + stringArrayText(ex.map((e) => hexId(e.traceId)))
  );
}
