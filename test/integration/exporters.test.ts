/**
 * The official OpenTelemetry JS exporters send SDK-made traces, logs and metrics over gRPC,
 * HTTP/protobuf and HTTP/JSON; every field is read back with SQL and compared with what the
 * SDK produced.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Gridscope } from '../../src/main.js';
import {
  exportLogs,
  exportMetrics,
  exportSpans,
  TRANSPORTS,
  type Transport,
} from './otel-exporters.js';
import { removeDir, rows, startTestServer, tempDataDir, urls } from './harness.js';
import { peerBinary, PROMTOOL } from './peers.js';
import { hrNanos, makeLogs, makeMetrics, makeSpans, SCHEMA_URL } from './telemetry.js';

let gs: Gridscope;
let dir: string;

beforeAll(async () => {
  dir = tempDataDir('exporters');
  gs = await startTestServer(dir);
});

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

const OTLP_KIND = [
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const serviceFor = (t: Transport, signal: string) => `${signal}-${t.replace('/', '-')}`;

/** Attribute values as the exporter schema stores them: text, with arrays as JSON. */
function attrText(v: unknown): string {
  return Array.isArray(v) ? JSON.stringify(v) : String(v);
}
function attrMap(attrs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, attrText(v)]));
}

describe.each(TRANSPORTS)('over %s', (transport) => {
  it('stores every span field the SDK produced', async () => {
    const service = serviceFor(transport, 'traces');
    const spans = makeSpans(service);
    const result = await exportSpans(transport, urls(gs), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    const stored = await rows(
      gs,
      `SELECT *, toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTs
       FROM {db:Identifier}.otel_traces WHERE ServiceName = {s:String}`,
      { s: service },
    );
    expect(stored).toHaveLength(spans.length);
    for (const span of spans) {
      const r = stored.find((x) => x['SpanId'] === span.spanContext().spanId)!;
      expect(r, `span ${span.name}`).toBeDefined();
      expect(r['TraceId']).toBe(span.spanContext().traceId);
      expect(r['ParentSpanId']).toBe(span.parentSpanContext?.spanId ?? '');
      expect(r['TraceState']).toBe(span.spanContext().traceState?.serialize() ?? '');
      expect(r['SpanName']).toBe(span.name);
      expect(r['SpanKind']).toBe(OTLP_KIND[span.kind]);
      expect(r['ts']).toBe(hrNanos(span.startTime));
      expect(String(r['Duration'])).toBe(
        (BigInt(hrNanos(span.endTime)) - BigInt(hrNanos(span.startTime))).toString(),
      );
      expect(r['StatusCode']).toBe(
        ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'][span.status.code],
      );
      expect(r['StatusMessage']).toBe(span.status.message ?? '');
      expect(r['SpanAttributes']).toEqual(attrMap(span.attributes));
      expect(r['ResourceAttributes']).toEqual(attrMap(span.resource.attributes));
      expect(r['ScopeName']).toBe('gridscope.test');
      expect(r['ScopeVersion']).toBe('1.2.3');
      expect(r['ScopeSchemaUrl']).toBe(SCHEMA_URL);
      expect(Number(r['Flags']) & 0xff).toBe(span.spanContext().traceFlags);
      expect(r['Events.Name']).toEqual(span.events.map((e) => e.name));
      expect(r['eventTs']).toEqual(span.events.map((e) => hrNanos(e.time)));
      expect(r['Events.Attributes']).toEqual(span.events.map((e) => attrMap(e.attributes ?? {})));
      expect(r['Links.TraceId']).toEqual(span.links.map((l) => l.context.traceId));
      expect(r['Links.SpanId']).toEqual(span.links.map((l) => l.context.spanId));
      expect(r['Links.Attributes']).toEqual(span.links.map((l) => attrMap(l.attributes ?? {})));
      expect(r['DroppedAttrCount']).toBe(span.droppedAttributesCount);
      expect(r['DroppedEventsCount']).toBe(span.droppedEventsCount);
      expect(r['DroppedLinksCount']).toBe(span.droppedLinksCount);
    }
    // The trace-id lookup table is filled by its materialized view.
    const lookup = await rows(
      gs,
      'SELECT TraceId FROM {db:Identifier}.otel_traces_trace_id_ts WHERE TraceId = {t:String}',
      {
        t: spans[0]!.spanContext().traceId,
      },
    );
    expect(lookup.length).toBeGreaterThan(0);
  });

  it('stores every log record field the SDK produced', async () => {
    const service = serviceFor(transport, 'logs');
    const logs = await makeLogs(service);
    const result = await exportLogs(transport, urls(gs), logs);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    const stored = await rows(
      gs,
      `SELECT *, toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toString(toUnixTimestamp64Nano(ObservedTimestamp)) AS observed
       FROM {db:Identifier}.otel_logs WHERE ServiceName = {s:String} ORDER BY Timestamp`,
      { s: service },
    );
    expect(stored).toHaveLength(logs.length);
    logs.forEach((log, i) => {
      const r = stored[i]!;
      expect(r['ts']).toBe(hrNanos(log.hrTime));
      expect(r['observed']).toBe(hrNanos(log.hrTimeObserved));
      expect(r['SeverityNumber']).toBe(log.severityNumber);
      expect(r['SeverityText']).toBe(log.severityText ?? '');
      expect(r['TraceId']).toBe(log.spanContext?.traceId ?? '');
      expect(r['SpanId']).toBe(log.spanContext?.spanId ?? '');
      expect(r['TraceFlags']).toBe(log.spanContext?.traceFlags ?? 0);
      expect(r['EventName']).toBe(log.eventName ?? '');
      expect(r['LogAttributes']).toEqual(attrMap(log.attributes));
      expect(r['ResourceAttributes']).toEqual(attrMap(log.resource.attributes));
      expect(r['ScopeName']).toBe('gridscope.test.logs');
      expect(r['ScopeVersion']).toBe('0.9.0');
      expect(r['ScopeSchemaUrl']).toBe(SCHEMA_URL);
      if (typeof log.body === 'string') {
        expect(r['Body']).toBe(log.body);
        expect(r['BodyType']).toBe('string');
      } else if (typeof log.body === 'number') {
        expect(r['Body']).toBe(String(log.body));
        expect(r['BodyType']).toBe('int');
      } else {
        expect(JSON.parse(r['Body'] as string)).toEqual(log.body);
        expect(r['BodyType']).toBe('map');
      }
    });
  });

  it('stores every metric point the SDK produced', async () => {
    const service = serviceFor(transport, 'metrics');
    const metrics = await makeMetrics(service);
    const result = await exportMetrics(transport, urls(gs), metrics);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    await expectMetricsStored(metrics, service);
  });
});

it('stores delta temporality as delta', async () => {
  const service = 'metrics-delta';
  const metrics = await makeMetrics(service, 'delta');
  const result = await exportMetrics('grpc', urls(gs), metrics);
  expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
  await expectMetricsStored(metrics, service);
  const temporalities = await rows<{ t: number }>(
    gs,
    'SELECT DISTINCT AggregationTemporality AS t FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = {s:String} AND IsMonotonic',
    { s: service },
  );
  expect(temporalities).toEqual([{ t: 1 }]);
});

it('accepts gzip-compressed requests from the exporters', async () => {
  for (const transport of TRANSPORTS) {
    const service = serviceFor(transport, 'gzip');
    const spans = makeSpans(service);
    const result = await exportSpans(transport, urls(gs), spans, { compression: 'gzip' });
    expect(result.code, `${transport}: ${String(result.error)}`).toBe(ExportResultCode.SUCCESS);
    const stored = await rows(
      gs,
      'SELECT SpanId FROM {db:Identifier}.otel_traces WHERE ServiceName = {s:String}',
      { s: service },
    );
    expect(stored).toHaveLength(spans.length);
  }
});

const TABLE_OF: Record<number, string> = {
  [DataPointType.SUM]: 'otel_metrics_sum',
  [DataPointType.GAUGE]: 'otel_metrics_gauge',
  [DataPointType.HISTOGRAM]: 'otel_metrics_histogram',
  [DataPointType.EXPONENTIAL_HISTOGRAM]: 'otel_metrics_exponential_histogram',
};

async function expectMetricsStored(metrics: ResourceMetrics, service: string): Promise<void> {
  const all = metrics.scopeMetrics.flatMap((s) => s.metrics);
  expect(all.length).toBe(6);
  for (const m of all) {
    const table = TABLE_OF[m.dataPointType]!;
    const stored = await rows(
      gs,
      `SELECT *, toString(toUnixTimestamp64Nano(TimeUnix)) AS time, toString(toUnixTimestamp64Nano(StartTimeUnix)) AS start
       FROM {db:Identifier}.${table} WHERE ServiceName = {s:String} AND MetricName = {m:String}`,
      { s: service, m: m.descriptor.name },
    );
    expect(stored, m.descriptor.name).toHaveLength(m.dataPoints.length);
    for (const dp of m.dataPoints) {
      const attrs = attrMap(dp.attributes);
      const r = stored.find((x) => JSON.stringify(x['Attributes']) === JSON.stringify(attrs))!;
      expect(r, `${m.descriptor.name} ${JSON.stringify(attrs)}`).toBeDefined();
      expect(r['MetricUnit']).toBe(m.descriptor.unit);
      expect(r['MetricDescription']).toBe(m.descriptor.description);
      expect(r['ScopeName']).toBe('gridscope.test.metrics');
      expect(r['ScopeVersion']).toBe('2.0.0');
      expect(r['time']).toBe(hrNanos(dp.endTime));
      expect(r['start']).toBe(hrNanos(dp.startTime));
      switch (m.dataPointType) {
        case DataPointType.SUM:
          expect(r['Value']).toBe(dp.value);
          expect(r['IsMonotonic']).toBe(m.isMonotonic);
          expect(r['AggregationTemporality']).toBe(
            m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
          );
          break;
        case DataPointType.GAUGE:
          expect(r['Value']).toBe(dp.value);
          break;
        case DataPointType.HISTOGRAM: {
          const h = dp.value as {
            count: number;
            sum: number;
            min: number;
            max: number;
            buckets: { boundaries: number[]; counts: number[] };
          };
          expect(Number(r['Count'])).toBe(h.count);
          expect(r['Sum']).toBe(h.sum);
          expect(r['Min']).toBe(h.min);
          expect(r['Max']).toBe(h.max);
          expect(r['ExplicitBounds']).toEqual(h.buckets.boundaries);
          expect((r['BucketCounts'] as unknown[]).map(Number)).toEqual(h.buckets.counts);
          expect(r['AggregationTemporality']).toBe(
            m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
          );
          break;
        }
        case DataPointType.EXPONENTIAL_HISTOGRAM: {
          const e = dp.value as {
            count: number;
            sum: number;
            min: number;
            max: number;
            scale: number;
            zeroCount: number;
            positive: { offset: number; bucketCounts: number[] };
            negative: { offset: number; bucketCounts: number[] };
          };
          expect(Number(r['Count'])).toBe(e.count);
          expect(r['Sum']).toBe(e.sum);
          expect(r['Min']).toBe(e.min);
          expect(r['Max']).toBe(e.max);
          expect(r['Scale']).toBe(e.scale);
          expect(Number(r['ZeroCount'])).toBe(e.zeroCount);
          expect(r['PositiveOffset']).toBe(e.positive.offset);
          expect((r['PositiveBucketCounts'] as unknown[]).map(Number)).toEqual(
            e.positive.bucketCounts,
          );
          expect(r['NegativeOffset']).toBe(e.negative.offset);
          expect((r['NegativeBucketCounts'] as unknown[]).map(Number)).toEqual(
            e.negative.bucketCounts,
          );
          break;
        }
      }
    }
  }
}

describe('its own metrics', () => {
  it('count what was sent, in the text format Prometheus checks', async () => {
    // Runs after the exports above, so that every counter and histogram has series.
    const text = await (await fetch(`${urls(gs).ops}/metrics`)).text();
    for (const signal of ['traces', 'logs', 'metrics']) {
      for (const transport of ['grpc', 'http']) {
        const line = new RegExp(
          `^gridscope_otlp_items_received_total\\{signal="${signal}",transport="${transport}"\\} (\\d+)$`,
          'm',
        ).exec(text);
        expect(Number(line?.[1]), `${signal} over ${transport}`).toBeGreaterThan(0);
      }
    }
    expect(text).toMatch(
      /^gridscope_store_insert_duration_seconds_bucket\{table="otel_logs",le="\+Inf"\} [1-9]\d*$/m,
    );
    // promtool reads the exposition as Prometheus does and checks its conventions: it
    // exits 0, saying nothing, when it finds no problem.
    const checked = spawnSync(peerBinary(PROMTOOL), ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
    });
    expect(`${checked.stdout}${checked.stderr}`).toBe('');
    expect(checked.status).toBe(0);
  });
});
