import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import {
  nanosAgo,
  postOtlp,
  REQUEST_TYPES,
  removeDir,
  startTestServer,
  tempDataDir,
  urls,
} from './harness.js';

const ADMIN = 'platform-admin-key-for-dashboard-tests-0';
const dir = tempDataDir('dashboard-api');
let gs: Gridscope;
let viewer: string;
let call: ReturnType<typeof apiClient>;

const resource = (service: string) => ({
  attributes: [{ key: 'service.name', value: { stringValue: service } }],
});

/** `n` server spans of a service, 60 s ago, `errors` of them failed, each `ms` long. */
function spans(service: string, n: number, errors: number, ms: number): Uint8Array {
  const start = BigInt(nanosAgo(60));
  return REQUEST_TYPES.traces
    .encode(
      REQUEST_TYPES.traces.fromObject({
        resourceSpans: [
          {
            resource: resource(service),
            scopeSpans: [
              {
                spans: Array.from({ length: n }, (_, i) => ({
                  traceId: randomBytes(16),
                  spanId: randomBytes(8),
                  name: 'GET /',
                  kind: 2,
                  startTimeUnixNano: (start + BigInt(i)).toString(),
                  endTimeUnixNano: (start + BigInt(i) + BigInt(ms * 1e6)).toString(),
                  status: { code: i < errors ? 2 : 1 },
                })),
              },
            ],
          },
        ],
      }),
    )
    .finish();
}

/** Log records of a service 30 s ago with the given severity numbers, newest last. */
function logs(service: string, severities: number[]): Uint8Array {
  const start = BigInt(nanosAgo(30));
  return REQUEST_TYPES.logs
    .encode(
      REQUEST_TYPES.logs.fromObject({
        resourceLogs: [
          {
            resource: resource(service),
            scopeLogs: [
              {
                logRecords: severities.map((s, i) => ({
                  timeUnixNano: (start + BigInt(i * 1000)).toString(),
                  severityNumber: s,
                  body: { stringValue: `record ${i} of ${service}` },
                })),
              },
            ],
          },
        ],
      }),
    )
    .finish();
}

/** `n` gauge points 20 s ago. */
function gauge(n: number): Uint8Array {
  const t = BigInt(nanosAgo(20));
  return REQUEST_TYPES.metrics
    .encode(
      REQUEST_TYPES.metrics.fromObject({
        resourceMetrics: [
          {
            resource: resource('meter'),
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'queue.depth',
                    gauge: {
                      dataPoints: Array.from({ length: n }, (_, i) => ({
                        timeUnixNano: (t + BigInt(i)).toString(),
                        asDouble: i,
                      })),
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
    .finish();
}

beforeAll(async () => {
  gs = await startTestServer(dir, { 'bootstrap-admin-key': ADMIN });
  call = apiClient(urls(gs).ops);
  const proto = { 'content-type': 'application/x-protobuf' };
  const sends: [string, Uint8Array][] = [
    ['traces', spans('auth', 10, 5, 20)],
    ['traces', spans('bids', 20, 2, 300)],
    ['traces', spans('quotes', 30, 0, 50)],
    ['logs', logs('bids', [9, 17, 13, 21, 17])],
    ['logs', logs('auth', [17, 5])],
    ['metrics', gauge(12)],
  ];
  for (const [signal, body] of sends) {
    const r = await postOtlp(gs, signal as 'logs', body, proto);
    expect(r.status, signal).toBe(200);
  }
  viewer = (
    await call('POST', '/api/v1/orgs/default/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    })
  ).body.key;
}, 60_000);

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

describe('dashboard', () => {
  it('gives ingest rates, top services and recent error logs in one call', async () => {
    const r = await call('GET', '/api/v1/monitoring/dashboard', { key: viewer });
    expect(r.status).toBe(200);
    expect(r.body.ingest).toEqual({
      windowSeconds: 300,
      spansPerSecond: 60 / 300,
      logRecordsPerSecond: 7 / 300,
      metricPointsPerSecond: 12 / 300,
    });
    expect(
      r.body.topServicesByErrorRate.map((s: { service: string; errorRate: number }) => [
        s.service,
        s.errorRate,
      ]),
    ).toEqual([
      ['auth', 0.5],
      ['bids', 0.1],
    ]);
    expect(r.body.topServicesByLatency.map((s: { service: string }) => s.service)).toEqual([
      'bids',
      'quotes',
      'auth',
    ]);
    const errors = r.body.recentErrorLogs.map(
      (l: { serviceName: string; severityNumber: number }) => [l.serviceName, l.severityNumber],
    );
    expect(errors).toHaveLength(4);
    expect(errors.every(([, s]: [string, number]) => s >= 17)).toBe(true);
    expect(errors.filter(([svc]: [string]) => svc === 'bids')).toHaveLength(3);
  });

  it('refuses a time that is not one with a 400 naming it in details', async () => {
    const r = await call('GET', '/api/v1/monitoring/dashboard?from=yesterday', { key: viewer });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      { location: 'query', field: 'from', message: expect.stringMatching(/^not a time: /) },
    ]);
  });

  it("shows another organization nothing of this one's", async () => {
    await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'other', name: 'Other' } });
    const k = await call('POST', '/api/v1/orgs/other/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    });
    const r = await call('GET', '/api/v1/monitoring/dashboard', { key: k.body.key });
    expect(r.body.ingest).toMatchObject({
      spansPerSecond: 0,
      logRecordsPerSecond: 0,
      metricPointsPerSecond: 0,
    });
    expect(r.body.topServicesByErrorRate).toEqual([]);
    expect(r.body.recentErrorLogs).toEqual([]);
  });
});
