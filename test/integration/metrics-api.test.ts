/**
 * The metric read endpoints and the plain JSON push, against the embedded engine. Data goes
 * in through the official OpenTelemetry exporters, and as hand-made OTLP requests where a
 * test needs exact times, counter resets, delta points and chosen buckets; every expected
 * value is computed here from the points sent, not by the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import type { Gridscope } from '../../src/main.js';
import { HistogramQuarterRoller } from '../../src/query/metrics/quarter-roller.js';
import { rollIncreases } from '../../src/store/queries/histogram-increases.js';
import {
  pendingQuarters,
  rollQuarter,
  rolledQuarters,
} from '../../src/store/queries/histogram-quarters.js';
import { apiClient, type ApiReply } from './api-client.js';
import {
  count,
  postOtlp,
  REQUEST_TYPES,
  removeDir,
  rows,
  silentLog,
  sqlOnDataDir,
  startTestServer,
  tempDataDir,
  urls,
} from './harness.js';
import { exportMetrics } from './otel-exporters.js';
import { makeMetrics } from './telemetry.js';

const ADMIN = 'platform-admin-key-for-metrics-tests-0123';
const dir = tempDataDir('metrics-api');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
const keys: Record<string, string> = {};

/** Whole hours two hours ago: every hand-made point is at T0 + some seconds. */
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const at = (sec: number) => T0 + sec * 1000;
const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
const iso = (ms: number) => new Date(ms).toISOString();
/** The range of most hand-made reads: three one-minute steps from T0. */
const RANGE = { from: String(T0), to: String(at(180)), step: '1m' };

const kv = (o: Record<string, string>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

/** Sends one OTLP/protobuf metrics request made from OTLP/JSON-shaped objects. */
async function sendOtlp(resourceMetrics: unknown[], key = keys.ingest!): Promise<void> {
  const type = REQUEST_TYPES.metrics;
  const body = type.encode(type.fromObject({ resourceMetrics })).finish();
  const r = await postOtlp(gs, 'metrics', body, {
    'content-type': 'application/x-protobuf',
    authorization: `Bearer ${key}`,
  });
  expect(r.status).toBe(200);
  expect(await r.arrayBuffer()).toBeDefined();
}

function resource(service: string, metrics: unknown[]) {
  return {
    resource: { attributes: kv({ 'service.name': service, 'host.name': `${service}-host` }) },
    scopeMetrics: [{ scope: { name: 'metrics-api-test' }, metrics }],
  };
}

// --- Gauge: room temperatures, two services.
const ROOM_A: [number, number][] = [
  [0, 20],
  [20, 22],
  [40, 21],
  [60, 25],
  [80, 23],
  [100, 24],
  [120, 19],
];
const ROOM_B: [number, number][] = [
  [10, 10],
  [70, 14],
  [130, 12],
];
const ROOM_C: [number, number][] = [[50, 30]];

function gaugePoints(room: string, points: [number, number][]) {
  return points.map(([sec, v]) => ({
    timeUnixNano: nanos(at(sec)),
    asDouble: v,
    attributes: kv({ room }),
  }));
}

// --- Cumulative counter with resets; series per queue. [second, value, start second or null].
type CounterPoint = [number, number, number | null];
const JOBS: Record<string, CounterPoint[]> = {
  // baseline before the range; +10, +15; new start (+5); +7; lower value, a reset (+3); +6
  q1: [
    [-30, 100, -600],
    [15, 110, -600],
    [45, 125, -600],
    [75, 5, 60],
    [105, 12, 60],
    [135, 3, 60],
    [165, 9, 60],
  ],
  // baseline 0, then +4, +4
  q2: [
    [-30, 0, -600],
    [30, 4, -600],
    [90, 8, -600],
  ],
  // starts inside the range, so its first value counts from that start: +7, then +3
  q3: [
    [110, 7, 100],
    [140, 10, 100],
  ],
  // no start time and no earlier point: the first point is only a baseline; then +10
  q4: [
    [20, 50, null],
    [80, 60, null],
  ],
};
/** The increase of each queue per one-minute step, worked out by hand from JOBS. */
const JOBS_INCREASE: Record<string, (number | undefined)[]> = {
  q1: [25, 12, 9],
  q2: [4, 4, undefined],
  q3: [undefined, 7, 3],
  q4: [0, 10, undefined],
};
/** The same increments as q1, sent as delta points. */
const JOBS_DELTA: [number, number][] = [
  [-30, 100],
  [15, 10],
  [45, 15],
  [75, 5],
  [105, 7],
  [135, 3],
  [165, 6],
];

function counterPoints(queue: string, points: CounterPoint[]) {
  return points.map(([sec, v, start]) => ({
    timeUnixNano: nanos(at(sec)),
    ...(start === null ? {} : { startTimeUnixNano: nanos(at(start)) }),
    asDouble: v,
    attributes: kv({ queue }),
  }));
}

// --- Explicit-bounds histogram, cumulative with a reset, and the same increments as deltas.
const BOUNDS = [10, 50, 100];
/** [second, start second, bucket counts, sum]. */
const RPC: [number, number, number[], number][] = [
  [-30, -600, [1, 1, 0, 0], 30],
  [30, -600, [3, 5, 1, 1], 400],
  [90, -600, [3, 9, 3, 1], 700],
  [150, 120, [0, 1, 0, 1], 160],
];
/** Observations per step (by hand from RPC): bucket counts and sum. */
const RPC_STEPS: { counts: number[]; sum: number }[] = [
  { counts: [2, 4, 1, 1], sum: 370 },
  { counts: [0, 4, 2, 0], sum: 300 },
  { counts: [0, 1, 0, 1], sum: 160 },
];

function histogramPoint(sec: number, start: number, counts: number[], sum: number) {
  return {
    timeUnixNano: nanos(at(sec)),
    startTimeUnixNano: nanos(at(start)),
    count: counts.reduce((a, b) => a + b, 0),
    sum,
    bucketCounts: counts,
    explicitBounds: BOUNDS,
    attributes: kv({ method: 'GET' }),
  };
}

/**
 * Prometheus histogram_quantile, written out for the test: linear inside the bucket, the
 * first bucket from 0, the +Inf bucket answering the highest finite bound.
 */
function expectedQuantile(q: number, bounds: number[], counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (below + counts[i]! >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + ((bounds[i]! - lower) * (rank - below)) / counts[i]!;
    }
    below += counts[i]!;
  }
  return bounds.at(-1)!;
}

/** An exponential histogram point; buckets at `scale`, zero bucket of threshold 0.001. */
function expPoint(
  sec: number,
  start: number,
  scale: number,
  positive: { offset: number; bucketCounts: number[] },
  zeroCount: number,
  negative: { offset: number; bucketCounts: number[] } = { offset: 0, bucketCounts: [] },
) {
  const n = (b: { bucketCounts: number[] }) => b.bucketCounts.reduce((a, c) => a + c, 0);
  return {
    timeUnixNano: nanos(at(sec)),
    startTimeUnixNano: nanos(at(start)),
    count: n(positive) + n(negative) + zeroCount,
    sum: 1,
    scale,
    zeroCount,
    zeroThreshold: 0.001,
    positive,
    negative,
  };
}

async function get(path: string, params: Record<string, string | string[]>, key = keys.viewer) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
  }
  return call('GET', `${path}?${qs.toString()}`, { key });
}

const series = (params: Record<string, string | string[]>, key?: string) =>
  get('/api/v1/monitoring/metrics', params, key);

/** The values of a one-series answer, by step start. */
function values(r: ApiReply, labels: Record<string, string> = {}): Record<string, number | null> {
  expect(r.status, r.text).toBe(200);
  const s = r.body.series.find(
    (x: { labels: Record<string, string> }) => JSON.stringify(x.labels) === JSON.stringify(labels),
  );
  expect(s, `no series ${JSON.stringify(labels)} in ${r.text}`).toBeDefined();
  return Object.fromEntries(
    s.points.map((p: { time: string; value: number | null }) => [p.time, p.value]),
  );
}

/** Expected per-step values keyed as `values` returns them; undefined steps are absent. */
function perStep(list: (number | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  list.forEach((v, i) => {
    if (v !== undefined) out[iso(at(i * 60))] = v;
  });
  return out;
}

function expectClose(got: Record<string, number | null>, want: Record<string, number>, digits = 9) {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [t, v] of Object.entries(want)) expect(got[t], t).toBeCloseTo(v, digits);
}

beforeAll(async () => {
  gs = await startTestServer(dir, {
    'bootstrap-admin-key': ADMIN,
    // The server rolls up no histogram quarter by itself; the quarter test rolls them.
    'histogram-quarter-margin-ms': '3600000',
  });
  call = apiClient(urls(gs).ops);
  for (const id of ['acme', 'other']) {
    const r = await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id, name: id } });
    expect(r.status).toBe(201);
  }
  const newKey = async (org: string, role: string) => {
    const r = await call('POST', `/api/v1/orgs/${org}/api-keys`, {
      key: ADMIN,
      body: { name: `${org} ${role}`, role },
    });
    expect(r.status).toBe(201);
    return r.body.key as string;
  };
  keys.viewer = await newKey('acme', 'viewer');
  keys.ingest = await newKey('acme', 'ingest');
  keys.otherViewer = await newKey('other', 'viewer');
  keys.otherIngest = await newKey('other', 'ingest');

  const gauge = (name: string, dataPoints: unknown[]) => ({
    name,
    unit: 'Cel',
    description: 'Room temperature',
    gauge: { dataPoints },
  });
  await sendOtlp([
    resource('thermo', [
      gauge('room.temperature', [...gaugePoints('a', ROOM_A), ...gaugePoints('b', ROOM_B)]),
    ]),
    resource('thermo-2', [gauge('room.temperature', gaugePoints('c', ROOM_C))]),
  ]);
  await sendOtlp([
    resource('worker', [
      {
        name: 'jobs.processed',
        unit: '{job}',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: Object.entries(JOBS).flatMap(([q, p]) => counterPoints(q, p)),
        },
      },
      {
        name: 'jobs.processed.delta',
        unit: '{job}',
        sum: {
          aggregationTemporality: 1,
          isMonotonic: true,
          dataPoints: JOBS_DELTA.map(([sec, v]) => ({
            timeUnixNano: nanos(at(sec)),
            startTimeUnixNano: nanos(at(sec - 30)),
            asDouble: v,
            attributes: kv({ queue: 'q1' }),
          })),
        },
      },
      {
        name: 'rpc.duration',
        unit: 'ms',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: RPC.map(([sec, start, counts, sum]) =>
            histogramPoint(sec, start, counts, sum),
          ),
        },
      },
      {
        name: 'rpc.duration.delta',
        unit: 'ms',
        histogram: {
          aggregationTemporality: 1,
          dataPoints: RPC_STEPS.map((s, i) => histogramPoint(30 + i * 60, i * 60, s.counts, s.sum)),
        },
      },
      {
        name: 'mixed.bounds',
        histogram: {
          aggregationTemporality: 1,
          dataPoints: [
            { ...histogramPoint(30, 0, [1, 1, 0], 0), explicitBounds: [10, 50] },
            {
              ...histogramPoint(30, 0, [0, 2, 0], 0),
              explicitBounds: [20, 50],
              attributes: kv({ method: 'PUT' }),
            },
          ],
        },
      },
      {
        name: 'queue.wait',
        unit: 's',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [
            {
              ...expPoint(30, -30, 0, { offset: 0, bucketCounts: [2, 4, 2] }, 0),
              attributes: kv({ kind: 'delta' }),
            },
          ],
        },
      },
    ]),
  ]);
  // The same series again, cumulative: a point at scale 1 before the range, then one at
  // scale 0 in it (the SDK lowers the scale as the range of values grows).
  await sendOtlp([
    resource('worker', [
      {
        name: 'queue.wait',
        unit: 's',
        exponentialHistogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              ...expPoint(-30, -600, 1, { offset: 0, bucketCounts: [1, 1] }, 0),
              attributes: kv({ kind: 'cumulative' }),
            },
            {
              ...expPoint(30, -600, 0, { offset: 0, bucketCounts: [5, 3] }, 0),
              attributes: kv({ kind: 'cumulative' }),
            },
            {
              ...expPoint(90, -600, 0, { offset: 0, bucketCounts: [5, 3] }, 4, {
                offset: 1,
                bucketCounts: [2],
              }),
              attributes: kv({ kind: 'cumulative' }),
            },
          ],
        },
      },
      {
        name: 'legacy.latency',
        summary: {
          dataPoints: [
            {
              timeUnixNano: nanos(at(30)),
              startTimeUnixNano: nanos(at(10)),
              count: 10,
              sum: 50,
              quantileValues: [{ quantile: 0.5, value: 4 }],
            },
          ],
        },
      },
      {
        name: 'rpc.latency',
        unit: 's',
        summary: { dataPoints: RPC_LATENCY.map(summaryPoint) },
      },
    ]),
  ]);
}, 120_000);

/**
 * Summary points of two hosts: seconds after T0, then the quantiles each reports. Host a
 * reports the minimum and maximum (quantiles 0 and 1) at 50 s, and NaN (no observations in
 * its window) at 80 s.
 */
const RPC_LATENCY: [string, number, [number, number][]][] = [
  [
    'a',
    20,
    [
      [0, 1],
      [0.5, 4],
      [0.99, 9],
    ],
  ],
  [
    'a',
    50,
    [
      [0, 0.5],
      [0.5, 6],
      [0.99, 11],
      [1, 12],
    ],
  ],
  [
    'a',
    80,
    [
      [0.5, NaN],
      [0.99, NaN],
    ],
  ],
  [
    'a',
    100,
    [
      [0.5, 8],
      [0.99, 20],
    ],
  ],
  [
    'b',
    30,
    [
      [0.5, 10],
      [0.99, 30],
    ],
  ],
];

function summaryPoint([host, sec, quantiles]: (typeof RPC_LATENCY)[number], i: number) {
  return {
    timeUnixNano: nanos(at(sec)),
    startTimeUnixNano: nanos(at(-600)),
    count: 10 * (i + 1),
    sum: 50 * (i + 1),
    quantileValues: quantiles.map(([quantile, value]) => ({ quantile, value })),
    attributes: kv({ host }),
  };
}

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

describe('gauges', () => {
  const all = [...ROOM_A, ...ROOM_B];
  const inStep = (points: [number, number][], i: number) =>
    points.filter(([sec]) => sec >= i * 60 && sec < (i + 1) * 60).map(([, v]) => v);
  const steps = [0, 1, 2].map((i) => inStep(all, i));
  const cases: [string, (v: number[]) => number][] = [
    ['sum', (v) => v.reduce((a, b) => a + b, 0)],
    ['avg', (v) => v.reduce((a, b) => a + b, 0) / v.length],
    ['min', (v) => Math.min(...v)],
    ['max', (v) => Math.max(...v)],
    ['count', (v) => v.length],
  ];

  it.each(cases)('%s per step is exact', async (aggregation, fn) => {
    const r = await series({
      metric: 'room.temperature',
      service: 'thermo',
      aggregation,
      ...RANGE,
    });
    expect(r.body).toMatchObject({
      metric: 'room.temperature',
      type: 'gauge',
      unit: 'Cel',
      aggregation,
      step: 60,
    });
    expectClose(values(r), perStep(steps.map(fn)));
  });
});

describe('counters', () => {
  const total = [0, 1, 2].map((i) =>
    Object.values(JOBS_INCREASE).reduce((n, steps) => n + (steps[i] ?? 0), 0),
  );

  it('increase per queue handles a new start time, a lower value and a first point', async () => {
    const r = await series({
      metric: 'jobs.processed',
      aggregation: 'increase',
      groupBy: 'queue',
      ...RANGE,
    });
    expect(r.body.series).toHaveLength(4);
    for (const [queue, steps] of Object.entries(JOBS_INCREASE)) {
      expectClose(values(r, { queue }), perStep(steps));
    }
  });

  it('rate is the increase per second of the step, summed over the series', async () => {
    const r = await series({ metric: 'jobs.processed', aggregation: 'rate', ...RANGE });
    expect(r.body.type).toBe('sum');
    expectClose(values(r), perStep(total.map((n) => n / 60)));
  });

  it('a monotonic sum defaults to rate', async () => {
    const r = await series({ metric: 'jobs.processed', ...RANGE });
    expect(r.body.aggregation).toBe('rate');
    expectClose(values(r), perStep(total.map((n) => n / 60)));
  });

  it('delta points give the same increase as the cumulative counter', async () => {
    const cumulative = await series({
      metric: 'jobs.processed',
      aggregation: 'increase',
      attr: 'queue=q1',
      ...RANGE,
    });
    const delta = await series({
      metric: 'jobs.processed.delta',
      aggregation: 'increase',
      ...RANGE,
    });
    expectClose(values(delta), perStep(JOBS_INCREASE.q1!));
    expect(values(delta)).toEqual(values(cumulative));
  });

  it('a range that does not start on a step still subtracts the point before it', async () => {
    const r = await series({
      metric: 'jobs.processed',
      aggregation: 'increase',
      attr: 'queue=q1',
      from: String(at(40)),
      to: String(at(160)),
      step: '2m',
    });
    // Steps are aligned to the epoch: [0, 120 s) holds, from 40 s on, 125 (+15 from 110 at
    // 15 s), 5 (a new start) and 12 (+7); [120 s, 240 s) holds 3 (a reset); 9 is after 160 s.
    expectClose(values(r), { [iso(T0)]: 15 + 5 + 7, [iso(at(120))]: 3 });
  });

  it('sum, min and max of a sum metric aggregate the stored values', async () => {
    const stored = JOBS.q1!.filter(([sec]) => sec >= 0 && sec < 60).map(([, v]) => v);
    const r = await series({
      metric: 'jobs.processed',
      aggregation: 'max',
      attr: 'queue=q1',
      ...RANGE,
    });
    expect(values(r)[iso(T0)]).toBe(Math.max(...stored));
  });

  it('a series is the same whatever order its sender lists the attributes in', async () => {
    // Two requests for one counter series: the second lists the resource, scope and point
    // attributes in reverse. Read as two series, each first point would be a baseline only.
    const point = (sec: number, v: number, attrs: Record<string, string>) => ({
      name: 'orders.filled',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: [{ timeUnixNano: nanos(at(sec)), asDouble: v, attributes: kv(attrs) }],
      },
    });
    const request = (
      order: (e: [string, string][]) => [string, string][],
      sec: number,
      v: number,
    ) => ({
      resource: {
        attributes: kv(
          Object.fromEntries(
            order([
              ['service.name', 'desk'],
              ['host.name', 'h1'],
              ['zone', 'z'],
            ]),
          ),
        ),
      },
      scopeMetrics: [
        {
          scope: {
            name: 'orders',
            attributes: kv(
              Object.fromEntries(
                order([
                  ['lib', 'x'],
                  ['abi', 'y'],
                ]),
              ),
            ),
          },
          metrics: [
            point(
              sec,
              v,
              Object.fromEntries(
                order([
                  ['venue', 'epex'],
                  ['book', 'intraday'],
                  ['side', 'buy'],
                ]),
              ),
            ),
          ],
        },
      ],
    });
    await sendOtlp([request((e) => e, 70, 50)]);
    await sendOtlp([request((e) => [...e].reverse(), 100, 58)]);
    const r = await series({ metric: 'orders.filled', aggregation: 'increase', ...RANGE });
    expectClose(values(r), perStep([undefined, 8]));
    const stored = await rows<{ attrs: string[]; scope: string[]; res: string[] }>(
      gs,
      `SELECT mapKeys(Attributes) AS attrs, mapKeys(ScopeAttributes) AS scope,
         mapKeys(ResourceAttributes) AS res
       FROM {db:Identifier}.otel_metrics_sum WHERE MetricName = 'orders.filled' ORDER BY TimeUnix`,
      {},
      'acme',
    );
    const sorted = {
      attrs: ['book', 'side', 'venue'],
      scope: ['abi', 'lib'],
      res: ['host.name', 'service.name', 'zone'],
    };
    expect(stored).toEqual([sorted, sorted]);
  });
});

describe('histograms', () => {
  const quantiles: [string, Record<string, string>, number][] = [
    ['p50', { aggregation: 'p50' }, 0.5],
    ['p90', { aggregation: 'p90' }, 0.9],
    ['p99', { aggregation: 'p99' }, 0.99],
    ['quantile 0.25', { aggregation: 'quantile', quantile: '0.25' }, 0.25],
    ['quantile 0.8', { quantile: '0.8' }, 0.8],
  ];

  it.each(quantiles)(
    '%s interpolates over the observations of each step, cumulative or delta',
    async (_name, params, q) => {
      const want = perStep(RPC_STEPS.map((s) => expectedQuantile(q, BOUNDS, s.counts)));
      for (const metric of ['rpc.duration', 'rpc.duration.delta']) {
        const r = await series({ metric, ...params, ...RANGE });
        expect(r.body).toMatchObject({ type: 'histogram', quantile: q, unit: 'ms' });
        expectClose(values(r), want);
      }
    },
  );

  it('count, sum, avg and rate come from Count and Sum', async () => {
    const counts = RPC_STEPS.map((s) => s.counts.reduce((a, b) => a + b, 0));
    const sums = RPC_STEPS.map((s) => s.sum);
    const want: Record<string, number[]> = {
      count: counts,
      sum: sums,
      avg: sums.map((s, i) => s / counts[i]!),
      rate: counts.map((c) => c / 60),
      increase: counts,
    };
    for (const [aggregation, list] of Object.entries(want)) {
      const r = await series({ metric: 'rpc.duration', aggregation, ...RANGE });
      expectClose(values(r), perStep(list));
    }
  });

  it('series with different bounds merge onto the union of their bounds', async () => {
    // (0,10]: 1 and (10,50]: 1, with (0,20]: 0 and (20,50]: 2: under 10: 1, 20: 0, 50: 3.
    // The median (rank 2 of 4) is 1/3 into (20,50].
    const r = await series({ metric: 'mixed.bounds', aggregation: 'p50', ...RANGE });
    expectClose(values(r), { [iso(T0)]: 20 + 30 / 3 });
  });

  it('a histogram defaults to p95', async () => {
    const r = await series({ metric: 'rpc.duration', ...RANGE });
    expect(r.body).toMatchObject({ aggregation: 'p95', quantile: 0.95 });
  });
});

describe('exponential histograms', () => {
  it('interpolates geometrically inside a bucket: (2, 4] at scale 0 holds the median', async () => {
    // Buckets (1,2]: 2, (2,4]: 4, (4,8]: 2. Rank 4 is halfway into (2,4]: 2 * 2^0.5.
    // Rank 7.2 of p90 is 0.6 into (4,8]: 2^2.6.
    const p50 = await series({
      metric: 'queue.wait',
      attr: 'kind=delta',
      aggregation: 'p50',
      ...RANGE,
    });
    expect(p50.body).toMatchObject({ type: 'exponential_histogram', unit: 's' });
    expectClose(values(p50), { [iso(T0)]: 2 * Math.SQRT2 });
    const p90 = await series({
      metric: 'queue.wait',
      attr: 'kind=delta',
      aggregation: 'p90',
      ...RANGE,
    });
    expectClose(values(p90), { [iso(T0)]: Math.pow(2, 2.6) });
  });

  it('subtracts a cumulative predecessor of a higher scale after bringing it to the lower one', async () => {
    // At scale 1 the baseline has (1,√2]: 1 and (√2,2]: 1, which at scale 0 is (1,2]: 2.
    // The first step holds (1,2]: 5 - 2 = 3 and (2,4]: 3: p25 (rank 1.5) is 2^0.5 and p75
    // (rank 4.5) is 2^1.5. The second step adds 2 negatives in [-4,-2) and 4 zeros (zero
    // bucket [-0.001, 0], as there are no positive observations in it): p25 (rank 1.5) is
    // 0.75 into [-4,-2), -2^1.25; p75 (rank 4.5) is 2.5/4 into the zero bucket.
    const get = (q: string) =>
      series({ metric: 'queue.wait', attr: 'kind=cumulative', quantile: q, ...RANGE });
    expectClose(values(await get('0.25')), {
      [iso(T0)]: Math.SQRT2,
      [iso(at(60))]: -Math.pow(2, 1.25),
    });
    expectClose(values(await get('0.75')), {
      [iso(T0)]: Math.pow(2, 1.5),
      [iso(at(60))]: -0.001 + 0.001 * (2.5 / 4),
    });
  });
});

describe('summaries', () => {
  it('count and sum come from the cumulative Count and Sum', async () => {
    const c = await series({ metric: 'legacy.latency', aggregation: 'count', ...RANGE });
    expect(c.body.type).toBe('summary');
    expectClose(values(c), { [iso(T0)]: 10 });
    const avg = await series({ metric: 'legacy.latency', ...RANGE });
    expect(avg.body.aggregation).toBe('avg');
    expectClose(values(avg), { [iso(T0)]: 5 });
  });
});

describe('summary quantiles', () => {
  /** The mean of the values reported for quantile q in the step starting `sec` seconds after T0. */
  function reported(q: number, sec: number, host?: string): number | undefined {
    const v = RPC_LATENCY.filter(([h, s]) => s >= sec && s < sec + 60 && (!host || h === host))
      .map(([, , qs]) => qs.find(([x]) => x === q)?.[1])
      .filter((x): x is number => x !== undefined && !Number.isNaN(x));
    return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0) / v.length;
  }
  const steps = (q: number, host?: string) =>
    perStep([0, 60, 120].map((sec) => reported(q, sec, host)));

  it('reads the mean of the values the points report, leaving NaN out', async () => {
    const p50 = await series({ metric: 'rpc.latency', aggregation: 'p50', ...RANGE });
    expect(p50.body).toMatchObject({ type: 'summary', aggregation: 'p50', quantile: 0.5 });
    // Step 0: 4, 6 and 10; step 1: 8 (the NaN at 80 s is left out).
    expectClose(values(p50), steps(0.5));
    expect(steps(0.5)).toEqual({ [iso(T0)]: 20 / 3, [iso(at(60))]: 8 });
    const p99 = await series({ metric: 'rpc.latency', aggregation: 'p99', ...RANGE });
    expectClose(values(p99), steps(0.99));
    const byHost = await series({
      metric: 'rpc.latency',
      aggregation: 'p50',
      groupBy: 'host',
      ...RANGE,
    });
    expectClose(values(byHost, { host: 'a' }), steps(0.5, 'a'));
    expectClose(values(byHost, { host: 'b' }), steps(0.5, 'b'));
  });

  it('reads the quantiles 0 and 1, which only summaries report', async () => {
    const min = await series({ metric: 'rpc.latency', quantile: '0', ...RANGE });
    expect(min.body).toMatchObject({ aggregation: 'quantile', quantile: 0 });
    expectClose(values(min), steps(0));
    expect(steps(0)).toEqual({ [iso(T0)]: 0.75 });
    const max = await series({ metric: 'rpc.latency', quantile: '1', ...RANGE });
    expectClose(values(max), { [iso(T0)]: 12 });
    // A histogram has no quantile 0 or 1.
    const hist = await series({ metric: 'rpc.duration', quantile: '1', ...RANGE });
    expect(hist.status, hist.text).toBe(400);
    expect(hist.body.error.message).toBe(
      'query quantile: a number between 0 and 1 (exclusive) is needed',
    );
  });

  it('refuses a quantile that no point reports, naming those reported', async () => {
    const r = await series({ metric: 'rpc.latency', aggregation: 'p95', ...RANGE });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.message).toBe(
      'query quantile: summary rpc.latency reports the quantiles 0, 0.5, 0.99, 1 over the range, not 0.95',
    );
    // No data, not an error: outside the points' range there is nothing to name, and
    // from 75 to 90 s the one point reports 0.5 only as NaN.
    const empty: [string, number, number][] = [
      ['p95', 3600, 3780],
      ['p50', 75, 90],
    ];
    for (const [aggregation, from, to] of empty) {
      const r = await series({
        metric: 'rpc.latency',
        aggregation,
        from: String(at(from)),
        to: String(at(to)),
        step: '1m',
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body.series, aggregation).toEqual([]);
    }
  });

  it('names the lowest 50 quantiles reported, and how many more', async () => {
    const quantiles = Array.from({ length: 60 }, (_, i) => (i + 1) / 100);
    await sendOtlp([
      resource('worker', [
        {
          name: 'many.quantiles',
          summary: {
            dataPoints: [
              {
                timeUnixNano: nanos(at(30)),
                startTimeUnixNano: nanos(at(-600)),
                count: 1,
                sum: 1,
                // Highest first: the list is sorted, not in the order sent.
                quantileValues: quantiles.toReversed().map((quantile) => ({ quantile, value: 1 })),
              },
            ],
          },
        },
      ]),
    ]);
    const r = await series({ metric: 'many.quantiles', aggregation: 'p95', ...RANGE });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.message).toBe(
      `query quantile: summary many.quantiles reports the quantiles ${quantiles.slice(0, 50).join(', ')} and 10 more over the range, not 0.95`,
    );
    const reported = await series({ metric: 'many.quantiles', quantile: '0.6', ...RANGE });
    expect(values(reported)).toEqual({ [iso(T0)]: 1 });
  });
});

describe('grouping and filters', () => {
  it('groups by a point attribute and by service.name', async () => {
    const byRoom = await series({
      metric: 'room.temperature',
      aggregation: 'count',
      groupBy: 'room',
      ...RANGE,
    });
    const countOf = (p: [number, number][]) =>
      perStep(
        [0, 1, 2].map((i) => p.filter(([s]) => s >= i * 60 && s < i * 60 + 60).length || undefined),
      );
    expect(byRoom.body.series.map((s: { labels: unknown }) => s.labels)).toEqual([
      { room: 'a' },
      { room: 'b' },
      { room: 'c' },
    ]);
    expectClose(values(byRoom, { room: 'a' }), countOf(ROOM_A));
    expectClose(values(byRoom, { room: 'c' }), countOf(ROOM_C));
    const byService = await series({
      metric: 'room.temperature',
      aggregation: 'max',
      groupBy: ['service.name', 'resource.host.name'],
      ...RANGE,
    });
    expect(
      values(byService, { 'service.name': 'thermo-2', 'resource.host.name': 'thermo-2-host' }),
    ).toEqual({ [iso(T0)]: 30 });
  });

  it('filters by attribute (=, !=, ~=, present) and service', async () => {
    const max = async (params: Record<string, string | string[]>) =>
      values(await series({ metric: 'room.temperature', aggregation: 'max', ...RANGE, ...params }))[
        iso(T0)
      ];
    expect(await max({ attr: 'room=b' })).toBe(10);
    expect(await max({ attr: ['room!=c', 'room!=a'] })).toBe(10);
    expect(await max({ attr: 'resource.host.name~=THERMO-2' })).toBe(30);
    expect(await max({ attr: 'room' })).toBe(30);
    expect(await max({ service: 'thermo' })).toBe(22);
    // service.name names the service, as in groupBy.
    expect(await max({ attr: 'service.name=thermo' })).toBe(22);
    expect(await max({ attr: 'service.name!=thermo' })).toBe(30);
    expect(await max({ attr: 'service.name~=MO-2' })).toBe(30);
    expect(await max({ attr: 'service.name' })).toBe(30);
    const none = await series({ metric: 'room.temperature', attr: 'missing', ...RANGE });
    expect(none.body.series).toEqual([]);
  });

  it('POST /metrics/query takes the same query as a JSON body', async () => {
    const body = {
      metric: 'jobs.processed',
      aggregation: 'increase',
      groupBy: ['queue'],
      attr: ['queue=q1'],
      from: T0,
      to: at(180),
      step: 60,
    };
    const r = await call('POST', '/api/v1/monitoring/metrics/query', { key: keys.viewer, body });
    expectClose(values(r, { queue: 'q1' }), perStep(JOBS_INCREASE.q1!));
    // One filter or key alone may come as a string, as in the query string.
    const single = await call('POST', '/api/v1/monitoring/metrics/query', {
      key: keys.viewer,
      body: { ...body, groupBy: 'queue', attr: 'queue=q1' },
    });
    expect(single.status, single.text).toBe(200);
    expect(single.body.series).toEqual(r.body.series);
  });

  it('chooses a default step giving at most ~120 points, whole minutes from an hour on', async () => {
    const half = await series({
      metric: 'room.temperature',
      from: String(T0),
      to: String(at(1800)),
    });
    expect(half.body.step).toBe(30);
    const r = await series({ metric: 'room.temperature', from: String(T0), to: String(at(3600)) });
    expect(r.body.step).toBe(60);
    const day = await series({ metric: 'room.temperature', from: 'now-1d' });
    expect(day.body.step).toBe(900);
  });
});

describe('names and labels', () => {
  it('lists every metric with type, unit, description and services', async () => {
    const r = await get('/api/v1/monitoring/metrics/names', {
      from: String(at(-60)),
      to: String(at(180)),
    });
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(
      r.body.items.map((m: { name: string; type: string }) => [`${m.name}/${m.type}`, m]),
    );
    expect(byName['room.temperature/gauge']).toEqual({
      name: 'room.temperature',
      type: 'gauge',
      unit: 'Cel',
      description: 'Room temperature',
      services: ['thermo', 'thermo-2'],
    });
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining([
        'jobs.processed/sum',
        'rpc.duration/histogram',
        'queue.wait/exponential_histogram',
        'legacy.latency/summary',
      ]),
    );
  });

  it('filters names by substring and service, and pages with a cursor', async () => {
    const range = { from: String(at(-60)), to: String(at(180)) };
    const q = await get('/api/v1/monitoring/metrics/names', { ...range, q: 'RPC.DUR' });
    expect(q.body.items.map((m: { name: string }) => m.name)).toEqual([
      'rpc.duration',
      'rpc.duration.delta',
    ]);
    const svc = await get('/api/v1/monitoring/metrics/names', { ...range, service: 'thermo-2' });
    expect(svc.body.items.map((m: { name: string }) => m.name)).toEqual(['room.temperature']);
    const first = await get('/api/v1/monitoring/metrics/names', { ...range, limit: '2' });
    expect(first.body.items).toHaveLength(2);
    const second = await get('/api/v1/monitoring/metrics/names', {
      ...range,
      limit: '100',
      cursor: first.body.nextCursor,
    });
    const all = await get('/api/v1/monitoring/metrics/names', range);
    expect([...first.body.items, ...second.body.items]).toEqual(all.body.items);
    expect(second.body.nextCursor).toBeNull();
  });

  it('lists attribute keys, resource keys as resource.KEY, and the values of one key', async () => {
    const range = { from: String(at(-60)), to: String(at(180)) };
    const k = await get('/api/v1/monitoring/metrics/labels', {
      ...range,
      metric: 'room.temperature',
    });
    expect(k.status).toBe(200);
    expect(k.body).toEqual({
      metric: 'room.temperature',
      key: null,
      keys: ['resource.host.name', 'resource.service.name', 'room'],
      values: [],
      truncated: false,
    });
    const v = await get('/api/v1/monitoring/metrics/labels', {
      ...range,
      metric: 'room.temperature',
      key: 'room',
      limit: '2',
    });
    expect(v.body).toMatchObject({ key: 'room', values: ['a', 'b'], truncated: true });
    const svc = await get('/api/v1/monitoring/metrics/labels', {
      ...range,
      metric: 'room.temperature',
      key: 'service.name',
      attr: 'room=c',
    });
    expect(svc.body.values).toEqual(['thermo-2']);
  });
});

describe('OpenTelemetry SDK metrics through the official exporters', () => {
  // Sent once per temporality and transport; every point is at about now.
  const window = () => ({
    from: String(Date.now() - 10 * 60_000),
    to: String(Date.now() + 5 * 60_000),
    step: '15m',
  });
  let sent = false;
  async function sendSdkMetrics(): Promise<void> {
    if (sent) return;
    const ep = urls(gs);
    const cumulative = await exportMetrics('grpc', ep, await makeMetrics('sdk-cumulative'), {
      token: keys.ingest,
    });
    const delta = await exportMetrics(
      'http/protobuf',
      ep,
      await makeMetrics('sdk-delta', 'delta'),
      { token: keys.ingest },
    );
    const json = await exportMetrics('http/json', ep, await makeMetrics('sdk-json'), {
      token: keys.ingest,
    });
    for (const r of [cumulative, delta, json]) expect(r.code).toBe(ExportResultCode.SUCCESS);
    sent = true;
  }
  /** The one value of a one-step answer. */
  const only = (r: ApiReply, labels: Record<string, string> = {}) => {
    const v = Object.values(values(r, labels));
    expect(v).toHaveLength(1);
    return v[0];
  };

  it('a counter increases by what was added, cumulative or delta, per market', async () => {
    await sendSdkMetrics();
    // bids.add(3, EPEX), (2, EPEX), (7, NordPool): EPEX 5, NordPool 7.
    for (const service of ['sdk-cumulative', 'sdk-delta', 'sdk-json']) {
      const base = { metric: 'bids.received', aggregation: 'increase', service, ...window() };
      expect(only(await series(base))).toBe(12);
      const byMarket = await series({ ...base, groupBy: 'market' });
      expect(only(byMarket, { market: 'EPEX' })).toBe(5);
      expect(only(byMarket, { market: 'NordPool' })).toBe(7);
      expect(byMarket.body.unit).toBe('{bid}');
    }
  });

  it('histogram quantiles match a hand computation over the recorded values', async () => {
    await sendSdkMetrics();
    // 4, 20, 20, 75, 250 in buckets (0,10], (10,50], (50,100], (100,+Inf]: counts 1, 2, 1, 1.
    // p50: rank 2.5 is 1.5 of 2 into (10,50]: 40. p90: rank 4.5 is in +Inf: 100.
    const base = { metric: 'bid.latency', service: 'sdk-cumulative', ...window() };
    expect(only(await series({ ...base, aggregation: 'p50' }))).toBeCloseTo(
      expectedQuantile(0.5, [10, 50, 100, Infinity], [1, 2, 1, 1]),
      9,
    );
    expect(only(await series({ ...base, aggregation: 'p90' }))).toBe(100);
    expect(only(await series({ ...base, aggregation: 'avg' }))).toBeCloseTo(369 / 5, 9);
  });

  it('an exponential histogram median lies within its bucket width of the true one', async () => {
    await sendSdkMetrics();
    // Recorded 0, 1.5, 3, 3, 900: the median is 3; the SDK's scale keeps buckets under 5% wide.
    for (const service of ['sdk-cumulative', 'sdk-delta']) {
      const p50 = only(
        await series({ metric: 'bid.latency.exp', service, aggregation: 'p50', ...window() }),
      );
      expect(Math.abs(p50! - 3) / 3).toBeLessThan(0.05);
    }
  });

  it('gauges read back as recorded', async () => {
    await sendSdkMetrics();
    const r = await series({ metric: 'price.eur', service: 'sdk-json', ...window() });
    expect(only(r)).toBe(87.25);
  });

  it('an hour read from the minute rollups gives the same answers', async () => {
    await sendSdkMetrics();
    // Every SDK point of one export has the same time, so one two-hour step holds them all.
    const hour = {
      from: String(Date.now() - 55 * 60_000),
      to: String(Date.now() + 5 * 60_000),
      step: '2h',
    };
    for (const service of ['sdk-cumulative', 'sdk-delta', 'sdk-json']) {
      const base = { metric: 'bids.received', aggregation: 'increase', service, ...hour };
      const byMarket = await series({ ...base, groupBy: 'market' });
      expect(only(byMarket, { market: 'EPEX' })).toBe(5);
      expect(only(byMarket, { market: 'NordPool' })).toBe(7);
    }
    const base = { metric: 'bid.latency', service: 'sdk-cumulative', ...hour };
    expect(only(await series({ ...base, aggregation: 'p50' }))).toBeCloseTo(
      expectedQuantile(0.5, [10, 50, 100, Infinity], [1, 2, 1, 1]),
      9,
    );
    expect(only(await series({ ...base, aggregation: 'avg' }))).toBeCloseTo(369 / 5, 9);
    expect(only(await series({ metric: 'price.eur', service: 'sdk-json', ...hour }))).toBe(87.25);
  });
});

describe('plain JSON push', () => {
  const push = (body: unknown, key = keys.ingest) =>
    call('POST', '/api/v1/monitoring/metrics', { key, body });

  it('stores gauge and counter points in the OTLP tables, readable through the query', async () => {
    const t = (sec: number) => iso(at(sec));
    const r = await push({
      points: [
        {
          name: 'pushed.level',
          value: 3.5,
          time: t(10),
          attributes: { tank: 'north', full: false },
        },
        {
          name: 'pushed.level',
          value: 4.5,
          time: at(20),
          attributes: { tank: 'north', full: false },
        },
        { name: 'pushed.count', type: 'sum', value: 5, time: at(5), service: 'pusher', unit: '1' },
        { name: 'pushed.count', type: 'sum', value: 8, time: at(15), service: 'pusher', unit: '1' },
        { name: 'pushed.count', type: 'sum', value: 2, time: at(25), service: 'pusher', unit: '1' },
        { name: 'pushed.count', type: 'sum', value: 6, time: at(35), service: 'pusher', unit: '1' },
        {
          name: 'pushed.delta',
          type: 'sum',
          temporality: 'delta',
          value: 2,
          time: at(45),
          description: 'd',
        },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ accepted: 7 });
    const stored = await rows<{ attrs: Record<string, string>; scope: string; v: number }>(
      gs,
      `SELECT Attributes AS attrs, ScopeName AS scope, Value AS v
       FROM {db:Identifier}.otel_metrics_gauge WHERE MetricName = 'pushed.level' ORDER BY TimeUnix`,
      {},
      'acme',
    );
    expect(stored).toEqual([
      { attrs: { full: 'false', tank: 'north' }, scope: 'gridscope.json-push', v: 3.5 },
      { attrs: { full: 'false', tank: 'north' }, scope: 'gridscope.json-push', v: 4.5 },
    ]);
    const sums = await rows<{ svc: string; mono: boolean; temp: number }>(
      gs,
      `SELECT ServiceName AS svc, IsMonotonic AS mono, AggregationTemporality AS temp
       FROM {db:Identifier}.otel_metrics_sum WHERE MetricName LIKE 'pushed.%' ORDER BY TimeUnix`,
      {},
      'acme',
    );
    expect(sums.map((s) => [s.svc, s.mono, s.temp])).toEqual([
      ['pusher', true, 2],
      ['pusher', true, 2],
      ['pusher', true, 2],
      ['pusher', true, 2],
      ['', true, 1],
    ]);
    const avg = await series({ metric: 'pushed.level', groupBy: 'tank', ...RANGE });
    expect(values(avg, { tank: 'north' })).toEqual({ [iso(T0)]: 4 });
    // Without a start time the first point is a baseline: +3, then 2 after a reset, +4.
    const inc = await series({ metric: 'pushed.count', aggregation: 'increase', ...RANGE });
    expect(values(inc)).toEqual({ [iso(T0)]: 9 });
  });

  it('stores histogram points as OTLP explicit-bucket points, readable as quantiles', async () => {
    const bounds = [10, 50, 100];
    const point = { name: 'pushed.latency', type: 'histogram', bounds, service: 'pusher' };
    const r = await push({
      points: [
        { ...point, counts: [1, 2, 1, 0], time: at(10), unit: 'ms', attributes: { route: '/a' } },
        {
          ...point,
          counts: [2, 5, 3, 1],
          sum: 480.5,
          min: 2,
          max: 140,
          time: at(40),
          unit: 'ms',
          attributes: { route: '/a' },
        },
        {
          name: 'pushed.window',
          type: 'histogram',
          temporality: 'delta',
          bounds,
          counts: [0, 1, 3, 0],
          time: at(50),
        },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ accepted: 3 });
    const stored = await rows<Record<string, unknown>>(
      gs,
      `SELECT MetricName AS name, ServiceName AS svc, MetricUnit AS unit, Attributes AS attrs,
         Count AS n, Sum AS sum, Min AS min, Max AS max, BucketCounts AS counts,
         ExplicitBounds AS bounds, AggregationTemporality AS temp, ScopeName AS scope
       FROM {db:Identifier}.otel_metrics_histogram WHERE MetricName LIKE 'pushed.%' ORDER BY TimeUnix`,
      {},
      'acme',
    );
    const common = { svc: 'pusher', unit: 'ms', attrs: { route: '/a' }, bounds, temp: 2 };
    expect(stored).toEqual([
      {
        name: 'pushed.latency',
        ...common,
        n: 4,
        sum: 0,
        min: 0,
        max: 0,
        counts: [1, 2, 1, 0],
        scope: 'gridscope.json-push',
      },
      {
        name: 'pushed.latency',
        ...common,
        n: 11,
        sum: 480.5,
        min: 2,
        max: 140,
        counts: [2, 5, 3, 1],
        scope: 'gridscope.json-push',
      },
      {
        name: 'pushed.window',
        svc: '',
        unit: '',
        attrs: {},
        n: 4,
        sum: 0,
        min: 0,
        max: 0,
        counts: [0, 1, 3, 0],
        bounds,
        temp: 1,
        scope: 'gridscope.json-push',
      },
    ]);
    // Without a start time the first cumulative point is a baseline: the range observed
    // the difference of the two, bucket by bucket.
    const p50 = await series({ metric: 'pushed.latency', aggregation: 'p50', ...RANGE });
    expectClose(values(p50), { [iso(T0)]: expectedQuantile(0.5, bounds, [1, 3, 2, 1]) });
    const p90 = await series({ metric: 'pushed.window', aggregation: 'p90', ...RANGE });
    expectClose(values(p90), { [iso(T0)]: expectedQuantile(0.9, bounds, [0, 1, 3, 0]) });
  });

  it('keeps the nanoseconds of an RFC 3339 time', async () => {
    const at = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, '.123456789Z');
    expect((await push({ points: [{ name: 'pushed.nanos', value: 1, time: at }] })).status).toBe(
      200,
    );
    const stored = await rows(
      gs,
      `SELECT toString(TimeUnix) AS t FROM {db:Identifier}.otel_metrics_gauge
       WHERE MetricName = 'pushed.nanos'`,
      {},
      'acme',
    );
    expect(stored).toEqual([{ t: at.replace('T', ' ').replace('Z', '') }]);
  });

  it("keeps a metric's type for a minute; type picks a second one, and several without it are refused", async () => {
    const gauge = { name: 'types.changing', value: 5, time: at(30) };
    expect((await push({ points: [gauge] })).status).toBe(200);
    const first = await series({ metric: 'types.changing', aggregation: 'count', ...RANGE });
    expect(first.body).toMatchObject({ type: 'gauge' });
    expect(values(first)).toEqual({ [iso(T0)]: 1 });
    // A range without points answers with the metric's type all the same.
    const empty = await series({
      metric: 'types.changing',
      from: String(at(600)),
      to: String(at(720)),
    });
    expect(empty.body).toMatchObject({ type: 'gauge', series: [] });

    const sum = { name: 'types.changing', type: 'sum', value: 9, time: at(90) };
    expect((await push({ points: [sum] })).status).toBe(200);
    // Within the minute the metric still reads as a gauge, its first type...
    const kept = await series({ metric: 'types.changing', aggregation: 'count', ...RANGE });
    expect(kept.body).toMatchObject({ type: 'gauge' });
    expect(values(kept)).toEqual({ [iso(T0)]: 1 });
    // ...and naming the type reads the other one at once.
    const named = await series({
      metric: 'types.changing',
      type: 'sum',
      aggregation: 'max',
      ...RANGE,
    });
    expect(named.body).toMatchObject({ type: 'sum' });
    expect(values(named)).toEqual({ [iso(at(60))]: 9 });

    // A metric first read with two types is refused without type.
    const both = [
      { name: 'types.both', value: 1, time: at(30) },
      { name: 'types.both', type: 'sum', value: 2, time: at(30) },
    ];
    expect((await push({ points: both })).status).toBe(200);
    const refused = await series({ metric: 'types.both', ...RANGE });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'query type: metric types.both has points of several types (gauge, sum); choose one with type',
    );
    const chosen = await series({ metric: 'types.both', type: 'gauge', ...RANGE });
    expect(values(chosen)).toEqual({ [iso(T0)]: 1 });

    // A type the metric has never had is refused, naming those it has; one it has had
    // answers a range without its points empty, with that type.
    const never = await series({ metric: 'types.both', type: 'histogram', ...RANGE });
    expect(never.status).toBe(400);
    expect(never.body.error.message).toBe(
      'query type: metric types.both has no histogram points (its points are gauge, sum)',
    );
    const quiet = await series({
      metric: 'types.changing',
      type: 'sum',
      from: String(at(600)),
      to: String(at(720)),
    });
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({ type: 'sum', aggregation: 'rate', series: [] });
    const unknown = await series({ metric: 'types.none', type: 'sum', ...RANGE });
    expect(unknown.body).toMatchObject({ type: null, series: [] });
  });

  it('refuses an invalid point by index and field, and writes none of the request', async () => {
    const before = await count(gs, 'otel_metrics_gauge', 'acme');
    const histogramsBefore = await count(gs, 'otel_metrics_histogram', 'acme');
    const good = { name: 'pushed.bad', value: 1 };
    const cases: [unknown, string][] = [
      [{ ...good, value: 'x' }, 'points.3.value'],
      [{ ...good, name: "x'); DROP TABLE t; --" }, 'points.3.name'],
      [{ ...good, name: 'bad\u0001name' }, 'points.3.name'],
      [{ ...good, attributes: { 'bad key': 'v' } }, 'points.3.attributes.bad key'],
      [{ ...good, time: 'yesterday' }, 'points.3.time'],
      [{ ...good, time: 99_999_999_999_999 }, 'points.3.time'],
      [{ ...good, type: 'histograms' }, 'points.3.type'],
      [{ ...good, type: 'histogram', bounds: [1], counts: [1, 1] }, 'points.3.value'],
      [{ ...good, counts: [1] }, 'points.3.counts'],
      [{ name: 'pushed.bad', type: 'histogram', bounds: [1, 2] }, 'points.3.counts'],
      [
        { name: 'pushed.bad', type: 'histogram', bounds: [1, 2], counts: [1, 2] },
        'points.3.counts',
      ],
      [
        { name: 'pushed.bad', type: 'histogram', bounds: [2, 1], counts: [1, 1, 1] },
        'points.3.bounds',
      ],
      [
        { name: 'pushed.bad', type: 'histogram', bounds: [1], counts: [1, -1] },
        'points.3.counts.1',
      ],
      [
        { name: 'pushed.bad', type: 'histogram', bounds: [1], counts: [1, 1], monotonic: true },
        'points.3.monotonic',
      ],
      [{ ...good, extra: 1 }, 'points.3'],
    ];
    for (const [bad, field] of cases) {
      const r = await push({ points: [good, good, good, bad] });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION');
      expect(r.body.error.message).toContain(`${field}`);
    }
    // The message and the detail say the same; a name too long says so; a field the
    // request does not have is named.
    // 2200 fits a DateTime64(9), not the roll-ups' 32-bit seconds, which would wrap it to 2063.
    const late = await push({ points: [{ ...good, time: '2200-01-01T00:00:00Z' }] });
    expect(late.body.error.message).toBe('body points.0.time: out of range (1970 to 2106-02-07)');
    expect(late.body.error.details[0].message).toBe('out of range (1970 to 2106-02-07)');
    const long = await push({ points: [{ ...good, name: 'n'.repeat(256) }] });
    expect(long.body.error.details).toEqual([
      { location: 'body', field: 'points.0.name', message: 'longer than 255 characters' },
    ]);
    const extra = await push({ points: [good], extra: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.error.details[0]).toMatchObject({ field: 'extra', message: 'unknown field' });
    const tooMany = await push({ points: Array.from({ length: 10_001 }, () => good) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('points');
    const infinite = await call('POST', '/api/v1/monitoring/metrics', {
      key: keys.ingest,
      rawBody: '{"points":[{"name":"pushed.bad","value":1e999}]}',
    });
    expect(infinite.status).toBe(400);
    expect(infinite.body.error.message).toContain('points.0.value');
    expect(await count(gs, 'otel_metrics_gauge', 'acme')).toBe(before);
    expect(await count(gs, 'otel_metrics_histogram', 'acme')).toBe(histogramsBefore);
  });

  it('needs an ingest, editor or admin key; a viewer key may only read', async () => {
    const body = { points: [{ name: 'pushed.role', value: 1 }] };
    expect((await push(body, keys.viewer)).status).toBe(403);
    expect((await push(body)).status).toBe(200);
    const read = await get('/api/v1/monitoring/metrics/names', {}, keys.ingest);
    expect(read.status).toBe(403);
  });
});

describe('organizations', () => {
  it("a viewer of one organization never sees another's metrics", async () => {
    const pushed = await call('POST', '/api/v1/monitoring/metrics', {
      key: keys.otherIngest,
      body: { points: [{ name: 'other.only', value: 7, time: at(30) }] },
    });
    expect(pushed.status).toBe(200);
    const range = { from: String(at(-60)), to: String(at(180)) };
    const theirs = await get('/api/v1/monitoring/metrics/names', range, keys.otherViewer);
    expect(theirs.body.items.map((m: { name: string }) => m.name)).toEqual(['other.only']);
    const ours = await get('/api/v1/monitoring/metrics/names', range, keys.viewer);
    expect(ours.body.items.map((m: { name: string }) => m.name)).not.toContain('other.only');
    const cross = await series(
      { metric: 'room.temperature', aggregation: 'count', ...RANGE },
      keys.otherViewer,
    );
    expect(cross.body).toMatchObject({ type: null, series: [] });
    const viaHeader = await call(
      'GET',
      `/api/v1/monitoring/metrics/names?from=${range.from}&to=${range.to}`,
      { key: keys.viewer, headers: { 'x-gridscope-org': 'other' } },
    );
    expect(viaHeader.status).toBe(403);
    const admin = await call(
      'GET',
      `/api/v1/monitoring/metrics?metric=other.only&from=${RANGE.from}&to=${RANGE.to}&step=3m`,
      { key: ADMIN, headers: { 'x-gridscope-org': 'other' } },
    );
    expect(values(admin)).toEqual({ [iso(T0)]: 7 });
  });

  it('the platform admin naming an organization that does not exist gets 404, and creates nothing', async () => {
    const headers = { 'x-gridscope-org': 'nosuch' };
    const names = await call(
      'GET',
      `/api/v1/monitoring/metrics/names?from=${RANGE.from}&to=${RANGE.to}`,
      { key: ADMIN, headers },
    );
    expect(names.status, names.text).toBe(404);
    expect(names.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'organization nosuch not found',
    });
    const pushed = await call('POST', '/api/v1/monitoring/metrics', {
      key: ADMIN,
      headers,
      body: { points: [{ name: 'typo.org', value: 1 }] },
    });
    expect(pushed.status, pushed.text).toBe(404);
    const databases = await gs.store.query(
      'default',
      "SELECT count() AS n FROM system.databases WHERE name = 'gridscope_nosuch'",
    );
    expect(databases).toEqual([{ n: 0 }]);
  });
});

describe('names as senders write them', () => {
  it('a metric, service and attribute key with spaces and brackets can be listed, filtered and grouped by', async () => {
    await sendOtlp([
      resource('checkout (eu)', [
        {
          name: '2xx responses',
          gauge: {
            dataPoints: [
              { timeUnixNano: nanos(at(30)), asDouble: 4, attributes: kv({ 'weird key': 'v' }) },
            ],
          },
        },
      ]),
    ]);
    const range = { from: String(at(-60)), to: String(at(180)) };
    const names = await get('/api/v1/monitoring/metrics/names', range);
    expect(names.body.items.map((m: { name: string }) => m.name)).toContain('2xx responses');
    const labels = await get('/api/v1/monitoring/metrics/labels', {
      ...range,
      metric: '2xx responses',
    });
    expect(labels.status, labels.text).toBe(200);
    expect(JSON.stringify(labels.body)).toContain('weird key');
    const read = await series({
      metric: '2xx responses',
      service: 'checkout (eu)',
      attr: 'weird key=v',
      groupBy: 'weird key',
      ...RANGE,
      step: '3m',
    });
    expect(read.status, read.text).toBe(200);
    expect(read.body.series).toEqual([
      { labels: { 'weird key': 'v' }, points: [{ time: iso(T0), value: 4 }] },
    ]);
  });
});

describe('hostile and out-of-range input', () => {
  const m = { metric: 'room.temperature', ...RANGE };
  const cases: [string, string, Record<string, string | string[]>, string][] = [
    ['series', 'a quote in the metric name', { ...m, metric: "room'temperature" }, 'metric'],
    ['series', 'SQL in the metric name', { ...m, metric: "x' OR 1=1 --" }, 'metric'],
    ['series', 'a control character in the metric name', { ...m, metric: 'room\u0000x' }, 'metric'],
    ['series', 'no metric', { from: RANGE.from }, 'metric'],
    ['series', 'SQL in a groupBy key', { ...m, groupBy: "room') FROM x; --" }, 'groupBy'],
    ['series', 'a control character in a groupBy key', { ...m, groupBy: 'ro\nom' }, 'groupBy'],
    ['series', 'six groupBy keys', { ...m, groupBy: 'a,b,c,d,e,f' }, 'groupBy'],
    ['series', 'a quote in an attribute key', { ...m, attr: "ro'om=a" }, 'attr'],
    ['series', 'a zero step', { ...m, step: '0' }, 'step'],
    ['series', 'a negative step', { ...m, step: '-60' }, 'step'],
    ['series', 'a step that is not one', { ...m, step: '1m; DROP' }, 'step'],
    ['series', 'too many points', { ...m, from: 'now-1d', to: 'now', step: '1s' }, 'step'],
    ['series', 'from after to', { ...m, from: String(at(100)), to: String(at(0)) }, 'from'],
    ['series', 'a range over the limit', { ...m, from: 'now-60d', to: 'now' }, 'from'],
    ['series', 'a time that is not one', { ...m, from: "1' OR '1" }, 'from'],
    ['series', 'an unknown aggregation', { ...m, aggregation: 'median' }, 'aggregation'],
    ['series', 'rate of a gauge', { ...m, aggregation: 'rate' }, 'aggregation'],
    ['series', 'a quantile of 1.5', { ...m, aggregation: 'quantile', quantile: '1.5' }, 'quantile'],
    ['series', 'quantile without a number', { ...m, aggregation: 'quantile' }, 'quantile'],
    // A summary, which takes quantile 0: an empty value must not read as 0.
    ['series', 'an empty quantile', { ...m, metric: 'rpc.latency', quantile: '' }, 'quantile'],
    ['series', 'a quantile that is not a number', { ...m, quantile: 'high' }, 'quantile'],
    ['series', 'an unknown type', { ...m, type: 'counter' }, 'type'],
    ['series', 'a control character in service', { ...m, service: 'a\u0001' }, 'service'],
    ['names', 'a limit of 0', { limit: '0' }, 'limit'],
    ['names', 'a limit over the maximum', { limit: '100000' }, 'limit'],
    ['names', 'a control character in q', { q: 'a\u0000' }, 'q'],
    ['names', 'a forged cursor', { cursor: 'eyJrIjoieCJ9' }, 'cursor'],
    ['labels', 'no metric', {}, 'metric'],
    ['labels', 'a quote in key', { metric: 'room.temperature', key: 'ro"om' }, 'key'],
    ['labels', 'a limit over the maximum', { metric: 'room.temperature', limit: '5000' }, 'limit'],
  ];
  const PATHS: Record<string, string> = {
    series: '/api/v1/monitoring/metrics',
    names: '/api/v1/monitoring/metrics/names',
    labels: '/api/v1/monitoring/metrics/labels',
  };

  it.each(cases)(
    '%s: %s is refused with 400 naming the parameter',
    async (path, _what, params, name) => {
      const r = await get(PATHS[path]!, params);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION');
      expect(r.body.error.message).toContain(name);
      expect(r.body.error.details).toContainEqual(
        expect.objectContaining({ location: 'query', field: name }),
      );
    },
  );

  it('a JSON query body with hostile values is refused the same way', async () => {
    const base = { metric: 'room.temperature', from: T0, to: at(180) };
    const bodies: [unknown, string, string][] = [
      [{ ...base, groupBy: ["a'b"] }, 'groupBy', 'groupBy'],
      [{ ...base, attr: ['x\u0000=1'] }, 'attr', 'attr'],
      [{ ...base, step: 0 }, 'step', 'step'],
      [{ ...base, metric: "a'b" }, 'metric', 'metric'],
      [{ ...base, sql: 'SELECT 1' }, 'sql', 'sql'],
    ];
    for (const [body, name, field] of bodies) {
      const r = await call('POST', '/api/v1/monitoring/metrics/query', { key: keys.viewer, body });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.message).toContain(name);
      expect(r.body.error.details).toContainEqual(
        expect.objectContaining({ location: 'body', field }),
      );
    }
  });

  it('a check after the schema locates the field in the body of a POST and the query of a GET', async () => {
    const posted = await call('POST', '/api/v1/monitoring/metrics/query', {
      key: keys.viewer,
      body: { metric: 'room.temperature', from: T0, to: at(180), groupBy: ["ro'om"] },
    });
    expect(posted.status, posted.text).toBe(400);
    expect(posted.body.error.details).toEqual([
      { location: 'body', field: 'groupBy', message: expect.stringContaining('"ro\'om"') },
    ]);
    const got = await get(PATHS.series!, { ...m, groupBy: "ro'om" });
    expect(got.status, got.text).toBe(400);
    expect(got.body.error.details).toEqual([
      { location: 'query', field: 'groupBy', message: posted.body.error.details[0].message },
    ]);
  });
});

// Last: it removes the stored points.
describe('minute rollups', () => {
  /** A roller of histogram quarters over acme, run a pass at a time, with no margin. */
  const quarterRoller = (marginMs = 0) =>
    new HistogramQuarterRoller(
      gs.store,
      () => Promise.resolve(['acme']),
      { set: () => undefined, clear: () => undefined },
      silentLog,
      { marginMs, quartersPerPass: 1000, intervalMs: 60_000 },
    );
  /** An hour ending where RANGE ends: read from the rollups, in the same one-minute steps. */
  const LONG = { from: String(at(180) - 3_600_000), to: String(at(180)), step: '1m' };
  const READS: [string, Record<string, string | string[]>][] = [
    ['gauge avg by room', { metric: 'room.temperature', groupBy: 'room' }],
    ['gauge sum', { metric: 'room.temperature', aggregation: 'sum' }],
    ['gauge min', { metric: 'room.temperature', aggregation: 'min' }],
    [
      'gauge max by service',
      { metric: 'room.temperature', aggregation: 'max', groupBy: 'service.name' },
    ],
    ['gauge count', { metric: 'room.temperature', aggregation: 'count' }],
    [
      'gauge max, attribute filters',
      { metric: 'room.temperature', aggregation: 'max', attr: ['room!=c', 'room!=a'] },
    ],
    [
      'gauge max, service filter',
      { metric: 'room.temperature', aggregation: 'max', attr: 'service.name~=thermo-' },
    ],
    [
      'gauge max, resource filter',
      { metric: 'room.temperature', aggregation: 'max', attr: 'resource.host.name~=THERMO-2' },
    ],
    [
      'gauge avg, service',
      { metric: 'room.temperature', service: 'thermo', groupBy: 'resource.host.name' },
    ],
    [
      'counter increase, filter and group by resource',
      {
        metric: 'jobs.processed',
        aggregation: 'increase',
        attr: 'queue!=q2',
        groupBy: ['queue', 'resource.host.name'],
      },
    ],
    [
      'histogram p50, service and attribute',
      { metric: 'rpc.duration', aggregation: 'p50', service: 'worker', attr: 'method=GET' },
    ],
    [
      'counter increase by queue',
      { metric: 'jobs.processed', aggregation: 'increase', groupBy: 'queue' },
    ],
    ['counter rate', { metric: 'jobs.processed' }],
    ['counter value max', { metric: 'jobs.processed', aggregation: 'max', groupBy: 'queue' }],
    ['delta counter increase', { metric: 'jobs.processed.delta', aggregation: 'increase' }],
    ['histogram p50', { metric: 'rpc.duration', aggregation: 'p50' }],
    ['histogram p90', { metric: 'rpc.duration', aggregation: 'p90' }],
    ['histogram count', { metric: 'rpc.duration', aggregation: 'count' }],
    ['histogram sum', { metric: 'rpc.duration', aggregation: 'sum' }],
    ['delta histogram p50', { metric: 'rpc.duration.delta', aggregation: 'p50' }],
    ['mixed bounds p50', { metric: 'mixed.bounds', aggregation: 'p50' }],
    [
      'resets within a minute',
      { metric: 'rollup.resets', aggregation: 'increase', groupBy: 'series' },
    ],
    ['histogram reset within a minute', { metric: 'rollup.histogram', aggregation: 'count' }],
    ['histogram reset within a minute p50', { metric: 'rollup.histogram', aggregation: 'p50' }],
    ['exp histogram p25', { metric: 'queue.wait', quantile: '0.25' }],
    ['exp histogram p75 by kind', { metric: 'queue.wait', quantile: '0.75', groupBy: 'kind' }],
    [
      'exp histogram count by kind',
      { metric: 'queue.wait', aggregation: 'count', groupBy: 'kind' },
    ],
    ['exp scales and a reset p50', { metric: 'rollup.exp', aggregation: 'p50', groupBy: 'kind' }],
    ['exp scales and a reset p90', { metric: 'rollup.exp', aggregation: 'p90' }],
    ['exp scales and a reset p10', { metric: 'rollup.exp', quantile: '0.1', groupBy: 'kind' }],
    [
      'exp scales and a reset count',
      { metric: 'rollup.exp', aggregation: 'count', groupBy: 'kind' },
    ],
    ['exp scales and a reset rate', { metric: 'rollup.exp', aggregation: 'rate' }],
    ['summary count', { metric: 'rpc.latency', aggregation: 'count' }],
    ['summary count by host', { metric: 'rpc.latency', aggregation: 'count', groupBy: 'host' }],
    ['summary sum', { metric: 'rpc.latency', aggregation: 'sum' }],
    ['summary rate', { metric: 'rpc.latency', aggregation: 'rate' }],
    ['summary p50, NaN left out', { metric: 'rpc.latency', aggregation: 'p50' }],
    ['summary p99 by host', { metric: 'rpc.latency', aggregation: 'p99', groupBy: 'host' }],
    ['summary quantile 0', { metric: 'rpc.latency', quantile: '0' }],
    ['summary started in range, avg', { metric: 'legacy.latency' }],
  ];

  /** Reads by a resource attribute read the points: the rollups do not keep them. */
  const BY_RESOURCE = [
    'gauge max, resource filter',
    'gauge avg, service',
    'counter increase, filter and group by resource',
  ];

  /** Every series' values at the steps of RANGE, keyed by labels and step. */
  function inRange(r: ApiReply): Record<string, number | null> {
    expect(r.status, r.text).toBe(200);
    const out: Record<string, number | null> = {};
    for (const s of r.body.series as {
      labels: object;
      points: { time: string; value: number | null }[];
    }[]) {
      for (const p of s.points) {
        const t = Date.parse(p.time);
        if (t >= T0 && t < at(180)) out[`${JSON.stringify(s.labels)} ${p.time}`] = p.value;
      }
    }
    return out;
  }

  // A monotonic counter that resets within a minute with the same start time, one that
  // restarts within a minute with a new start time, and a histogram whose count drops
  // within a minute: by hand, minute 0 grows by 10 + 10 + 5 + 10 = 35 and minute 1 by 5;
  // the restart gives 10 + 4 + 5 = 19 (the climbing one 1 + 50 + 2); the histogram's buckets grow by [1,1,0,0] then
  // [0,1,0,0] from 0 then [0,1,1,0]: [1,3,1,0], 5 observations.
  const RESETS: Record<string, CounterPoint[]> = {
    same: [
      [-30, 90, -600],
      [5, 100, -600],
      [15, 110, -600],
      [25, 5, -600],
      [35, 15, -600],
      [65, 20, -600],
    ],
    restart: [
      [-30, 50, -600],
      [10, 60, -600],
      [20, 4, 15],
      [40, 9, 15],
    ],
    // A restart whose first value is above the last one before it still counts from 0.
    climb: [
      [-30, 5, -600],
      [10, 6, -600],
      [20, 50, 15],
      [40, 52, 15],
    ],
  };
  const HIST: [number, number[]][] = [
    [-30, [1, 1, 0, 0]],
    [10, [2, 2, 0, 0]],
    [20, [0, 1, 0, 0]],
    [40, [0, 2, 1, 0]],
  ];

  /**
   * Exponential histogram points (seconds, series, scale, positive offset and counts, zero
   * count, negative offset and counts). The cumulative series lowers its scale within
   * minute 0 and again in minute 1, and resets at 40 s; the delta series has points of two
   * scales in one minute; the rescale series (cumulative) resets at 25 s without a new
   * start time to a higher scale, as a new aggregator does, and lowers it again.
   */
  const EXP: [
    number,
    'cumulative' | 'delta' | 'rescale',
    number,
    number,
    number[],
    number,
    number,
    number[],
  ][] = [
    [-30, 'cumulative', 2, 0, [1, 1, 1, 1], 1, 0, []],
    [10, 'cumulative', 2, 0, [2, 2, 1, 3], 1, 0, []],
    [20, 'cumulative', 1, 0, [5, 6], 2, 0, []],
    [40, 'cumulative', 1, 1, [1], 0, -1, [2]],
    [70, 'cumulative', 1, 0, [1, 2], 0, -1, [3]],
    [110, 'cumulative', 0, 0, [4, 1], 1, -1, [3]],
    [5, 'delta', 1, 0, [1, 2], 0, 0, []],
    [25, 'delta', 0, 0, [3], 1, 0, []],
    [70, 'delta', 1, -1, [1, 1, 1], 0, -2, [2]],
    [-30, 'rescale', 2, 0, [90], 0, 0, []],
    [5, 'rescale', 2, 0, [100], 0, 0, []],
    [15, 'rescale', 2, 0, [110], 0, 0, []],
    [25, 'rescale', 4, 0, [3], 0, 0, []],
    [35, 'rescale', 3, 0, [8], 0, 0, []],
    [45, 'rescale', 2, 0, [20], 0, 0, []],
    [70, 'rescale', 2, 0, [25], 0, 0, []],
  ];

  // Histogram points whose counts do not match their bounds (two counts for three bounds),
  // which the receiver refuses but another writer to the tables may store: they keep no
  // buckets, and a point after one takes nothing from it. Per series, by hand:
  // a: minute 0 grows by [1,1,0,0], then drops after an invalid peak and counts [1,1,1,0]
  //    from 0; minute 1 holds only an invalid point (no step); minute 2 counts [4,4,1,0].
  // b: an invalid point first in minute 2 takes nothing from before; [5,5,1,0] follows it.
  // c: other bounds in minute 2: a new run, [1,3,0,0], not a change from [3,0,0,0].
  // d: an invalid point last in minute 1 takes nothing: the minute grows by [1,0,0,0].
  const INVALID: Record<string, [number, number[]][]> = {
    a: [
      [-30, [1, 1, 0, 0]],
      [10, [2, 2, 0, 0]],
      [20, [9, 9]],
      [40, [1, 1, 1, 0]],
      [70, [1, 1]],
      [130, [4, 4, 1, 0]],
    ],
    b: [
      [-30, [1, 0, 0, 0]],
      [125, [3, 3]],
      [150, [5, 5, 1, 0]],
    ],
    c: [
      [-30, [3, 0, 0, 0]],
      [160, [1, 3, 0, 0]],
    ],
    d: [
      [-30, [1, 0, 0, 0]],
      [65, [2, 0, 0, 0]],
      [90, [7, 7]],
    ],
  };
  /** The bounds of each stored point of INVALID. */
  const boundsOf = (series: string, sec: number) =>
    series === 'c' && sec > 0 ? OTHER_BOUNDS : BOUNDS;
  const OTHER_BOUNDS = [20, 50, 100];

  // A series whose delta points are followed by cumulative ones with the same start time:
  // a delta value is no running total, so the first cumulative point counts from 0.
  const SWITCH: Record<'delta' | 'cumulative', CounterPoint[]> = {
    delta: [[10, 3, -600]],
    cumulative: [
      [20, 100, -600],
      [40, 110, -600],
    ],
  };
  const switched = (temporality: 1 | 2) => ({
    name: 'rollup.switch',
    sum: {
      aggregationTemporality: temporality,
      isMonotonic: true,
      dataPoints: counterPoints('s', SWITCH[temporality === 1 ? 'delta' : 'cumulative']),
    },
  });
  const switchedExp = (temporality: 1 | 2) => ({
    name: 'rollup.exp.switch',
    unit: 's',
    exponentialHistogram: {
      aggregationTemporality: temporality,
      dataPoints:
        temporality === 1
          ? [expPoint(10, -600, 1, { offset: 0, bucketCounts: [1, 2] }, 0)]
          : [
              expPoint(20, -600, 1, { offset: 0, bucketCounts: [2, 2] }, 0),
              expPoint(40, -600, 1, { offset: 0, bucketCounts: [3, 4] }, 0),
            ],
    },
  });

  // Runs whose first point starts at its own time (the start not known, as a scrape of a
  // counter first seen gives it): that point is the run's baseline, not an increase.
  const unknownStart = {
    name: 'rollup.unknown.start',
    sum: {
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: counterPoints('u', [
        [30, 1000, 30],
        [60, 1010, 30],
        [90, 1020, 30],
        [150, 5000, 150],
        [170, 5004, 150],
      ]),
    },
  };
  const unknownStartExp = {
    name: 'rollup.exp.unknown.start',
    unit: 's',
    exponentialHistogram: {
      aggregationTemporality: 2,
      dataPoints: [
        expPoint(30, 30, 1, { offset: 0, bucketCounts: [2, 2] }, 0),
        expPoint(90, 30, 1, { offset: 0, bucketCounts: [3, 4] }, 0),
      ],
    },
  };

  // Points flagged as having no recorded value (staleness markers): a gap, not a value. The
  // run starts before either read looks back, so its first point is a baseline in both.
  const staleAt = (sec: number, v: number, flags = 0) => ({
    timeUnixNano: nanos(at(sec)),
    startTimeUnixNano: nanos(at(-7200)),
    asDouble: v,
    flags,
  });
  const staleGauge = {
    name: 'rollup.stale.gauge',
    gauge: { dataPoints: [staleAt(10, 10), staleAt(20, 20), staleAt(70, 0, 1), staleAt(90, 30)] },
  };
  const staleCounter = {
    name: 'rollup.stale.counter',
    sum: {
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: [10, 20, 0, 30, 40].map((v, i) => staleAt(10 + 30 * i, v, v === 0 ? 1 : 0)),
    },
  };

  // Values that are no number (NaN, and infinities, which JSON cannot carry): a gap too.
  const nanGauge = {
    name: 'rollup.nan.gauge',
    gauge: {
      dataPoints: [
        staleAt(10, 10),
        staleAt(20, 20),
        staleAt(70, NaN),
        staleAt(80, Infinity),
        staleAt(90, 30),
      ],
    },
  };
  const nanCounter = {
    name: 'rollup.nan.counter',
    sum: {
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: [10, 20, NaN, 30, 40, -Infinity, 50].map((v, i) => staleAt(10 + 20 * i, v)),
    },
  };

  const staleHistogram = {
    name: 'rollup.stale.histogram',
    histogram: {
      aggregationTemporality: 2,
      dataPoints: [2, 4, 0, 6].map((n, i) => ({
        timeUnixNano: nanos(at(10 + 30 * i)),
        startTimeUnixNano: nanos(at(-7200)),
        count: n,
        sum: n,
        bucketCounts: [n, 0],
        explicitBounds: [1],
        flags: n === 0 ? 1 : 0,
      })),
    },
  };

  // The third point has no recorded value: its 99 must not reach the median's mean.
  const staleSummary = {
    name: 'rollup.stale.summary',
    summary: {
      dataPoints: [2, 4, 99, 6].map((v, i) => ({
        timeUnixNano: nanos(at(10 + 30 * i)),
        startTimeUnixNano: nanos(at(-7200)),
        count: 10 * (i + 1),
        sum: 10 * (i + 1),
        quantileValues: [{ quantile: 0.5, value: v }],
        flags: v === 99 ? 1 : 0,
      })),
    },
  };

  beforeAll(async () => {
    await sendOtlp([
      resource('worker', [
        staleHistogram,
        staleSummary,
        switched(1),
        switched(2),
        switchedExp(1),
        switchedExp(2),
        unknownStart,
        unknownStartExp,
        staleGauge,
        staleCounter,
        nanGauge,
        nanCounter,
        {
          name: 'rollup.resets',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: Object.entries(RESETS).flatMap(([series, points]) =>
              counterPoints('r', points).map((p) => ({ ...p, attributes: kv({ series }) })),
            ),
          },
        },
        {
          name: 'rollup.histogram',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: HIST.map(([sec, counts]) => histogramPoint(sec, -600, counts, 0)),
          },
        },
        ...(['cumulative', 'delta', 'rescale'] as const).map((kind) => ({
          name: 'rollup.exp',
          unit: 's',
          exponentialHistogram: {
            aggregationTemporality: kind === 'delta' ? 1 : 2,
            dataPoints: EXP.filter((p) => p[1] === kind).map(
              ([sec, , scale, offset, bucketCounts, zero, negOffset, negCounts]) => ({
                ...expPoint(
                  sec,
                  kind === 'delta' ? sec - 5 : -600,
                  scale,
                  { offset, bucketCounts },
                  zero,
                  {
                    offset: negOffset,
                    bucketCounts: negCounts,
                  },
                ),
                attributes: kv({ kind }),
              }),
            ),
          },
        })),
      ]),
    ]);
  });

  it('a reset or restart within a minute gives the same increase as the points', async () => {
    for (const params of [RANGE, LONG]) {
      const r = await series({
        metric: 'rollup.resets',
        aggregation: 'increase',
        groupBy: 'series',
        ...params,
      });
      expect(values(r, { series: 'same' })[iso(T0)]).toBe(35);
      expect(values(r, { series: 'same' })[iso(at(60))]).toBe(5);
      expect(values(r, { series: 'restart' })[iso(T0)]).toBe(19);
      expect(values(r, { series: 'climb' })[iso(T0)]).toBe(1 + 50 + 2);
      const h = await series({ metric: 'rollup.histogram', aggregation: 'p50', ...params });
      expect(values(h)[iso(T0)]).toBeCloseTo(expectedQuantile(0.5, BOUNDS, [1, 3, 1, 0]), 9);
      const c = await series({ metric: 'rollup.histogram', aggregation: 'count', ...params });
      expect(values(c)[iso(T0)]).toBe(5);
    }
  });

  it('a cumulative point after a delta point of its series counts from 0', async () => {
    for (const params of [RANGE, LONG]) {
      const c = await series({ metric: 'rollup.switch', aggregation: 'increase', ...params });
      expect(values(c)[iso(T0)]).toBe(3 + 110);
      const e = await series({ metric: 'rollup.exp.switch', aggregation: 'count', ...params });
      expect(values(e)[iso(T0)]).toBe(3 + 7);
    }
  });

  /** The values of the steps at T0, T0 + 1 min, ... of a read from the points and the roll-ups. */
  const firstSteps = async (metric: string, aggregation: string, steps: number) => {
    const answers = [];
    for (const params of [RANGE, LONG]) {
      const v = values(await series({ metric, aggregation, ...params }));
      answers.push(Array.from({ length: steps }, (_, i) => v[iso(at(60 * i))]));
    }
    return answers;
  };
  /** The same answer from the points and from the roll-ups. */
  const fromBoth = <T>(v: T) => [v, v];

  it('a point that starts at its own time is its run’s baseline, not an increase', async () => {
    expect(await firstSteps('rollup.unknown.start', 'increase', 3)).toEqual(fromBoth([0, 20, 4]));
    expect(await firstSteps('rollup.exp.unknown.start', 'count', 2)).toEqual(fromBoth([0, 3]));
  });

  it('a series silent for more than an hour starts over, in the points and in the roll-ups', async () => {
    // Two counters whose runs started long before any read: g1 is silent for 74 minutes
    // before 2700 s, so that point starts over, a baseline, and 2760 s adds 5; g2 is silent
    // for 40 minutes before 1800 s and continues: it adds 20.
    await sendOtlp([
      resource('worker', [
        {
          name: 'gap.counter',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [
              ...counterPoints('g1', [
                [-1740, 10, -36_000],
                [2700, 30, -36_000],
                [2760, 35, -36_000],
              ]),
              ...counterPoints('g2', [
                [-600, 10, -36_000],
                [1800, 30, -36_000],
              ]),
            ],
          },
        },
      ]),
    ]);
    // In half hours (as long a lookback): 59 minutes read the points, two hours the roll-ups.
    for (const [from, to] of [
      [T0, at(3540)],
      [at(3600) - 7_200_000, at(3600)],
    ]) {
      const r = await series({
        metric: 'gap.counter',
        aggregation: 'increase',
        groupBy: 'queue',
        from: String(from),
        to: String(to),
        step: '30m',
      });
      expect(values(r, { queue: 'g1' })[iso(at(1800))], `from ${from}`).toBe(5);
      expect(values(r, { queue: 'g2' })[iso(at(1800))], `from ${from}`).toBe(20);
    }
    // In steps longer than an hour too, where g1's points before and after its silence can
    // share a step: the roll-ups (by queue) answer as the points (by queue and a resource
    // attribute, which the roll-ups do not keep) do, step by step.
    const total = (v: Record<string, number | null>) =>
      Object.values(v).reduce<number>((a, b) => a + (b ?? 0), 0);
    // A day's step looks back a day, to the runs' start ten hours before T0, and still
    // answers as the shorter ones: a run's first point counts from its start only when it
    // comes within an hour of it, so neither g1's first point nor its point after the
    // silence (a point of the same run, whose growth the read has counted) counts from 0.
    for (const [step, totals] of [
      ['2h', { g1: 5, g2: 20 }],
      ['3h', { g1: 5, g2: 20 }],
      ['1d', { g1: 5, g2: 20 }],
    ] as const) {
      const q = {
        metric: 'gap.counter',
        aggregation: 'increase',
        from: String(at(-7200)),
        to: String(at(3600)),
        step,
      };
      const rolled = await series({ ...q, groupBy: 'queue' });
      const points = await series({ ...q, groupBy: ['queue', 'resource.host.name'] });
      for (const queue of ['g1', 'g2'] as const) {
        const fromRollups = values(rolled, { queue });
        expect(total(fromRollups), `${queue} in ${step} steps`).toBe(totals[queue]);
        expect(fromRollups, `${queue} in ${step} steps`).toEqual(
          values(points, { queue, 'resource.host.name': 'worker-host' }),
        );
      }
    }
  });

  it('a run silent for more than an hour is not counted from 0 again by a read that scans back to its start', async () => {
    // A counter and a histogram whose run starts at -9000 s: two points right after its
    // start, then silence until -3000 s, in the same run. Only the first point counts from
    // the start; the point after the silence is a baseline in every read, whichever points
    // before it the read sees.
    const early: [number, number[]][] = [
      [-8940, [5, 0, 0, 0]],
      [-8880, [10, 0, 0, 0]],
    ];
    const late: [number, number[]][] = [
      [-3000, [10, 5, 0, 0]],
      [-2940, [10, 10, 0, 0]],
    ];
    await sendOtlp([
      resource('worker', [
        {
          name: 'silent.counter',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: counterPoints('s', [
              [-8940, 10, -9000],
              [-8880, 20, -9000],
              [-3000, 50, -9000],
              [-2940, 60, -9000],
            ]),
          },
        },
        {
          name: 'silent.hist',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [...early, ...late].map(([sec, counts]) =>
              histogramPoint(sec, -9000, counts, 0),
            ),
          },
        },
      ]),
    ]);
    const total = (v: Record<string, number | null>) =>
      Object.values(v).reduce<number>((a, b) => a + (b ?? 0), 0);
    // Three hours scan back to the start: 10 from it, +10, then the baseline and +10. One
    // hour does not: the baseline and +10. From the roll-ups and from the points alike.
    for (const [from, want] of [
      [-10_800, 30],
      [-3600, 10],
    ] as const) {
      for (const step of ['1m', '15m', '1h', '3h']) {
        const q = {
          metric: 'silent.counter',
          aggregation: 'increase',
          from: String(at(from)),
          to: String(at(0)),
          step,
        };
        const rolled = values(await series(q));
        expect(total(rolled), `from ${from} in ${step}`).toBe(want);
        const points = values(await series({ ...q, groupBy: 'resource.host.name' }), {
          'resource.host.name': 'worker-host',
        });
        expect(points, `from ${from} in ${step}, points`).toEqual(rolled);
      }
    }
    // The histogram's quarter from -3600 s holds five observations in (10, 50], so its
    // median is 30 in each read, from the minutes and from the quarter increases; counted
    // from 0 it would hold ten at or below 10 too.
    const median = async () => {
      for (const from of [-10_800, -3600]) {
        const v = values(
          await series({
            metric: 'silent.hist',
            aggregation: 'p50',
            from: String(at(from)),
            to: String(at(0)),
            step: '15m',
          }),
        );
        expect(v[iso(at(-3600))], `from ${from}`).toBeCloseTo(30, 9);
      }
    };
    await median();
    await new Promise((r) => setTimeout(r, 5));
    await quarterRoller().pass();
    await median();
  });

  it('points with no recorded value are a gap, in the points and in the roll-ups', async () => {
    expect(await firstSteps('rollup.stale.gauge', 'avg', 2)).toEqual(fromBoth([15, 30]));
    expect(await firstSteps('rollup.stale.counter', 'increase', 3)).toEqual(fromBoth([10, 10, 10]));
    expect(await firstSteps('rollup.stale.histogram', 'count', 2)).toEqual(fromBoth([2, 2]));
    expect(await firstSteps('rollup.stale.summary', 'p50', 2)).toEqual(fromBoth([3, 6]));
  });

  it('points whose value is NaN or infinite are a gap, in the points and in the roll-ups', async () => {
    expect(await firstSteps('rollup.nan.gauge', 'avg', 2)).toEqual(fromBoth([15, 30]));
    expect(await firstSteps('rollup.nan.gauge', 'max', 2)).toEqual(fromBoth([20, 30]));
    expect(await firstSteps('rollup.nan.gauge', 'count', 2)).toEqual(fromBoth([2, 1]));
    // 10 at 10 s is the baseline; 20, 30, 40 and 50 each add 10.
    expect(await firstSteps('rollup.nan.counter', 'increase', 3)).toEqual(fromBoth([10, 20, 10]));
    expect(await firstSteps('rollup.nan.counter', 'min', 3)).toEqual(fromBoth([10, 30, 50]));
  });

  it('stored histogram points with counts that do not match their bounds, or new bounds, read as from the points', async () => {
    const rows = Object.entries(INVALID).flatMap(([series, points]) =>
      points.map(
        ([sec, counts]) =>
          `('worker', 'rollup.invalid', map('series', '${series}'), ${(at(-600) / 1000).toFixed(3)},
            ${(at(sec) / 1000).toFixed(3)}, ${counts.reduce((a, b) => a + b, 0)}, 0, [${counts.join(',')}],
            [${boundsOf(series, sec).join(',')}], 2)`,
      ),
    );
    await sqlOnDataDir(
      dir,
      `INSERT INTO gridscope_acme.otel_metrics_histogram (ServiceName, MetricName, Attributes,
         StartTimeUnix, TimeUnix, Count, Sum, BucketCounts, ExplicitBounds, AggregationTemporality)
       VALUES ${rows.join(', ')}`,
    );
    const p50 = (counts: number[], bounds = BOUNDS) => expectedQuantile(0.5, bounds, counts);
    const want: Record<string, Record<string, number>> = {
      a: { [iso(T0)]: p50([2, 2, 1, 0]), [iso(at(120))]: p50([4, 4, 1, 0]) },
      b: { [iso(at(120))]: p50([5, 5, 1, 0]) },
      c: { [iso(at(120))]: p50([1, 3, 0, 0], OTHER_BOUNDS) },
      d: { [iso(at(60))]: p50([1, 0, 0, 0]) },
    };
    for (const [name, steps] of Object.entries(want)) {
      for (const params of [RANGE, LONG]) {
        const query = { metric: 'rollup.invalid', aggregation: 'p50', attr: `series=${name}` };
        const r = await series({ ...query, ...params });
        const got = Object.fromEntries(
          Object.entries(values(r)).filter(([t]) => Date.parse(t) >= T0 && Date.parse(t) < at(180)),
        );
        expect(Object.keys(got).sort(), name).toEqual(Object.keys(steps).sort());
        for (const [t, v] of Object.entries(steps))
          expect(got[t], `${name} ${t}`).toBeCloseTo(v, 9);
      }
    }
    // Series c's new bounds start a new run for its count as for its buckets: the count's
    // increase is the new point's whole count, as its buckets' is their whole counts.
    for (const params of [RANGE, LONG]) {
      const query = { metric: 'rollup.invalid', aggregation: 'increase', attr: 'series=c' };
      const got = values(await series({ ...query, ...params }));
      expect(got[iso(at(120))], JSON.stringify(params)).toBeCloseTo(1 + 3, 9);
    }
  });

  it('steps of several minutes, and a range starting inside a step, read as from the points', async () => {
    // From a minute after T0 in five-minute steps: the first step holds the points from
    // at(60) on, the earlier ones only serving as predecessors. 59 minutes read the points.
    const rolled = { from: String(at(60)), to: String(at(60) + 3_600_000), step: '5m' };
    const raw = { ...rolled, to: String(at(60) + 3_540_000) };
    // These reads' points all lie before at(60).
    const early = [
      'gauge max, service filter',
      'gauge max, resource filter',
      'mixed bounds p50',
      'histogram reset within a minute',
      'histogram reset within a minute p50',
      'summary started in range, avg',
    ];
    // The points from at(60) on report other quantiles: both reads refuse this one.
    const refused = ['summary quantile 0'];
    const answer = (r: ApiReply) => (r.status === 200 ? r.body.series : r.body.error.message);
    for (const [name, q] of READS) {
      const want = await series({ ...q, ...raw });
      const got = await series({ ...q, ...rolled });
      expect(answer(got), name).toEqual(answer(want));
      expect(want.status, name).toBe(refused.includes(name) ? 400 : 200);
      if (want.status === 200) {
        expect(want.body.series.length > 0, name).toBe(!early.includes(name));
      }
    }
  });

  // Read in quarter hours from seven minutes before T0 (the points at T0 - 30 s are in
  // range, the first step starts before it).
  const QUARTERS = { from: String(at(-420)), to: String(at(-420) + 3_600_000), step: '15m' };

  it('steps of whole quarter hours read as from the points', async () => {
    // 59 minutes read the points.
    const raw = { ...QUARTERS, to: String(at(-420) + 3_540_000) };
    for (const [name, q] of READS) {
      const want = (await series({ ...q, ...raw })).body;
      const got = (await series({ ...q, ...QUARTERS })).body;
      expect(got.series, name).toEqual(want.series);
      expect(want.series.length, name).toBeGreaterThan(0);
    }
  });

  it('reads of hours in quarter hours read the rolled-up quarters as the points, also after a late point', async () => {
    // Two days ending where QUARTERS ends: long enough to read rolled-up quarters; only its
    // last hour holds points. 59 minutes read the points.
    const long = { ...QUARTERS, from: String(at(-420) - 47 * 3_600_000) };
    const raw = { ...QUARTERS, to: String(at(-420) + 3_540_000) };
    const late = (sec: number, counts: number[]) =>
      sendOtlp([
        resource('worker', [
          {
            name: 'quarter.late',
            histogram: {
              aggregationTemporality: 2,
              dataPoints: [histogramPoint(sec, -600, counts, 0)],
            },
          },
        ]),
      ]);
    await late(60, [1, 0, 0, 0]);
    await late(120, [2, 1, 0, 0]);
    const reads: [string, Record<string, string | string[]>][] = [
      ...READS.filter(([, q]) =>
        [
          'rpc.duration',
          'rpc.duration.delta',
          'mixed.bounds',
          'rollup.histogram',
          'queue.wait',
          'rollup.exp',
        ].includes(q.metric as string),
      ),
      // Delta totals add up: a quarter read twice would count twice.
      ['delta histogram count', { metric: 'rpc.duration.delta', aggregation: 'count' }],
      ['late p50', { metric: 'quarter.late', aggregation: 'p50' }],
      ['late count', { metric: 'quarter.late', aggregation: 'count' }],
    ];
    const sameAsPoints = async () => {
      for (const [name, q] of reads) {
        const want = await series({ ...q, ...raw });
        expect(want.body.series.length, name).toBeGreaterThan(0);
        expect((await series({ ...q, ...long })).body.series, name).toEqual(want.body.series);
      }
    };
    const roller = quarterRoller();
    const rolled = () =>
      rolledQuarters(gs.store, 'acme', { fromMs: T0 - 3_600_000, toMs: T0 + 3_600_000 });
    await new Promise((r) => setTimeout(r, 5));
    // Written within the last hour: not pending under an hour's margin, pending under none.
    expect(await pendingQuarters(gs.store, 'acme', 3_600_000)).toEqual([]);
    expect(await pendingQuarters(gs.store, 'acme', 0)).toEqual(
      expect.arrayContaining([T0 - 900_000, T0]),
    );
    expect(await roller.pass()).toBe(false);
    expect(roller.pending).toBe(0);
    expect(await pendingQuarters(gs.store, 'acme', 0)).toEqual([]);
    // The quarters before T0 (points at T0 - 30 s) and from T0 are rolled up.
    expect(await rolled()).toEqual(expect.arrayContaining([T0 - 900_000, T0]));
    await sameAsPoints();

    // A late point in the quarter from T0: it is read from the minutes until rolled up again.
    await late(300, [3, 1, 1, 0]);
    expect(await rolled()).not.toContain(T0);
    await sameAsPoints();
    // A roller whose margin has not passed leaves it, and counts it as left to roll up.
    const waiting = quarterRoller(3_600_000);
    expect(await waiting.pass()).toBe(false);
    expect(await rolled()).not.toContain(T0);
    expect(waiting.pending).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await roller.pass()).toBe(false);
    expect(await rolled()).toContain(T0);
    await sameAsPoints();

    // Rolled up again: nothing is left for a roller with no margin to count.
    expect(roller.pending).toBe(0);

    // Without its minutes, the late metric still reads the same: from the quarters; so do
    // the exponential histograms without their minutes from T0 on (their quarter before T0
    // holds the range's start, so it is read from the minutes). Those minutes are set
    // aside and put back for the tests after this one.
    await sqlOnDataDir(
      dir,
      "ALTER TABLE gridscope_acme.gridscope_histogram_stats_1m DELETE WHERE MetricName = 'quarter.late'",
      { mutations_sync: '2' },
    );
    const exp = 'gridscope_acme.gridscope_exp_histogram_stats_1m';
    const aside = 'gridscope_acme.exp_minutes_aside';
    const fromT0 = `MetricName = 'rollup.exp' AND Minute >= toDateTime(${T0 / 1000})`;
    await sqlOnDataDir(dir, `CREATE TABLE ${aside} AS ${exp}`);
    await sqlOnDataDir(dir, `INSERT INTO ${aside} SELECT * FROM ${exp} WHERE ${fromT0}`);
    await sqlOnDataDir(dir, `ALTER TABLE ${exp} DELETE WHERE ${fromT0}`, { mutations_sync: '2' });
    await sameAsPoints();
    await sqlOnDataDir(dir, `INSERT INTO ${exp} SELECT * FROM ${aside}`);
    await sqlOnDataDir(dir, `DROP TABLE ${aside}`);
  });

  it('reads stored increases of rolled-up quarters and the minutes of the others, as the points', async () => {
    // Series per kind over the hour before T0 and the quarter from it, their runs started
    // before any read here looks back (but d's). a resets within a minute; b is silent for more than an hour
    // before -60 s, so that point starts over; c's point at -2900 s follows one 500 s
    // before, which a read in minutes from -3000 s (5 minutes' lookback) does not scan
    // and one in quarter hours (15) does; e's point at -2650 s follows one before either
    // read's scan, in the first quarter hour the reads could take whole, and so does f's
    // at -400 s, in the last quarter hour whose minutes can follow one before the quarter
    // hours' scan (-3900 s), the next minute after the hour from there; d's run starts
    // within both; g lies before the hour's reads.
    const hist = (s: string, points: [number, number[]][], start = -36_000) =>
      points.map(([sec, counts]) => ({
        ...histogramPoint(sec, start, counts, 0),
        attributes: kv({ s }),
      }));
    const exp = (s: string, points: [number, number, number[]][]) =>
      points.map(([sec, scale, bucketCounts]) => ({
        ...expPoint(sec, -36_000, scale, { offset: 0, bucketCounts }, 0),
        attributes: kv({ s }),
      }));
    const send = (points: { h?: unknown[]; e?: unknown[] }) =>
      sendOtlp([
        resource('worker', [
          ...(points.h
            ? [
                {
                  name: 'stored.hist',
                  histogram: { aggregationTemporality: 2, dataPoints: points.h },
                },
              ]
            : []),
          ...(points.e
            ? [
                {
                  name: 'stored.exp',
                  unit: 's',
                  exponentialHistogram: { aggregationTemporality: 2, dataPoints: points.e },
                },
              ]
            : []),
        ]),
      ]);
    await send({
      h: [
        ...hist('a', [
          [-840, [1, 0, 0, 0]],
          [-600, [2, 1, 0, 0]],
          [-300, [2, 3, 1, 0]],
          [-30, [4, 3, 1, 0]],
          [60, [5, 4, 1, 0]],
          [70, [1, 0, 0, 0]],
          [200, [1, 2, 0, 0]],
        ]),
        ...hist('b', [
          [-4500, [1, 0, 0, 0]],
          [-60, [2, 0, 1, 0]],
          [100, [2, 2, 1, 0]],
        ]),
        ...hist('c', [
          [-3400, [1, 0, 0, 0]],
          [-2900, [3, 1, 0, 0]],
          [-2000, [3, 2, 0, 0]],
        ]),
        ...hist('e', [
          [-3950, [1, 0, 0, 0]],
          [-2650, [2, 1, 0, 0]],
          [-2000, [2, 2, 0, 0]],
        ]),
        ...hist('f', [
          [-3950, [1, 0, 0, 0]],
          [-400, [2, 1, 0, 0]],
          [-100, [3, 1, 1, 0]],
        ]),
        ...hist('g', [
          [-5000, [1, 0, 0, 0]],
          [-4700, [2, 1, 0, 0]],
          [-4400, [3, 2, 1, 0]],
        ]),
        ...hist(
          'd',
          [
            [-2900, [1, 1, 0, 0]],
            [-1000, [2, 1, 0, 0]],
          ],
          -2950,
        ),
      ],
      e: [
        ...exp('a', [
          [-700, 2, [1, 1]],
          [-200, 1, [2, 3]],
          [90, 1, [3, 5]],
        ]),
        ...exp('b', [
          [-4500, 1, [1]],
          [-100, 1, [4, 1]],
          [150, 0, [6, 2]],
        ]),
        ...exp('c', [
          [-3400, 2, [1, 2]],
          [-2900, 2, [2, 2]],
        ]),
        ...exp('e', [
          [-3950, 1, [1]],
          [-2650, 1, [2, 1]],
        ]),
      ],
    });
    const reads: [string, Record<string, string | string[]>][] = [
      ['p50', { metric: 'stored.hist', aggregation: 'p50', groupBy: 's' }],
      ['p90', { metric: 'stored.hist', aggregation: 'p90' }],
      ['exp p50', { metric: 'stored.exp', aggregation: 'p50', groupBy: 's' }],
      ['exp p90', { metric: 'stored.exp', aggregation: 'p90' }],
    ];
    // An hour in minutes and in quarter hours, each the same as 59 minutes read from the
    // points; and three hours in quarter hours, per series but e and f (whose points at
    // -3950 s the longer read scans) and g, the same as the hour in its steps from -2700 s
    // on (the hour's first step holds only its points from -3000 s).
    const minutes = { from: String(at(-3000)), to: String(at(600)), step: '1m' };
    const quarters = { ...minutes, step: '15m' };
    const hours = { ...quarters, from: String(at(600) - 3 * 3_600_000) };
    const from2700 = (r: ApiReply) =>
      (r.body.series as { labels: { s: string }; points: { time: string }[] }[])
        .filter((x) => !['e', 'f', 'g'].includes(x.labels.s))
        .map((x) => ({ ...x, points: x.points.filter((p) => Date.parse(p.time) >= at(-2700)) }));
    const sameAsPoints = async () => {
      for (const [name, q] of reads) {
        for (const long of [minutes, quarters]) {
          const raw = { ...long, to: String(at(600) - 60_000) };
          const want = (await series({ ...q, ...raw })).body.series;
          expect(want.length, name).toBeGreaterThan(0);
          expect((await series({ ...q, ...long })).body.series, `${name} ${long.step}`).toEqual(
            want,
          );
        }
        if (q.groupBy === undefined) continue;
        expect(from2700(await series({ ...q, ...hours })), `${name} 3h`).toEqual(
          from2700(await series({ ...q, ...quarters })),
        );
      }
    };
    const counts = async (s: string, step: string) =>
      values(
        await series({
          metric: 'stored.hist',
          aggregation: 'count',
          attr: `s=${s}`,
          ...minutes,
          step,
        }),
      );
    // Counts read the minute stats (quantiles the increases).
    const gaps = async () => {
      // b starts over at -60 s in either read; c continues at -2900 s only in quarter hours.
      expect((await counts('b', '15m'))[iso(at(-900))]).toBe(0);
      expect((await counts('b', '1m'))[iso(at(-60))]).toBe(0);
      expect((await counts('c', '15m'))[iso(at(-3600))]).toBe(3);
      expect((await counts('c', '1m'))[iso(at(-2940))]).toBe(0);
      // d counts from its start.
      expect((await counts('d', '1m'))[iso(at(-2940))]).toBe(2);
    };
    await gaps();

    const roller = quarterRoller();
    await new Promise((r) => setTimeout(r, 5));
    expect(await roller.pass()).toBe(false);
    const stored = (table: string) =>
      rows<{ c: string }>(
        gs,
        `SELECT count() AS c FROM {db:Identifier}.${table} WHERE MetricName LIKE 'stored.%'`,
        {},
        'acme',
      );
    expect(Number((await stored('gridscope_histogram_increases_1m'))[0]!.c)).toBe(23);
    expect(Number((await stored('gridscope_exp_histogram_increases_1m'))[0]!.c)).toBe(10);
    // One row per series and quarter.
    expect(Number((await stored('gridscope_histogram_increases_15m'))[0]!.c)).toBe(15);
    expect(Number((await stored('gridscope_exp_histogram_increases_15m'))[0]!.c)).toBe(8);

    // The minute stats before T0 set aside (a read finds a metric's type in the minutes of
    // its range): every quarter is rolled up, so the reads take the stored increases alone.
    const aside = async (where: string, run: () => Promise<void>) => {
      for (const table of ['gridscope_histogram_stats_1m', 'gridscope_exp_histogram_stats_1m']) {
        const t = `gridscope_acme.${table}`;
        await sqlOnDataDir(dir, `CREATE TABLE ${t}_aside AS ${t}`);
        await sqlOnDataDir(dir, `INSERT INTO ${t}_aside SELECT * FROM ${t} WHERE ${where}`);
        await sqlOnDataDir(dir, `ALTER TABLE ${t} DELETE WHERE ${where}`, { mutations_sync: '2' });
      }
      await run();
      for (const table of ['gridscope_histogram_stats_1m', 'gridscope_exp_histogram_stats_1m']) {
        const t = `gridscope_acme.${table}`;
        await sqlOnDataDir(dir, `INSERT INTO ${t} SELECT * FROM ${t}_aside`);
        await sqlOnDataDir(dir, `DROP TABLE ${t}_aside`);
      }
    };
    const all = `MetricName LIKE 'stored.%' AND Minute < toDateTime(${T0 / 1000})`;
    await gaps();
    await aside(all, sameAsPoints);
    // Three hours before T0, by series, to compare while the quarter from T0 is read from
    // the minutes.
    const beforeT0 = async () =>
      (
        (await series({ ...reads[0]![1], ...hours })).body.series as {
          labels: object;
          points: { time: string }[];
        }[]
      ).map((x) => ({ ...x, points: x.points.filter((p) => Date.parse(p.time) < T0) }));
    const rolledBeforeT0 = await beforeT0();
    expect(rolledBeforeT0.some((x) => JSON.stringify(x.labels) === '{"s":"g"}')).toBe(true);

    // A late point in the quarter from T0: that quarter reads the minutes again, with the
    // hour before it, and the earlier ones the stored increases (their minutes set aside),
    // until it is rolled up again.
    await send({ h: hist('a', [[300, [2, 2, 0, 0]]]), e: exp('a', [[300, 1, [4, 6]]]) });
    await aside(`${all} AND Minute < toDateTime(${T0 / 1000 - 3600})`, async () => {
      await sameAsPoints();
      expect(await beforeT0()).toEqual(rolledBeforeT0);
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(await roller.pass()).toBe(false);
    await aside(all, sameAsPoints);

    // A late point just before T0 changes what the first minutes from T0 take from before
    // them: until rolled up again, reads take the minutes from its quarter on, and rolling
    // up its quarter rolls up the next ones too.
    await send({ h: hist('a', [[-10, [4, 4, 1, 0]]]), e: exp('a', [[-10, 1, [3, 4]]]) });
    await sameAsPoints();
    await new Promise((r) => setTimeout(r, 5));
    // Rolled up alone, that quarter leaves the next one's increases behind: still read from
    // the minutes.
    await rollQuarter(gs.store, 'acme', T0 - 900_000, 0, () =>
      rollIncreases(gs.store, 'acme', T0 - 900_000),
    );
    expect(await pendingQuarters(gs.store, 'acme', 0)).toEqual([T0]);
    await sameAsPoints();
    expect(await roller.pass()).toBe(false);
    await aside(all, sameAsPoints);
  });

  it('a split read keeps the lowest scale its stored part scanned, when none of that part is in range', async () => {
    // x's first point, at scale 1, lies only in the scan of a read of the hour before T0 and
    // the quarter from T0 (in quarter hours, 15 minutes' lookback); its next points, at scale
    // 3, in the quarter from T0, more than an hour later. Read from the minutes, the answer
    // is at scale 1. Once the quarters before T0 are rolled up and the one from T0 is
    // written again, the read takes the hour from the stored increases, where x has no
    // minute in range, and the quarter from the minutes, whose scan starts an hour before T0.
    const x = (sec: number, scale: number, bucketCounts: number[]) => ({
      ...expPoint(sec, -36_000, scale, { offset: 0, bucketCounts }, 0),
      attributes: kv({ s: 'x' }),
    });
    const send = (name: string, points: unknown[]) =>
      sendOtlp([
        resource('worker', [
          {
            name,
            unit: 's',
            exponentialHistogram: { aggregationTemporality: 2, dataPoints: points },
          },
        ]),
      ]);
    await send('lowest.exp', [x(-4200, 1, [1, 1]), x(120, 3, [1, 1]), x(300, 3, [3, 5])]);
    const read = async () =>
      (
        await series({
          metric: 'lowest.exp',
          aggregation: 'p50',
          from: String(at(-3600)),
          to: String(at(600)),
          step: '15m',
        })
      ).body.series as { points: { time: string; value: number | null }[] }[];
    const fromMinutes = await read();
    expect(fromMinutes).toHaveLength(1);
    const median = fromMinutes[0]!.points.find((p) => p.time === iso(T0))!.value!;
    // Six observations in the scale-1 bucket (1, √2]: the median is its geometric middle.
    // At scale 3 it would be 2^(5/32), a quarter into the second of (1, 2^⅛], (2^⅛, 2^¼].
    expect(median).toBeCloseTo(2 ** (1 / 4), 9);

    await quarterRoller().pass();
    await send('lowest.other', [x(200, 3, [1])]);
    expect(await pendingQuarters(gs.store, 'acme', 0)).toContain(T0);
    const minute = (table: string) =>
      rows<{ c: string }>(
        gs,
        `SELECT count() AS c FROM {db:Identifier}.${table}
          WHERE MetricName = 'lowest.exp' AND Minute < toDateTime(${T0 / 1000})`,
        {},
        'acme',
      );
    expect(Number((await minute('gridscope_exp_histogram_increases_1m'))[0]!.c)).toBe(1);
    expect(await read()).toEqual(fromMinutes);
  });

  it('reads without filter or grouping take exponential histograms pooled across series, as one by one', async () => {
    // Cumulative series every 300 s over five hours, at scales 3 and 2 (b with negative
    // buckets and zeros), and a delta one at scale 1; c's run starts at -6000 s and its
    // first point is at -5300 s: its quarter holds the first point of a run, which reads
    // count differently by whether the run started within them, so it is not pooled. d
    // falls silent for more than an hour before -3000 s, in the same run: the point after
    // is a baseline in every read, and pooled.
    const cumulative = (s: string, scale: number, secs: number[], start = -36_000, neg = false) =>
      secs.map((sec, i) => ({
        ...expPoint(
          sec,
          start,
          scale,
          { offset: 3, bucketCounts: [i + 1, 2 * i, i % 4 === 0 ? i : i - (i % 4)] },
          neg ? i : 0,
          neg ? { offset: 0, bucketCounts: [i, 0, 3 * i] } : undefined,
        ),
        attributes: kv({ s }),
      }));
    const every = (from: number, to: number) =>
      Array.from({ length: Math.floor((to - from) / 300) + 1 }, (_, i) => from + 300 * i);
    const delta = every(-17_950, 800).map((sec, i) => ({
      ...expPoint(sec, sec - 300, 1, { offset: 5, bucketCounts: [i % 3, 1, 2] }, 1),
      attributes: kv({ s: 'delta' }),
    }));
    const metric = (dataPoints: unknown[], temporality = 2) => ({
      name: 'pooled.exp',
      unit: 's',
      exponentialHistogram: { aggregationTemporality: temporality, dataPoints },
    });
    await sendOtlp([
      resource('worker', [
        metric(cumulative('a', 3, every(-18_000, 800))),
        metric(cumulative('c', 3, every(-5300, 800), -6000)),
        metric(delta, 1),
      ]),
      resource('broker', [
        metric(cumulative('b', 2, every(-17_990, 800), -36_000, true)),
        metric(cumulative('d', 3, [...every(-17_980, -10_000), ...every(-3000, 800)])),
      ]),
    ]);
    await quarterRoller().pass();

    // Per quarter, the rows of its newest computation: the pool's groups and the groups left
    // out; and how many rows of earlier ones are left.
    const pools = () =>
      rows<{ q: string; n: string; out: string; stale: string }>(
        gs,
        `SELECT toString(toUnixTimestamp(Minute) - ${T0 / 1000}) AS q,
            toString(sumIf(Groups, Slot = 0 AND RolledAt = newest)) AS n,
            toString(countIf(Slot > 0 AND RolledAt = newest)) AS out,
            toString(countIf(RolledAt < newest)) AS stale
          FROM (
            SELECT *, max(RolledAt) OVER (PARTITION BY Minute) AS newest
            FROM {db:Identifier}.gridscope_exp_histogram_pooled_15m FINAL
            WHERE MetricName = 'pooled.exp' AND Minute >= toDateTime(${T0 / 1000 - 6300})
          )
          GROUP BY Minute ORDER BY Minute`,
        {},
        'acme',
      );
    // A quarter pools a group per series, and per point of the delta series (each point its
    // own start time, three a quarter); c's quarter from -5400 s is left out, in a slot of
    // its own.
    expect(await pools()).toEqual([
      { q: '-6300', n: '5', out: '0', stale: '0' },
      { q: '-5400', n: '5', out: '1', stale: '0' },
      { q: '-4500', n: '6', out: '0', stale: '0' },
      { q: '-3600', n: '7', out: '0', stale: '0' },
      { q: '-2700', n: '7', out: '0', stale: '0' },
      { q: '-1800', n: '7', out: '0', stale: '0' },
      { q: '-900', n: '7', out: '0', stale: '0' },
      { q: '0', n: '7', out: '0', stale: '0' },
    ]);

    const read = (from: number, q: string, attr?: string, step = '15m') =>
      series({
        metric: 'pooled.exp',
        quantile: q,
        from: String(at(from)),
        to: String(at(from === -10_800 ? 0 : 900)),
        step,
        ...(attr === undefined ? {} : { attr }),
      });
    // Reads scanning from before c's start and after it (15 minutes' lookback), each
    // without a filter (pooled) and with one matching every series (one by one); and three
    // hours in hours (an hour's lookback), which take every whole quarter pooled.
    const samePooled = async () => {
      for (const [from, step] of [
        [-15_300, '15m'],
        [-4500, '15m'],
        [-10_800, '1h'],
      ] as const) {
        for (const q of ['0.1', '0.5', '0.9']) {
          const pooled = values(await read(from, q, undefined, step));
          expect(Object.keys(pooled).length, `${from} ${q}`).toBeGreaterThan(2);
          expect(pooled, `${from} ${q}`).toEqual(values(await read(from, q, 's', step)));
        }
      }
    };
    await samePooled();
    // The pools are what the unfiltered reads took: a pool changed in place changes them.
    const before = values(await read(-15_300, '0.5'));
    await sqlOnDataDir(
      dir,
      `INSERT INTO gridscope_acme.gridscope_exp_histogram_pooled_15m
        SELECT * REPLACE (arrayMap(c -> 0, StartedCounts) AS StartedCounts,
          arrayMap(c -> 0, AloneCounts) AS AloneCounts)
        FROM gridscope_acme.gridscope_exp_histogram_pooled_15m FINAL
        WHERE MetricName = 'pooled.exp' AND Minute = toDateTime(${T0 / 1000 - 5400})
          AND Slot = 0`,
    );
    const after = values(await read(-15_300, '0.5'));
    expect(after[iso(at(-5400))]).not.toEqual(before[iso(at(-5400))]);
    expect({ ...after, [iso(at(-5400))]: null }).toEqual({ ...before, [iso(at(-5400))]: null });

    // A late first point of c at -5500 s moves c's left-out quarter to the one before. Its
    // quarter from -5400 s, computed again (its pool changed above too), pools c and fills no
    // slot: the slot filled before stays in the table, and reads leave it out.
    await sendOtlp([resource('worker', [metric(cumulative('c', 3, [-5500], -6000))])]);
    await new Promise((r) => setTimeout(r, 5));
    await quarterRoller().pass();
    expect(await pools()).toEqual([
      { q: '-6300', n: '5', out: '1', stale: '0' },
      { q: '-5400', n: '6', out: '0', stale: '1' },
      { q: '-4500', n: '6', out: '0', stale: '0' },
      { q: '-3600', n: '7', out: '0', stale: '0' },
      { q: '-2700', n: '7', out: '0', stale: '0' },
      { q: '-1800', n: '7', out: '0', stale: '0' },
      { q: '-900', n: '7', out: '0', stale: '0' },
      { q: '0', n: '7', out: '0', stale: '0' },
    ]);
    await samePooled();
    expect(values(await read(-15_300, '0.5'))).not.toEqual(after);
  });

  it('brings each group of an exponential histogram to the lowest scale of its own points', async () => {
    // Delta points of a at scale 1 and of b at scale 0: grouped by host, a's answer is the
    // same as a's alone, at scale 1, from the points, the minute stats and the increases.
    const point = (host: string, sec: number, scale: number, bucketCounts: number[]) => ({
      ...expPoint(sec, sec - 60, scale, { offset: 0, bucketCounts }, 0),
      attributes: kv({ host }),
    });
    await sendOtlp([
      resource('worker', [
        {
          name: 'grouped.exp',
          unit: 's',
          exponentialHistogram: {
            aggregationTemporality: 1,
            dataPoints: [
              point('a', 10, 1, [1, 2, 3]),
              point('a', 70, 1, [2, 2, 1]),
              point('b', 20, 0, [2, 1]),
              point('b', 80, 0, [1, 1]),
            ],
          },
        },
      ]),
    ]);
    const sameAsAlone = async (range: Record<string, string>, what: string) => {
      for (const quantile of ['0.25', '0.5', '0.9']) {
        const q = { metric: 'grouped.exp', quantile, ...range };
        const grouped = await series({ ...q, groupBy: 'host' });
        for (const host of ['a', 'b']) {
          const alone = values(await series({ ...q, attr: `host=${host}` }));
          expect(Object.keys(alone).length, `${what} ${host}`).toBeGreaterThan(0);
          expect(values(grouped, { host }), `${what} ${host} ${quantile}`).toEqual(alone);
        }
      }
    };
    await sameAsAlone(RANGE, 'points');
    await sameAsAlone(LONG, 'minute stats');
    await new Promise((r) => setTimeout(r, 5));
    await quarterRoller().pass();
    await sameAsAlone({ ...LONG, step: '15m' }, 'increases');
  });

  it('reads of an hour or more answer each step as the points do, from the rollups alone', async () => {
    const fromPoints: Record<string, Record<string, number | null>> = {};
    // rpc.latency's runs start 10 minutes before T0: within the hour's scan, before that of
    // RANGE (5 minutes' lookback). Those reads compare with points read from the hour's
    // start, up to its last two minutes (which hold none of them).
    const startInHour = (name: string) =>
      name.startsWith('summary ') && !name.includes('started in range');
    for (const [name, q] of READS) {
      const points = startInHour(name) ? { ...LONG, to: String(at(120)) } : RANGE;
      fromPoints[name] = inRange(await series({ ...q, ...points }));
      expect(Object.keys(fromPoints[name]).length, name).toBeGreaterThan(0);
      const rolled = inRange(await series({ ...q, ...LONG }));
      expect(Object.keys(rolled).sort(), name).toEqual(Object.keys(fromPoints[name]).sort());
      for (const [k, v] of Object.entries(fromPoints[name])) {
        if (v === null) expect(rolled[k], `${name} ${k}`).toBeNull();
        else expect(rolled[k], `${name} ${k}`).toBeCloseTo(v, 9);
      }
    }
    // Without the points, the hour still reads the same from the rollups; the short range,
    // read from the points, is empty.
    for (const table of ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary']) {
      await sqlOnDataDir(dir, `TRUNCATE TABLE gridscope_acme.otel_metrics_${table}`);
    }
    for (const [name, q] of READS) {
      const long = inRange(await series({ ...q, ...LONG }));
      expect(long, name).toEqual(BY_RESOURCE.includes(name) ? {} : fromPoints[name]);
      const short = await series({ ...q, ...RANGE });
      expect(short.status).toBe(200);
      expect(short.body.series, name).toEqual([]);
    }
  });
});
