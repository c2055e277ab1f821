/** Telemetry made with the OpenTelemetry JS SDKs, for the exporters to send. */
import {
  context,
  createTraceState,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type HrTime,
} from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** Nanoseconds since the epoch of an SDK HrTime, as a decimal string. */
export function hrNanos(t: HrTime): string {
  return (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
}

/** A fixed base time one hour ago, with nanosecond digits that a lossy path would lose. */
export function baseTime(): HrTime {
  return [Math.floor(Date.now() / 1000) - 3600, 123_456_789];
}

function plus(t: HrTime, nanos: number): HrTime {
  const total = t[1] + nanos;
  return [t[0] + Math.floor(total / 1e9), total % 1e9];
}

export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.26.0';

/** A server span with attributes, an event, a link and an error status, and a client child. */
export function makeSpans(service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'deployment.environment.name': 'test',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('gridscope.test', '1.2.3', { schemaUrl: SCHEMA_URL });
  const t0 = baseTime();
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=opaque,other=1'),
  });
  const server = tracer.startSpan(
    'POST /bids',
    {
      kind: SpanKind.SERVER,
      startTime: t0,
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 500,
        'bid.price': 42.5,
        'bid.accepted': false,
        'bid.tags': ['day-ahead', 'intraday'],
      },
      links: [
        {
          context: {
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
            traceFlags: 1,
          },
          attributes: { 'link.reason': 'batch' },
        },
      ],
    },
    remoteParent,
  );
  server.addEvent(
    'validation failed',
    { field: 'price', 'tab\there': 'quote\'s "here"' },
    plus(t0, 1_000),
  );
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'price out of range' });
  const client = tracer.startSpan(
    'SELECT bids',
    {
      kind: SpanKind.CLIENT,
      startTime: plus(t0, 2_000),
      attributes: { 'db.system.name': 'postgresql' },
    },
    trace.setSpan(context.active(), server),
  );
  client.end(plus(t0, 7_654_321));
  server.end(plus(t0, 12_345_678));
  const spans = memory.getFinishedSpans();
  if (spans.length !== 2) throw new Error(`expected 2 spans from the SDK, got ${spans.length}`);
  return spans;
}

/** Log records with a string body, a map body, an int body, trace context and an event name. */
export async function makeLogs(service: string): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'node-1' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('gridscope.test.logs', '0.9.0', { schemaUrl: SCHEMA_URL });
  const t0 = baseTime();
  const spanCtx = trace.setSpanContext(context.active(), {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    traceFlags: TraceFlags.SAMPLED,
  });
  logger.emit({
    timestamp: t0,
    observedTimestamp: plus(t0, 500),
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'order book\tlagging\nby 3 ticks',
    attributes: { market: 'EPEX', retries: 3, ratio: 0.25, ok: true },
    context: spanCtx,
  });
  logger.emit({
    timestamp: plus(t0, 1_000),
    observedTimestamp: plus(t0, 1_500),
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: { order: 'A-1', quantities: [1, 2], nested: { ok: false } },
    eventName: 'order.rejected',
  });
  logger.emit({
    timestamp: plus(t0, 2_000),
    observedTimestamp: plus(t0, 2_500),
    severityNumber: SeverityNumber.INFO,
    body: 12345,
  });
  await provider.forceFlush();
  const records = [...memory.getFinishedLogRecords()];
  if (records.length !== 3)
    throw new Error(`expected 3 log records from the SDK, got ${records.length}`);
  return records;
}

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A counter, an up-down counter, an explicit-bucket histogram, an exponential histogram,
 * a gauge and an observable gauge, collected once with the given temporality.
 */
export async function makeMetrics(
  service: string,
  temporality: 'cumulative' | 'delta' = 'cumulative',
): Promise<ResourceMetrics> {
  const reader = new CollectingReader({
    aggregationTemporalitySelector: () =>
      temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
    views: [
      {
        instrumentName: 'bid.latency.exp',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
      {
        instrumentName: 'bid.latency',
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [10, 50, 100] },
        },
      },
    ],
  });
  const meter = provider.getMeter('gridscope.test.metrics', '2.0.0', { schemaUrl: SCHEMA_URL });
  const bids = meter.createCounter('bids.received', {
    unit: '{bid}',
    description: 'Bids received',
  });
  bids.add(3, { market: 'EPEX' });
  bids.add(2, { market: 'EPEX' });
  bids.add(7, { market: 'NordPool' });
  const depth = meter.createUpDownCounter('queue.depth');
  depth.add(5);
  depth.add(-2);
  const latency = meter.createHistogram('bid.latency', { unit: 'ms' });
  for (const v of [4, 20, 20, 75, 250]) latency.record(v, { route: '/bids' });
  const exp = meter.createHistogram('bid.latency.exp', { unit: 'ms' });
  for (const v of [0, 1.5, 3, 3, 900]) exp.record(v);
  meter.createGauge('price.eur').record(87.25, { zone: 'DE' });
  meter.createObservableGauge('memory.used').addCallback((r) => r.observe(1024, { pool: 'heap' }));
  // The SDK's times are whole milliseconds: collected in the millisecond of the first
  // measurement, a cumulative point would start at its own time, which reads take as a start
  // not known (a baseline). An exporting SDK collects seconds after.
  await new Promise((r) => setTimeout(r, 5));
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
  await provider.shutdown();
  return resourceMetrics;
}
