import { context, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nanosToIso } from '../../src/lib/nanos.js';
import type { Gridscope } from '../../src/main.js';
import { getTrace } from '../../src/query/traces/index.js';
import { QUANTILE_RELATIVE_ERROR } from '../../src/store/queries/latency-buckets.js';
import { apiClient } from './api-client.js';
import { removeDir, sqlOnDataDir, startTestServer, tempDataDir, urls } from './harness.js';
import { exportSpans } from './otel-exporters.js';

const ADMIN = 'platform-admin-key-for-trace-tests-0123';
const dir = tempDataDir('traces-api');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
let viewer: string;

const TRACES = 20;
/** Start of trace i: 30 minutes ago plus 10 s per trace, in milliseconds. */
const T0 = Date.now() - 30 * 60_000;
const startMs = (i: number) => T0 + i * 10_000;
const hr = (ms: number): HrTime => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

/** Durations in milliseconds of each service's server span in trace i. */
const frontendMs = (i: number) => 200 + i;
const checkoutMs = (i: number) => 100 + 2 * i;
const paymentsMs = (i: number) => 10 * (i + 1);
const paymentFails = (i: number) => i % 5 === 0;

function provider(service: string, memory: InMemorySpanExporter) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'deployment.environment.name': 'test',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
}

/**
 * TRACES traces of five spans: frontend GET /checkout (server) → frontend "call checkout"
 * (client) → checkout POST /checkout (server) → checkout SELECT (client) and payments
 * charge (server, failing in every fifth trace).
 */
function makeTraces(): { spans: ReadableSpan[]; traceIds: string[] } {
  const memory = new InMemorySpanExporter();
  const front = provider('frontend', memory).getTracer('t');
  const checkout = provider('checkout', memory).getTracer('t');
  const payments = provider('payments', memory).getTracer('t');
  const traceIds: string[] = [];
  for (let i = 0; i < TRACES; i++) {
    const s = startMs(i);
    const root = front.startSpan(
      'GET /checkout',
      { kind: SpanKind.SERVER, startTime: hr(s) },
      context.active(),
    );
    traceIds.push(root.spanContext().traceId);
    const inRoot = trace.setSpan(context.active(), root);
    const out = front.startSpan(
      'call checkout',
      { kind: SpanKind.CLIENT, startTime: hr(s + 5) },
      inRoot,
    );
    const co = checkout.startSpan(
      'POST /checkout',
      { kind: SpanKind.SERVER, startTime: hr(s + 6), attributes: { 'order.id': String(i) } },
      trace.setSpan(context.active(), out),
    );
    const inCo = trace.setSpan(context.active(), co);
    const db = checkout.startSpan(
      'SELECT orders',
      { kind: SpanKind.CLIENT, startTime: hr(s + 7) },
      inCo,
    );
    db.end(hr(s + 9));
    const pay = payments.startSpan(
      'charge',
      { kind: SpanKind.SERVER, startTime: hr(s + 10) },
      inCo,
    );
    if (paymentFails(i)) pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    pay.addEvent('authorized', { amount: 42 }, hr(s + 11));
    pay.end(hr(s + 10 + paymentsMs(i)));
    co.end(hr(s + 6 + checkoutMs(i)));
    out.end(hr(s + 6 + checkoutMs(i)));
    root.end(hr(s + frontendMs(i)));
  }
  return { spans: memory.getFinishedSpans(), traceIds };
}

/** Linearly interpolated quantile of the values. */
function quantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (pos - lo);
}

/**
 * Checks an estimated quantile against the exact one: Gridscope's latency buckets bound
 * the relative error (QUANTILE_RELATIVE_ERROR), and answers are rounded to 0.001 ms.
 */
function expectQuantile(actual: number, values: number[], q: number, what: string): void {
  const want = quantile(values, q);
  expect(Math.abs(actual - want), what).toBeLessThanOrEqual(
    want * QUANTILE_RELATIVE_ERROR + 0.0005,
  );
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
let traceIds: string[];

beforeAll(async () => {
  gs = await startTestServer(dir, { 'bootstrap-admin-key': ADMIN });
  call = apiClient(urls(gs).ops);
  const made = makeTraces();
  traceIds = made.traceIds;
  const res = await exportSpans('http/protobuf', urls(gs), made.spans);
  expect(res.code).toBe(0);
  const key = await call('POST', '/api/v1/orgs/default/api-keys', {
    key: ADMIN,
    body: { name: 'v', role: 'viewer' },
  });
  viewer = key.body.key;
}, 60_000);

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

const get = (path: string) => call('GET', path, { key: viewer });

/** A new organization with an ingest key and a viewer key. */
async function newOrg(id: string): Promise<{ ingest: string; reader: string }> {
  await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id, name: id } });
  const keyOf = async (role: string) =>
    (await call('POST', `/api/v1/orgs/${id}/api-keys`, { key: ADMIN, body: { name: role, role } }))
      .body.key as string;
  return { ingest: await keyOf('ingest'), reader: await keyOf('viewer') };
}

describe('services', () => {
  it('lists each service with rate, error rate and percentiles of its server spans', async () => {
    const r = await get('/api/v1/monitoring/services?from=now-1h');
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body.items.map((s: { service: string }) => [s.service, s]));
    expect(Object.keys(by).sort()).toEqual(['checkout', 'frontend', 'payments']);
    const cases: [string, (i: number) => number, number][] = [
      ['frontend', frontendMs, 0],
      ['checkout', checkoutMs, 0],
      ['payments', paymentsMs, range(TRACES).filter(paymentFails).length],
    ];
    for (const [name, ms, errors] of cases) {
      const s = by[name];
      const durations = range(TRACES).map(ms);
      expect(s.calls, name).toBe(TRACES);
      expect(s.errors, name).toBe(errors);
      expect(s.errorRate, name).toBeCloseTo(errors / TRACES, 6);
      // An hour is read in whole minutes: 60 of them, or 61 when its ends cut minutes.
      expect([TRACES / 3600, TRACES / 3660], name).toContainEqual(
        expect.closeTo(s.requestRate, 12),
      );
      for (const [k, q] of [
        ['p50', 0.5],
        ['p95', 0.95],
        ['p99', 0.99],
      ] as const) {
        expectQuantile(s.latencyMs[k], durations, q, `${name} ${k}`);
      }
    }
  });

  it('counts exactly inside a range shorter than an hour, whose ends cut minutes', async () => {
    const from = new Date(startMs(3) + 5).toISOString();
    const to = new Date(startMs(17) + 5).toISOString();
    const r = await get(`/api/v1/monitoring/services?from=${from}&to=${to}`);
    const by = Object.fromEntries(r.body.items.map((s: { service: string }) => [s.service, s]));
    // Payments spans start 10 ms into each trace: traces 3 to 16 fall in the range.
    const inRange = range(TRACES).filter((i) => i >= 3 && i <= 16);
    expect(by.payments.calls).toBe(inRange.length);
    expect(by.payments.errors).toBe(inRange.filter(paymentFails).length);
    // Frontend spans start exactly at each trace's start: traces 4 to 17.
    expect(by.frontend.calls).toBe(14);
    // Its percentiles merge the spans of the cut minutes with the minute rollup.
    for (const [k, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      expectQuantile(by.payments.latencyMs[k], inRange.map(paymentsMs), q, `payments ${k}`);
    }
  });

  it('reads a range of an hour or more in whole minutes, and divides its rates by them', async () => {
    const fromMs = startMs(3) + 5;
    const toMs = fromMs + 3_600_000 + 7_000;
    const r = await get(`/api/v1/monitoring/services?from=${fromMs}&to=${toMs}`);
    const by = Object.fromEntries(r.body.items.map((s: { service: string }) => [s.service, s]));
    // The minutes holding both ends count whole: the payments spans (10 ms into each trace)
    // from the start of the minute holding the range's start.
    const minutesFrom = Math.floor(fromMs / 60_000) * 60_000;
    const seconds = (Math.ceil(toMs / 60_000) * 60_000 - minutesFrom) / 1000;
    const counted = range(TRACES).filter((i) => startMs(i) + 10 >= minutesFrom).length;
    expect(counted).toBeGreaterThanOrEqual(TRACES - 3);
    expect(by.payments.calls).toBe(counted);
    expect(by.payments.requestRate).toBeCloseTo(counted / seconds, 12);
    const m = await get(`/api/v1/monitoring/service-metrics/payments?from=${fromMs}&to=${toMs}`);
    expect(m.body.operations[0].calls).toBe(counted);
    expect(m.body.operations[0].requestRate).toBeCloseTo(counted / seconds, 12);
    // Steps of any length cover the same whole minutes, so they add up to the same calls.
    for (const step of ['30s', '45s', '60s', '5m']) {
      const s = await get(
        `/api/v1/monitoring/service-metrics/payments?from=${fromMs}&to=${toMs}&step=${step}`,
      );
      expect(s.status, s.text).toBe(200);
      const sum = s.body.series.reduce((n: number, p: { calls: number }) => n + p.calls, 0);
      expect(sum, step).toBe(counted);
      expect(Date.parse(s.body.series[0].time), step).toBeLessThanOrEqual(minutesFrom);
    }
  });

  it('counts a span in the last second before a cut minute, alone in its part', async () => {
    // The range cuts minute M - 1: its spans are read from the table, up to M. ClickHouse
    // 26.7 skipped a part whose spans all lay in the second before M when that bound was
    // a DateTime rather than a DateTime64.
    const { ingest, reader } = await newOrg('edge');
    const m = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
    const memory = new InMemorySpanExporter();
    const span = provider('edge', memory)
      .getTracer('t')
      .startSpan('GET /', { kind: SpanKind.SERVER, startTime: hr(m - 500) }, context.active());
    span.end(hr(m - 490));
    const res = await exportSpans('http/protobuf', urls(gs), memory.getFinishedSpans(), {
      token: ingest,
    });
    expect(res.code).toBe(0);
    const from = new Date(m - 30_000).toISOString();
    const to = new Date(m + 120_000).toISOString();
    const r = await call('GET', `/api/v1/monitoring/services?from=${from}&to=${to}`, {
      key: reader,
    });
    expect(r.body.items).toEqual([expect.objectContaining({ service: 'edge', calls: 1 })]);
  });

  it('lists a span name used by server and consumer spans as two operations', async () => {
    const { ingest, reader } = await newOrg('kinds');
    const memory = new InMemorySpanExporter();
    const tracer = provider('worker', memory).getTracer('t');
    const at = Date.now() - 5 * 60_000;
    for (const [kind, n] of [
      [SpanKind.SERVER, 3],
      [SpanKind.CONSUMER, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const span = tracer.startSpan('work', { kind, startTime: hr(at + i) }, context.active());
        span.end(hr(at + i + 5));
      }
    }
    const res = await exportSpans('http/protobuf', urls(gs), memory.getFinishedSpans(), {
      token: ingest,
    });
    expect(res.code).toBe(0);
    const r = await call('GET', '/api/v1/monitoring/service-metrics/worker?from=now-1h', {
      key: reader,
    });
    expect(r.status).toBe(200);
    expect(r.body.operations).toEqual([
      expect.objectContaining({ operation: 'work', kind: 'server', calls: 3 }),
      expect.objectContaining({ operation: 'work', kind: 'consumer', calls: 2 }),
    ]);
  });

  it('estimates percentiles from the spans alone, within the bound, for steps under a minute', async () => {
    const from = new Date(T0 - 60_000).toISOString();
    const to = new Date(T0 + 5 * 60_000).toISOString();
    const r = await get(
      `/api/v1/monitoring/service-metrics/payments?from=${from}&to=${to}&step=30s`,
    );
    expect(r.status).toBe(200);
    let seen = 0;
    for (const p of r.body.series) {
      // Series times read as in every other series: RFC 3339 with milliseconds.
      expect(p.time).toBe(new Date(Date.parse(p.time)).toISOString());
      const t = Date.parse(p.time);
      const want = range(TRACES)
        .filter((i) => startMs(i) + 10 >= t && startMs(i) + 10 < t + 30_000)
        .map(paymentsMs);
      expect(p.calls, p.time).toBe(want.length);
      if (want.length === 0) continue;
      seen += want.length;
      for (const [k, q] of [
        ['p50', 0.5],
        ['p95', 0.95],
        ['p99', 0.99],
      ] as const) {
        expectQuantile(p.latencyMs[k], want, q, `${p.time} ${k}`);
      }
    }
    expect(seen).toBe(TRACES);
  });

  it('gives one service as a time series with every step, and per operation', async () => {
    const r = await get('/api/v1/monitoring/service-metrics/payments?from=now-1h&step=5m');
    expect(r.status).toBe(200);
    expect(r.body.stepSeconds).toBe(300);
    expect(r.body.series.length).toBeGreaterThanOrEqual(12);
    const total = r.body.series.reduce((n: number, p: { calls: number }) => n + p.calls, 0);
    const errors = r.body.series.reduce((n: number, p: { errors: number }) => n + p.errors, 0);
    expect(total).toBe(TRACES);
    expect(errors).toBe(4);
    // Each step holds the traces that started in it.
    for (const p of r.body.series) {
      const t = Date.parse(p.time);
      const want = range(TRACES).filter(
        (i) => startMs(i) + 10 >= t && startMs(i) + 10 < t + 300_000,
      );
      expect(p.calls, p.time).toBe(want.length);
      if (want.length > 0) expectQuantile(p.latencyMs.p50, want.map(paymentsMs), 0.5, p.time);
      else expect(p.latencyMs).toBeNull();
    }
    expect(r.body.operations).toEqual([
      expect.objectContaining({ operation: 'charge', kind: 'server', calls: TRACES, errors: 4 }),
    ]);
  });

  it('derives the dependency map from parent and child spans', async () => {
    const r = await get('/api/v1/monitoring/services/map?from=now-1h');
    expect(r.status).toBe(200);
    expect(r.body.nodes.map((n: { service: string }) => n.service)).toEqual([
      'checkout',
      'frontend',
      'payments',
    ]);
    const edges = r.body.edges.map(
      (e: { caller: string; callee: string; calls: number; errors: number }) => [
        e.caller,
        e.callee,
        e.calls,
        e.errors,
      ],
    );
    expect(edges).toEqual([
      ['checkout', 'payments', TRACES, 4],
      ['frontend', 'checkout', TRACES, 0],
    ]);
    const pay = r.body.edges.find((e: { callee: string }) => e.callee === 'payments');
    expectQuantile(pay.p95Ms, range(TRACES).map(paymentsMs), 0.95, 'payments p95');
  });
});

describe('traces', () => {
  it('searches by service and status and summarizes whole traces', async () => {
    const r = await get('/api/v1/monitoring/traces?service=payments&status=error');
    expect(r.status).toBe(200);
    const want = range(TRACES).filter(paymentFails).reverse();
    expect(r.body.items.map((t: { traceId: string }) => t.traceId)).toEqual(
      want.map((i) => traceIds[i]),
    );
    const first = r.body.items[0];
    const i = want[0]!;
    expect(first).toMatchObject({
      rootService: 'frontend',
      rootSpan: 'GET /checkout',
      services: ['checkout', 'frontend', 'payments'],
      spanCount: 5,
      errorCount: 1,
      hasError: true,
    });
    expect(first.durationMs).toBeCloseTo(frontendMs(i), 3);
    expect(Date.parse(first.startTime)).toBe(startMs(i));
  });

  it('filters by span name, duration and attributes', async () => {
    const slow = await get('/api/v1/monitoring/traces?spanName=charge&minDuration=150ms&limit=100');
    expect(slow.body.items).toHaveLength(range(TRACES).filter((i) => paymentsMs(i) >= 150).length);
    const band = await get(
      '/api/v1/monitoring/traces?service=payments&minDuration=50ms&maxDuration=0.1s',
    );
    expect(band.body.items).toHaveLength(
      range(TRACES).filter((i) => paymentsMs(i) >= 50 && paymentsMs(i) <= 100).length,
    );
    const order = await get('/api/v1/monitoring/traces?attr=order.id%3D7');
    expect(order.body.items.map((t: { traceId: string }) => t.traceId)).toEqual([traceIds[7]]);
    const env = await get(
      '/api/v1/monitoring/traces?attr=resource.deployment.environment.name%3Dtest&limit=100',
    );
    expect(env.body.items).toHaveLength(TRACES);
    const none = await get(
      '/api/v1/monitoring/traces?attr=resource.deployment.environment.name%3Dprod',
    );
    expect(none.body.items).toEqual([]);
  });

  it('keeps to range bounds finer than a millisecond', async () => {
    // The root spans alone: a trace's other spans start later.
    const newest = await get('/api/v1/monitoring/traces?spanName=GET%20%2Fcheckout&limit=1');
    const start: string = newest.body.items[0].startTime;
    expect(start).toMatch(/\.\d{9}Z$/);
    const ns = BigInt(Date.parse(start)) * 1_000_000n + BigInt(start.slice(-7, -1));
    const at = (n: bigint) => encodeURIComponent(nanosToIso(n.toString()));
    const ids = async (from: bigint, to: bigint) =>
      (
        await get(
          `/api/v1/monitoring/traces?spanName=GET%20%2Fcheckout&from=${at(from)}&to=${at(to)}`,
        )
      ).body.items.map((t: { traceId: string }) => t.traceId);
    const id = newest.body.items[0].traceId;
    const second = 1_000_000_000n;
    expect(await ids(ns, ns + 1n)).toEqual([id]);
    expect(await ids(ns - second, ns)).not.toContain(id);
    expect(await ids(ns + 1n, ns + second)).not.toContain(id);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r = await get(`/api/v1/monitoring/traces?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.items.map((t: { traceId: string }) => t.traceId));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...traceIds].reverse());
  });

  it('ranks traces by their first matching span when the newest spans are read first', async () => {
    // A search reads its newest 15 minutes first (SEARCH_WINDOWS_MS). In another
    // organization: trace A has ledger spans 16 and 14 minutes ago, either side of that
    // window's start; B one ledger span 14.5 minutes ago; D a gateway root 17 minutes ago
    // with a ledger child 13 minutes ago; C one ledger span two hours ago.
    const { ingest, reader } = await newOrg('window');
    const now = Date.now();
    const ago = (minutes: number) => now - minutes * 60_000;
    const memory = new InMemorySpanExporter();
    const ledger = provider('ledger', memory).getTracer('t');
    const gateway = provider('gateway', memory).getTracer('t');
    const server = (
      tracer: typeof ledger,
      name: string,
      atMs: number,
      parent = context.active(),
    ) => {
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: hr(atMs) }, parent);
      return { span, inside: trace.setSpan(context.active(), span) };
    };
    const a = server(ledger, 'post', ago(16));
    server(ledger, 'settle', ago(14), a.inside).span.end(hr(ago(14) + 5));
    a.span.end(hr(ago(14) + 10));
    const b = server(ledger, 'post', ago(14.5));
    b.span.end(hr(ago(14.5) + 10));
    const d = server(gateway, 'GET /pay', ago(17));
    server(ledger, 'post', ago(13), d.inside).span.end(hr(ago(13) + 5));
    d.span.end(hr(ago(13) + 10));
    const c = server(ledger, 'post', ago(120));
    c.span.end(hr(ago(120) + 10));
    const res = await exportSpans('http/protobuf', urls(gs), memory.getFinishedSpans(), {
      token: ingest,
    });
    expect(res.code).toBe(0);
    const [A, B, C, D] = [a, b, c, d].map((t) => t.span.spanContext().traceId);

    // C lies within one second and first in its part: found by id (and, below, summarized).
    const one = await call('GET', `/api/v1/monitoring/traces/${C}`, { key: reader });
    expect(one.status).toBe(200);
    expect(one.body.spans).toHaveLength(1);

    const pages = async (query: string) => {
      const seen: string[][] = [];
      let cursor: string | null = null;
      do {
        const path = `/api/v1/monitoring/traces?from=now-3h&${query}${cursor ? `&cursor=${cursor}` : ''}`;
        const r = await call('GET', path, { key: reader });
        expect(r.status, path).toBe(200);
        seen.push(r.body.items.map((t: { traceId: string }) => t.traceId));
        cursor = r.body.nextCursor;
      } while (cursor && seen.length < 10);
      return seen;
    };
    // By ledger spans, D starts 13 minutes ago and A 16 minutes ago (not 14).
    expect(await pages('service=ledger&limit=1')).toEqual([[D], [B], [A], [C]]);
    expect(await pages('service=ledger&limit=10')).toEqual([[D, B, A, C]]);
    // By any span, D starts 17 minutes ago.
    expect(await pages('limit=2')).toEqual([
      [B, A],
      [D, C],
    ]);
  });

  it('returns a whole trace in waterfall order with depth, events and status', async () => {
    const id = traceIds[5]!;
    const r = await get(`/api/v1/monitoring/traces/${id.toUpperCase()}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ traceId: id, spanCount: 5, errorCount: 1, truncated: false });
    expect(r.body.durationMs).toBeCloseTo(frontendMs(5), 3);
    expect(
      r.body.spans.map((s: { name: string; depth: number }) => `${s.depth}:${s.name}`),
    ).toEqual([
      '0:GET /checkout',
      '1:call checkout',
      '2:POST /checkout',
      '3:SELECT orders',
      '3:charge',
    ]);
    const spans = r.body.spans as { spanId: string; parentSpanId: string | null; name: string }[];
    for (const s of spans.slice(1))
      expect(spans.some((p) => p.spanId === s.parentSpanId)).toBe(true);
    const charge = r.body.spans[4];
    expect(charge).toMatchObject({
      kind: 'server',
      serviceName: 'payments',
      status: { code: 'error', message: 'card declined' },
      events: [{ name: 'authorized', attributes: { amount: '42' } }],
      missingParent: false,
    });
    expect(charge.offsetMs).toBeCloseTo(10, 3);
    expect(charge.durationMs).toBeCloseTo(paymentsMs(5), 3);
    const only = await get(`/api/v1/monitoring/traces/${id}/spans`);
    expect(only.body.items).toEqual(r.body.spans);
  });

  it('marks a trace cut at the span limit as truncated, and one that fits exactly as whole', async () => {
    const id = traceIds[2]!;
    const whole = await getTrace(gs.store, 'default', id, 5, {});
    expect(whole).toMatchObject({ spanCount: 5, truncated: false });
    const cut = await getTrace(gs.store, 'default', id, 4, {});
    expect(cut.truncated).toBe(true);
    expect(cut.spans).toHaveLength(4);
    // The header still describes the whole trace: its count, errors, end and services.
    const header = ({ spans: _, truncated: __, ...h }: typeof whole) => h;
    expect(header(cut)).toEqual(header(whole));
    // The first spans by start time are the ones kept.
    expect(cut.spans.map((s) => s.name).sort()).toEqual(
      ['GET /checkout', 'call checkout', 'POST /checkout', 'SELECT orders'].sort(),
    );
  });

  it('answers 404 for an unknown trace and 400 for a malformed id', async () => {
    expect((await get(`/api/v1/monitoring/traces/${'0'.repeat(32)}`)).status).toBe(404);
    const bad = await get("/api/v1/monitoring/traces/xyz'%20OR%201=1");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/traceId/);
  });
});

describe('isolation and hostile input', () => {
  it("another organization's key sees none of these traces or services", async () => {
    await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'other', name: 'Other' } });
    const k = await call('POST', '/api/v1/orgs/other/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    });
    const as = (path: string) => call('GET', path, { key: k.body.key });
    expect((await as('/api/v1/monitoring/services')).body.items).toEqual([]);
    expect((await as('/api/v1/monitoring/traces')).body.items).toEqual([]);
    expect((await as(`/api/v1/monitoring/traces/${traceIds[0]}`)).status).toBe(404);
    expect((await as('/api/v1/monitoring/services/map')).body.edges).toEqual([]);
  });

  it('refuses hostile or out-of-range parameters with a 400 naming them', async () => {
    const cases: [string, string][] = [
      ["/api/v1/monitoring/traces?attr=a'b%3D1", 'attr'],
      ['/api/v1/monitoring/traces?attr=x%3D%00', 'attr'],
      ['/api/v1/monitoring/traces?minDuration=abc', 'minDuration'],
      ['/api/v1/monitoring/traces?maxDuration=1y', 'maxDuration'],
      ['/api/v1/monitoring/traces?minDuration=5s&maxDuration=1s', 'maxDuration'],
      ['/api/v1/monitoring/traces?status=broken', 'status'],
      ['/api/v1/monitoring/traces?limit=0', 'limit'],
      ['/api/v1/monitoring/traces?limit=501', 'limit'],
      ['/api/v1/monitoring/traces?cursor=abc', 'cursor'],
      ['/api/v1/monitoring/traces?service=a%01b', 'service'],
      [`/api/v1/monitoring/traces?${'service=s&'.repeat(51)}`, 'service'],
      ['/api/v1/monitoring/services?from=now-90d', 'from'],
      ['/api/v1/monitoring/services?from=now&to=now-1h', 'from'],
      ['/api/v1/monitoring/service-metrics/payments?step=1s&from=now-1d', 'step'],
      ['/api/v1/monitoring/service-metrics/payments?step=soon', 'step'],
    ];
    for (const [path, field] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.error.message, path).toContain(field);
      expect(r.body.error.details, path).toContainEqual(
        expect.objectContaining({ location: 'query', field }),
      );
    }
  });
});

// Last: it removes the stored spans.
describe('rollups', () => {
  it('service views read whole minutes from the per-minute rollup, which the spans reach through its view', async () => {
    const before = (await get('/api/v1/monitoring/services?from=now-1h')).body.items;
    await sqlOnDataDir(dir, 'TRUNCATE TABLE gridscope_default.otel_traces');
    expect((await get('/api/v1/monitoring/traces?limit=100')).body.items).toEqual([]);
    const after = (await get('/api/v1/monitoring/services?from=now-1h')).body.items;
    expect(after).toEqual(before);
    const series = await get('/api/v1/monitoring/service-metrics/payments?from=now-1h&step=5m');
    expect(series.body.operations[0]).toMatchObject({
      operation: 'charge',
      calls: TRACES,
      errors: 4,
    });
  });

  it('reads whole hours from the hourly rollup, fed from the minute rollup', async () => {
    // Whole hours only, the traces' hour among them: no minute rows or spans are needed.
    const hour = Math.floor(T0 / 3_600_000) * 3_600_000;
    const path = `/api/v1/monitoring/services?from=${new Date(hour - 3_600_000).toISOString()}&to=${new Date(hour + 7_200_000).toISOString()}`;
    const before = (await get(path)).body.items;
    // The same spans over minutes alone (the spans are gone already) go with the minute rollup.
    const minutes = `/api/v1/monitoring/services?from=${new Date(T0 - 60_000).toISOString()}&to=${new Date(T0 + 5 * 60_000).toISOString()}`;
    expect((await get(minutes)).body.items).toHaveLength(3);
    await sqlOnDataDir(dir, 'TRUNCATE TABLE gridscope_default.gridscope_span_stats_1m');
    expect((await get(minutes)).body.items).toEqual([]);
    const after = (await get(path)).body.items;
    expect(after).toEqual(before);
    const payments = after.find((s: { service: string }) => s.service === 'payments');
    expect(payments).toMatchObject({ calls: TRACES, errors: 4 });
    expectQuantile(payments.latencyMs.p95, range(TRACES).map(paymentsMs), 0.95, 'p95');
  });
});
