import { fieldError } from '../../lib/errors.js';
import { LAST_STORED_SEC } from '../../lib/nanos.js';
import { parseTimeNanos, refuseUnixSeconds } from '../../lib/time-range.js';
import type { Store, TableRows } from '../../store/index.js';
import type { PushPoint, PushResult } from './schemas.js';

/** The instrumentation scope of pushed points. */
export const PUSH_SCOPE = 'gridscope.json-push';

/** OTLP/JSON `AnyValue` of an attribute value. */
type OtlpValue =
  { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

interface OtlpPointBase {
  timeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
}

interface OtlpNumberPoint extends OtlpPointBase {
  asDouble: number;
}

interface OtlpHistogramPoint extends OtlpPointBase {
  /** uint64 and fixed64 values are strings in OTLP/JSON. */
  count: string;
  bucketCounts: string[];
  explicitBounds: number[];
  sum?: number;
  min?: number;
  max?: number;
}

interface OtlpMetric {
  name: string;
  unit: string;
  description: string;
  gauge?: { dataPoints: OtlpNumberPoint[] };
  sum?: { dataPoints: OtlpNumberPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: OtlpHistogramPoint[]; aggregationTemporality: number };
}

/** An OTLP/JSON ExportMetricsServiceRequest. */
export interface OtlpMetricsRequest {
  resourceMetrics: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeMetrics: { scope: { name: string }; metrics: OtlpMetric[] }[];
  }[];
}

/** What the OTLP converter made of a request: rows per table, and points it refused. */
export interface ConvertedRows {
  parts: TableRows[];
  accepted: number;
  rejected: number;
  message: string;
}

/** The receiver's converter, from an OTLP/JSON request to table rows. */
export type MetricsConverter = (otlpJson: string) => ConvertedRows;

function anyValue(v: string | number | boolean): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** When points are pushed, and the oldest time a point may have (Unix ms). */
export interface PushTimes {
  nowMs: number;
  /** Days metric points are kept; 0 keeps them forever. */
  retentionDays: number;
}

/**
 * Unix nanoseconds of a point's time, or VALIDATION naming `points.INDEX.time`: a point
 * older than the retention would be accepted and then dropped, so it is refused.
 */
function pointTimeNanos(p: PushPoint, index: number, { nowMs, retentionDays }: PushTimes): bigint {
  const field = `points.${index}.time`;
  if (typeof p.time === 'number') refuseUnixSeconds(String(p.time), field);
  const ns =
    p.time === undefined
      ? BigInt(nowMs) * 1_000_000n
      : typeof p.time === 'number'
        ? BigInt(p.time) * 1_000_000n
        : parseTimeNanos(p.time, nowMs, field);
  const ms = Number(ns / 1_000_000n);
  if (!(ns > 0n && ms < LAST_STORED_SEC * 1000)) {
    throw fieldError(field, 'out of range (1970 to 2106-02-07)', 'body');
  }
  if (retentionDays > 0 && ms < nowMs - retentionDays * 86_400_000) {
    throw fieldError(field, `older than the metrics retention (${retentionDays} days)`, 'body');
  }
  return ns;
}

/**
 * The points as one OTLP export request: a resource per service (`service.name`), one
 * scope, and a metric per name, type, unit, description, monotonicity and temporality.
 * Attribute keys are sorted, so a series' attributes always come in the same order.
 */
export function pointsToOtlp(points: readonly PushPoint[], times: PushTimes): OtlpMetricsRequest {
  const resources = new Map<string, Map<string, OtlpMetric>>();
  points.forEach((p, i) => {
    const timeNs = pointTimeNanos(p, i, times);
    const service = p.service ?? '';
    let metrics = resources.get(service);
    if (!metrics) resources.set(service, (metrics = new Map<string, OtlpMetric>()));
    const monotonic = p.monotonic ?? true;
    const temporality = p.temporality === 'delta' ? 1 : 2;
    const unit = p.unit ?? '';
    const description = p.description ?? '';
    const key = JSON.stringify([p.name, p.type, unit, description, monotonic, temporality]);
    let metric = metrics.get(key);
    if (!metric) {
      metric = { name: p.name, unit, description };
      if (p.type === 'sum')
        metric.sum = {
          dataPoints: [],
          aggregationTemporality: temporality,
          isMonotonic: monotonic,
        };
      else if (p.type === 'histogram')
        metric.histogram = { dataPoints: [], aggregationTemporality: temporality };
      else metric.gauge = { dataPoints: [] };
      metrics.set(key, metric);
    }
    const base: OtlpPointBase = {
      timeUnixNano: timeNs.toString(),
      attributes: Object.keys(p.attributes)
        .sort()
        .map((k) => ({ key: k, value: anyValue(p.attributes[k]!) })),
    };
    // The schema has checked that each type's own fields are present.
    if (metric.histogram) {
      const counts = p.counts!;
      metric.histogram.dataPoints.push({
        ...base,
        count: counts.reduce((a, b) => a + BigInt(b), 0n).toString(),
        bucketCounts: counts.map(String),
        explicitBounds: p.bounds!,
        ...(p.sum === undefined ? {} : { sum: p.sum }),
        ...(p.min === undefined ? {} : { min: p.min }),
        ...(p.max === undefined ? {} : { max: p.max }),
      });
    } else {
      (metric.sum ?? metric.gauge)!.dataPoints.push({ ...base, asDouble: p.value! });
    }
  });
  return {
    resourceMetrics: [...resources].map(([service, metrics]) => ({
      resource: {
        attributes:
          service === '' ? [] : [{ key: 'service.name', value: { stringValue: service } }],
      },
      scopeMetrics: [{ scope: { name: PUSH_SCOPE }, metrics: [...metrics.values()] }],
    })),
  };
}

/**
 * Stores plain JSON points through the OTLP receiver's converter, so they are encoded
 * exactly as OTLP points are. All or nothing: if any point is refused, none is written.
 */
export async function pushPoints(
  store: Store,
  org: string,
  points: readonly PushPoint[],
  convert: MetricsConverter,
  times: PushTimes,
): Promise<PushResult> {
  const converted = convert(JSON.stringify(pointsToOtlp(points, times)));
  if (converted.rejected > 0) {
    throw fieldError('points', `${converted.rejected} refused: ${converted.message}`, 'body');
  }
  if (converted.accepted !== points.length) {
    throw new Error(`converter made ${converted.accepted} rows of ${points.length} points`);
  }
  await store.write(org, converted.parts);
  return { accepted: converted.accepted };
}
