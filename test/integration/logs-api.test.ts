/**
 * The log reads of the REST API against the real engine: records sent over OTLP (hand-made
 * OTLP/JSON with exact times, and the official OpenTelemetry exporter) come back exactly as
 * a filter computed independently here says, newest first, page after page, and one
 * organization's viewer never sees another's records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import { nanosToIso } from '../../src/lib/nanos.js';
import { searchLogs } from '../../src/query/logs/search-logs.js';
import type { LogPage } from '../../src/query/logs/schemas.js';
import type { Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import { openClient } from '../../src/store/client.js';
import { migrate } from '../../src/store/migrations.js';
import {
  count,
  postOtlp,
  removeDir,
  sqlOnDataDir,
  startTestServer,
  tempDataDir,
  urls,
} from './harness.js';
import { exportLogs } from './otel-exporters.js';
import { hrNanos, makeLogs } from './telemetry.js';

const ADMIN = 'platform-admin-key-for-logs-tests-0123456789';
const dir = tempDataDir('logs-api');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
const keys: Record<string, string> = {};

/** A record as this test sent it. */
interface Sent {
  /** LogAttributes.seq; unique except for the identical duplicates. */
  seq: string;
  nanos: bigint;
  service: string;
  sevNum: number;
  sevText: string;
  body: string;
  attrs: Record<string, string>;
  res: Record<string, string>;
  traceId: string;
  spanId: string;
}

const NS = 1_000_000_000n;
/** Start of the data: a whole minute, 20 minutes ago. */
const BASE_SEC = Math.floor(Date.now() / 60_000) * 60 - 20 * 60;
const FROM_MS = BASE_SEC * 1000;
const TO_MS = FROM_MS + 600_000;
const RANGE = `from=${FROM_MS}&to=${TO_MS}`;
const TRACE_A = '5b8efff798038103d269b633813fc60c';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';
/** The instant shared by the equal-timestamp group and by the identical duplicates. */
const TIE_NANOS = BigInt(BASE_SEC + 300) * NS + 555_555_555n;
const DUP_NANOS = BigInt(BASE_SEC + 420) * NS + 1n;

const SERVICES = ['checkout', 'payments', 'billing api'];
const SEVERITIES: [number, string][] = [
  [1, 'TRACE'],
  [5, 'DEBUG'],
  [9, 'INFO'],
  [10, 'INFO2'],
  [13, 'WARN'],
  [17, 'ERROR'],
  [21, 'FATAL'],
  [0, 'WARNING'],
  [0, ' Error '],
  [0, 'critical'],
  [0, 'custom'],
  [0, ''],
  [24, 'FATAL4'],
  [16, ''],
];
const BODIES = [
  'Order 17 accepted',
  'order book lagging by 3 ticks',
  'REORDER queue drained',
  "payment declined: can't reach bank",
  'ÜBER limit exceeded for Ärger',
  'cache miss on key user:42',
  "literal ' OR 1=1 -- text",
  'heartbeat',
  'ΣΦΑΛΜΑ ΣΥΝΔΕΣΗΣ: ΜΗ ΕΓΚΥΡΟ ΑΙΤΗΜΑ',
];
const MARKETS = ['EPEX', 'NordPool', undefined, 'epex-spot', 'ΜΗΤΡΩΟ', 'NordPool', undefined];

/** 40 varied records, a group of 7 with one timestamp, and 3 identical records. */
function makeData(): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < 40; i++) {
    const [sevNum, sevText] = SEVERITIES[i % SEVERITIES.length]!;
    const market = MARKETS[i % MARKETS.length];
    const attrs: Record<string, string> = { seq: `s${i}` };
    if (market) attrs.market = market;
    if (i % 5 === 0) attrs.retries = String(i % 3);
    out.push({
      seq: `s${i}`,
      nanos: BigInt(BASE_SEC + i * 13) * NS + BigInt((i * 7_919_113) % 1_000_000_000),
      service: SERVICES[i % SERVICES.length]!,
      sevNum,
      sevText,
      body: BODIES[i % BODIES.length]!,
      attrs,
      res: { 'deployment.environment.name': i % 2 === 0 ? 'prod' : 'staging' },
      traceId: i % 6 === 0 ? TRACE_A : i % 6 === 1 ? TRACE_B : '',
      spanId: i % 6 < 2 ? `00f067aa0ba902${String(i).padStart(2, '0')}` : '',
    });
  }
  for (let j = 0; j < 7; j++) {
    const [sevNum, sevText] = SEVERITIES[(j * 3) % SEVERITIES.length]!;
    out.push({
      seq: `t${j}`,
      nanos: TIE_NANOS,
      service: SERVICES[j % SERVICES.length]!,
      sevNum,
      sevText,
      body: `tie ${j} ${BODIES[j]!}`,
      attrs: { seq: `t${j}`, market: 'EPEX' },
      res: { 'deployment.environment.name': 'prod' },
      traceId: '',
      spanId: '',
    });
  }
  for (let j = 0; j < 3; j++) {
    out.push({
      seq: 'dup',
      nanos: DUP_NANOS,
      service: 'checkout',
      sevNum: 17,
      sevText: 'ERROR',
      body: 'duplicate order failure',
      attrs: { seq: 'dup' },
      res: { 'deployment.environment.name': 'prod' },
      traceId: '',
      spanId: '',
    });
  }
  return out;
}

const str = (stringValue: string) => ({ stringValue });
const kv = (m: Record<string, string>) =>
  Object.entries(m).map(([key, v]) => ({ key, value: str(v) }));

/** An OTLP/JSON logs request, one ResourceLogs per record. */
function otlpJson(records: readonly Sent[]): string {
  return JSON.stringify({
    resourceLogs: records.map((r) => ({
      resource: { attributes: kv({ 'service.name': r.service, ...r.res }) },
      scopeLogs: [
        {
          scope: { name: 'logs-api-test', version: '1.0.0' },
          logRecords: [
            {
              timeUnixNano: r.nanos.toString(),
              observedTimeUnixNano: (r.nanos + 1000n).toString(),
              severityNumber: r.sevNum,
              severityText: r.sevText,
              body: str(r.body),
              attributes: kv(r.attrs),
              traceId: r.traceId,
              spanId: r.spanId,
              flags: r.traceId ? 1 : 0,
            },
          ],
        },
      ],
    })),
  });
}

async function send(records: readonly Sent[], ingestKey: string): Promise<void> {
  const res = await postOtlp(gs, 'logs', otlpJson(records), {
    'content-type': 'application/json',
    authorization: `Bearer ${ingestKey}`,
  });
  expect(res.status).toBe(200);
  expect(await res.text()).not.toContain('rejected');
}

// --- The rules the API must follow, written here independently of the server. ---

/** Severity texts this test's data uses, for records without a number. */
const TEXT_SEVERITY: Record<string, number> = { warning: 13, error: 17, critical: 21 };
function effectiveSeverity(r: Sent): number {
  return r.sevNum > 0 ? r.sevNum : (TEXT_SEVERITY[r.sevText.trim().toLowerCase()] ?? 0);
}
function level(n: number): string {
  if (n === 0) return 'unknown';
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'][Math.floor((n - 1) / 4)]!;
}
const inRange = (r: Sent) =>
  r.nanos >= BigInt(FROM_MS) * 1_000_000n && r.nanos < BigInt(TO_MS) * 1_000_000n;

const data = makeData();
const rivalData: Sent[] = [0, 1, 2].map((i) => ({
  ...data[i]!,
  seq: `rival${i}`,
  attrs: { seq: `rival${i}`, market: 'EPEX' },
}));

/**
 * Expected histogram buckets of `step` seconds over [fromMs, toMs) for the records of
 * `records` matching `keep`, aligned to the epoch.
 */
function expectedBuckets(
  step: number,
  keep: (r: Sent) => boolean,
  fromMs = FROM_MS,
  toMs = TO_MS,
  records: readonly Sent[] = data,
) {
  const first = Math.floor(Math.floor(fromMs / 1000) / step) * step;
  const last = Math.floor(Math.floor((toMs - 1) / 1000) / step) * step;
  const inside = (r: Sent) =>
    r.nanos >= BigInt(fromMs) * 1_000_000n && r.nanos < BigInt(toMs) * 1_000_000n;
  const out = [];
  for (let t = first; t <= last; t += step) {
    const counts: Record<string, number> = {
      trace: 0,
      debug: 0,
      info: 0,
      warn: 0,
      error: 0,
      fatal: 0,
      unknown: 0,
    };
    const inBucket = records.filter(
      (r) => inside(r) && keep(r) && Number(r.nanos / NS) >= t && Number(r.nanos / NS) < t + step,
    );
    for (const r of inBucket) {
      const l = level(effectiveSeverity(r));
      counts[l] = (counts[l] ?? 0) + 1;
    }
    out.push({ time: new Date(t * 1000).toISOString(), counts, total: inBucket.length });
  }
  return out;
}

/** The histogram's buckets for a query, checked to answer 200. */
async function histogram(query: string, key = keys.viewer) {
  const r = await call('GET', `/api/v1/monitoring/logs/histogram?${query}`, { key });
  expect(r.status, r.text).toBe(200);
  return r.body.buckets as any[];
}

/** Every record of the API's range (a viewer of acme) across all pages of `limit`. */
async function fetchAll(query: string, limit = 1000, key = keys.viewer) {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const c: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const r = await call('GET', `/api/v1/monitoring/logs?${query}&limit=${limit}${c}`, { key });
    expect(r.status, r.text).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor !== null);
  return { items, pages };
}

/** The API returned exactly `expected`, newest first. */
function expectRecords(items: any[], expected: readonly Sent[]): void {
  const times = items.map((i) => BigInt(i.timeUnixNano));
  for (let i = 1; i < times.length; i++) expect(times[i]! <= times[i - 1]!).toBe(true);
  const want = [...expected].sort((a, b) => (a.nanos < b.nanos ? 1 : a.nanos > b.nanos ? -1 : 0));
  expect(items.map((i) => i.timeUnixNano)).toEqual(want.map((r) => r.nanos.toString()));
  expect(items.map((i) => i.attributes.seq).sort()).toEqual(want.map((r) => r.seq).sort());
}

async function search(query: string, key = keys.viewer) {
  const r = await call('GET', `/api/v1/monitoring/logs?${RANGE}&limit=1000&${query}`, { key });
  expect(r.status, r.text).toBe(200);
  expect(r.body.nextCursor).toBeNull();
  return r.body.items as any[];
}

beforeAll(async () => {
  gs = await startTestServer(dir, { 'bootstrap-admin-key': ADMIN });
  call = apiClient(urls(gs).ops);
  for (const org of ['acme', 'rival']) {
    const created = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: org, name: org },
    });
    expect(created.status).toBe(201);
    for (const role of ['viewer', 'ingest']) {
      const k = await call('POST', `/api/v1/orgs/${org}/api-keys`, {
        key: ADMIN,
        body: { name: `${org} ${role}`, role },
      });
      expect(k.status).toBe(201);
      keys[org === 'acme' ? role : `rival-${role}`] = k.body.key;
    }
  }
  await send(data, keys.ingest!);
  await send(rivalData, keys['rival-ingest']!);
}, 120_000);

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

describe('GET /api/v1/monitoring/logs', () => {
  it('returns every record of the range, newest first, with its fields', async () => {
    expect(await count(gs, 'otel_logs', 'acme')).toBe(data.length);
    const { items, pages } = await fetchAll(RANGE);
    expect(pages).toBe(1);
    expectRecords(items, data.filter(inRange));

    const sent = data[6]!; // checkout, FATAL, trace A, prod, no market, no retries
    const got = items.find((i) => i.attributes.seq === 's6');
    const sec = sent.nanos / NS;
    const frac = (sent.nanos % NS).toString().padStart(9, '0');
    expect(got).toEqual({
      timestamp: new Date(Number(sec) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`),
      timeUnixNano: sent.nanos.toString(),
      observedTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/),
      observedTimeUnixNano: (sent.nanos + 1000n).toString(),
      traceId: TRACE_A,
      spanId: '00f067aa0ba90206',
      traceFlags: 1,
      flags: 1,
      severityText: 'FATAL',
      severityNumber: 21,
      severityLevel: 'fatal',
      serviceName: 'checkout',
      body: "literal ' OR 1=1 -- text",
      bodyType: 'string',
      eventName: '',
      attributes: { seq: 's6' },
      resourceAttributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod' },
      resourceSchemaUrl: '',
      scopeName: 'logs-api-test',
      scopeVersion: '1.0.0',
      scopeAttributes: {},
      scopeSchemaUrl: '',
      droppedAttributesCount: 0,
    });
    // A record without a number takes the level of its text.
    const byText = items.find((i) => i.attributes.seq === 's8');
    expect(byText).toMatchObject({
      severityNumber: 0,
      severityText: ' Error ',
      severityLevel: 'error',
    });
    expect(items.find((i) => i.attributes.seq === 's10').severityLevel).toBe('unknown');
  });

  it.each([1, 2, 3, 7, 10])(
    'pages of %i cover every record once, across equal timestamps and identical records',
    async (limit) => {
      const all = data.filter(inRange);
      const { items, pages } = await fetchAll(RANGE, limit);
      expect(pages).toBe(Math.ceil(all.length / limit));
      expectRecords(items, all);
      // The equal-timestamp group and the identical duplicates, once each.
      expect(items.filter((i) => i.timeUnixNano === TIE_NANOS.toString())).toHaveLength(7);
      expect(items.filter((i) => i.attributes.seq === 'dup')).toHaveLength(3);
    },
  );

  it('ends a page at its byte limit, with a cursor to the rest', async () => {
    const WHOLE = { range: { fromMs: FROM_MS, toMs: TO_MS }, services: [], attributes: [] };
    // Pages of at most a few records' bytes, through the equal-timestamp group and the
    // identical duplicates too: every record once, in order.
    // At 1 byte every page holds one record: the last page's record, read again to pass
    // over it, must not count against the next.
    for (const maxBytes of [600, 1]) {
      const items: LogPage['items'] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page: LogPage = await searchLogs(
          gs.store,
          'acme',
          { ...WHOLE, limit: 1000, cursor, maxBytes },
          {},
        );
        expect(page.items.length).toBeGreaterThan(0);
        // (Identical copies of the record at the cursor come along with it: three here.)
        expect(page.items.length).toBeLessThanOrEqual(maxBytes === 1 ? 3 : 20);
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined && pages < 200);
      expect(pages).toBeGreaterThan(3);
      expectRecords(items, data.filter(inRange));
    }
    // A record larger than the limit is a page of its own, not a page without records.
    const one = await searchLogs(gs.store, 'acme', { ...WHOLE, limit: 1000, maxBytes: 1 }, {});
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).not.toBeNull();
  });

  it('pages within the equal-timestamp group alone', async () => {
    const tie = data.filter((r) => r.nanos === TIE_NANOS);
    const { items, pages } = await fetchAll(`${RANGE}&attr=seq~=t`, 2);
    expect(pages).toBe(4);
    expectRecords(items, tie);
  });

  it('continues from a cursor used with other filters without passing over any record', async () => {
    // The cursor stands after two of the three identical records; with other filters no
    // record is at its position, and every older one is still listed.
    const first = await call('GET', `/api/v1/monitoring/logs?${RANGE}&attr=seq=dup&limit=2`, {
      key: keys.viewer,
    });
    expect(first.status, first.text).toBe(200);
    const cursor = encodeURIComponent(first.body.nextCursor as string);
    const older = (r: Sent) => inRange(r) && r.nanos < DUP_NANOS;
    for (const [filter, match] of [
      ['service=payments', (r: Sent) => r.service === 'payments'],
      ['attr=seq=dup', (r: Sent) => r.seq === 'dup'],
    ] as const) {
      const r = await call(
        'GET',
        `/api/v1/monitoring/logs?${RANGE}&${filter}&limit=1000&cursor=${cursor}`,
        { key: keys.viewer },
      );
      expect(r.status, r.text).toBe(200);
      const want = data.filter((d) => match(d) && (older(d) || d.seq === 'dup'));
      expectRecords(r.body.items, filter === 'attr=seq=dup' ? want.slice(2) : want);
    }
  });

  it('filters by one or several services', async () => {
    expectRecords(
      await search('service=checkout'),
      data.filter((r) => inRange(r) && r.service === 'checkout'),
    );
    expectRecords(
      await search(`service=payments&service=${encodeURIComponent('billing api')}`),
      data.filter((r) => inRange(r) && r.service !== 'checkout'),
    );
    expect(await search('service=no-such-service')).toEqual([]);
  });

  it.each([
    ['trace', 1],
    ['debug', 5],
    ['info', 9],
    ['warn', 13],
    ['WARN', 13],
    ['Error', 17],
    ['fatal', 21],
    ['1', 1],
    ['10', 10],
    ['13', 13],
    ['17', 17],
    ['24', 24],
  ])(
    'severity=%s keeps records of severity number %i and above, texts included',
    async (s, min) => {
      const want = data.filter((r) => inRange(r) && effectiveSeverity(r) >= min);
      expect(want.some((r) => r.sevNum === 0)).toBe(min <= 21);
      expectRecords(await search(`severity=${s}`), want);
    },
  );

  it.each([
    ['ord', (b: string) => /ord/i.test(b)],
    ['ORDER', (b: string) => /order/i.test(b)],
    ['order book', (b: string) => b.toLowerCase().includes('order book')],
    ['über', (b: string) => b.includes('ÜBER')],
    ['ärger', (b: string) => b.includes('Ärger')],
    ["can't", (b: string) => b.includes("can't")],
    // Letters with more than two case forms (ι, μ; σ and the final ς) among others.
    ['αιτημα', (b: string) => b.includes('ΑΙΤΗΜΑ')],
    ['μη εγκυρο', (b: string) => b.includes('ΜΗ ΕΓΚΥΡΟ')],
    ['συνδεσης', (b: string) => b.includes('ΣΥΝΔΕΣΗΣ')],
    ['σφαλμα σ', (b: string) => b.includes('ΣΦΑΛΜΑ Σ')],
    ["' OR 1=1 --", (b: string) => b.includes("' OR 1=1 --")],
    ['user:42', (b: string) => b.includes('user:42')],
    ['%', () => false],
    ['nothing-like-this', () => false],
  ])('q=%s matches bodies containing it, case-insensitively', async (q, match) => {
    const want = data.filter((r) => inRange(r) && match(r.body));
    if (q !== '%' && q !== 'nothing-like-this') expect(want.length).toBeGreaterThan(0);
    expectRecords(await search(`q=${encodeURIComponent(q)}`), want);
  });

  it('q matches a substring inside a word, not only whole tokens', async () => {
    const items = await search('q=eord');
    expect(items.map((i) => i.body)).toContain('REORDER queue drained');
    expect(items.every((i) => /eord/i.test(i.body))).toBe(true);
  });

  it.each([
    ['market=EPEX', (r: Sent) => r.attrs.market === 'EPEX'],
    ['market!=EPEX', (r: Sent) => r.attrs.market !== 'EPEX'],
    ['market~=epex', (r: Sent) => (r.attrs.market ?? '').toLowerCase().includes('epex')],
    ['market~=μητρ', (r: Sent) => r.attrs.market === 'ΜΗΤΡΩΟ'],
    ['retries', (r: Sent) => 'retries' in r.attrs],
    ['retries=0', (r: Sent) => r.attrs.retries === '0'],
    [
      'resource.deployment.environment.name=staging',
      (r: Sent) => r.res['deployment.environment.name'] === 'staging',
    ],
    ['resource.service.name=payments', (r: Sent) => r.service === 'payments'],
    ['resource.host.name', () => false],
  ])('attr=%s keeps exactly the matching records', async (attr, match) => {
    expectRecords(
      await search(`attr=${encodeURIComponent(attr)}`),
      data.filter((r) => inRange(r) && match(r)),
    );
  });

  it('combines every filter with AND', async () => {
    const want = data.filter(
      (r) =>
        inRange(r) &&
        r.service === 'checkout' &&
        effectiveSeverity(r) >= 9 &&
        /ord/i.test(r.body) &&
        r.attrs.market !== 'NordPool' &&
        r.res['deployment.environment.name'] === 'prod',
    );
    expect(want.length).toBeGreaterThan(1);
    const q = [
      'service=checkout',
      'severity=info',
      'q=ORD',
      `attr=${encodeURIComponent('market!=NordPool')}`,
      `attr=${encodeURIComponent('resource.deployment.environment.name=prod')}`,
    ].join('&');
    expectRecords(await search(q), want);
  });

  it('filters by trace id, in either case', async () => {
    const want = data.filter((r) => inRange(r) && r.traceId === TRACE_A);
    expect(want.length).toBeGreaterThan(2);
    expectRecords(await search(`traceId=${TRACE_A}`), want);
    expectRecords(await search(`traceId=${TRACE_A.toUpperCase()}`), want);
    expect(await search(`traceId=${'1'.repeat(32)}`)).toEqual([]);
  });

  it('keeps to the time range, the end excluded', async () => {
    const from = BigInt(BASE_SEC + 100) * NS;
    const to = BigInt(BASE_SEC + 300) * NS + 555_555_555n; // the equal-timestamp group's instant
    // Millisecond bounds: from 100 s, to the tie instant rounded down to the millisecond.
    const toMs = Number(to / 1_000_000n);
    const r = await call(
      'GET',
      `/api/v1/monitoring/logs?from=${Number(from / 1_000_000n)}&to=${toMs}&limit=1000`,
      { key: keys.viewer },
    );
    expect(r.status).toBe(200);
    expectRecords(
      r.body.items,
      data.filter((x) => x.nanos >= from && x.nanos < BigInt(toMs) * 1_000_000n),
    );
    const iso = await call(
      'GET',
      `/api/v1/monitoring/logs?from=${new Date(FROM_MS).toISOString()}&to=${new Date(TO_MS).toISOString()}&limit=1000`,
      { key: keys.viewer },
    );
    expectRecords(iso.body.items, data.filter(inRange));
  });

  it('returns what the official OpenTelemetry exporter sent, exactly', async () => {
    const logs = await makeLogs('exporter-logs');
    const result = await exportLogs('http/protobuf', urls(gs), logs, { token: keys.ingest });
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    const r = await call('GET', '/api/v1/monitoring/logs?from=now-2h&service=exporter-logs', {
      key: keys.viewer,
    });
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: any) => i.timeUnixNano)).toEqual(
      logs.map((l) => hrNanos(l.hrTime)).reverse(),
    );
    const [int, map, text] = r.body.items;
    expect(text).toMatchObject({
      body: 'order book\tlagging\nby 3 ticks',
      bodyType: 'string',
      severityText: 'WARN',
      severityNumber: 13,
      severityLevel: 'warn',
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      traceFlags: 1,
      attributes: { market: 'EPEX', retries: '3', ratio: '0.25', ok: 'true' },
      resourceAttributes: { 'service.name': 'exporter-logs', 'host.name': 'node-1' },
      scopeName: 'gridscope.test.logs',
      scopeVersion: '0.9.0',
      observedTimeUnixNano: hrNanos(logs[0]!.hrTimeObserved),
    });
    expect(map).toMatchObject({
      bodyType: 'map',
      eventName: 'order.rejected',
      severityLevel: 'error',
    });
    expect(JSON.parse(map.body)).toEqual({
      order: 'A-1',
      quantities: [1, 2],
      nested: { ok: false },
    });
    expect(int).toMatchObject({ body: '12345', bodyType: 'int', severityLevel: 'info' });
    // A body with a tab and a newline is found by a word next to them.
    const found = await call(
      'GET',
      '/api/v1/monitoring/logs?from=now-2h&service=exporter-logs&q=LAGGING',
      { key: keys.viewer },
    );
    expect(found.body.items.map((i: any) => i.body)).toEqual([text.body]);
  });
  it('keeps to range bounds finer than a millisecond', async () => {
    const sent = data.find((r) => r.seq === 's6')!;
    expect(sent.nanos % 1_000_000n).not.toBe(0n);
    const at = (n: bigint) => encodeURIComponent(nanosToIso(n.toString()));
    const seqs = async (from: bigint, to: bigint) => {
      const r = await call('GET', `/api/v1/monitoring/logs?from=${at(from)}&to=${at(to)}`, {
        key: keys.viewer,
      });
      expect(r.status, r.text).toBe(200);
      return r.body.items.map((i: any) => i.attributes.seq);
    };
    const second = 1_000_000_000n;
    expect(await seqs(sent.nanos, sent.nanos + 1n)).toEqual(['s6']);
    expect(await seqs(sent.nanos + 1n, sent.nanos + second)).toEqual([]);
    expect(await seqs(sent.nanos - second, sent.nanos)).toEqual([]);
    // The histogram counts the whole milliseconds around such bounds, as it answers.
    for (const q of ['', '&q=e']) {
      const h = await call(
        'GET',
        `/api/v1/monitoring/logs/histogram?from=${at(sent.nanos + 1n)}&to=${at(sent.nanos + 2n)}&step=1m${q}`,
        { key: keys.viewer },
      );
      expect(h.status, h.text).toBe(200);
      expect(Date.parse(h.body.to) - Date.parse(h.body.from)).toBe(1);
      expect(
        h.body.buckets.reduce((n: number, b: any) => n + b.total, 0),
        q,
      ).toBe(1);
    }
  });
});

describe('GET /api/v1/monitoring/logs/histogram', () => {
  it('counts records per minute and severity level, empty minutes included', async () => {
    const r = await call('GET', `/api/v1/monitoring/logs/histogram?${RANGE}&step=1m`, {
      key: keys.viewer,
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      from: new Date(FROM_MS).toISOString(),
      to: new Date(TO_MS).toISOString(),
      step: '1m',
      stepSeconds: 60,
      buckets: expectedBuckets(60, () => true),
    });
    expect(r.body.buckets).toHaveLength(10);
    const total = r.body.buckets.reduce((n: number, b: any) => n + b.total, 0);
    expect(total).toBe(data.filter(inRange).length);
  });

  it('aligns buckets to the epoch and applies the filters of the search', async () => {
    const q = `service=checkout&severity=warn&q=order&attr=${encodeURIComponent('resource.deployment.environment.name=prod')}`;
    const r = await call('GET', `/api/v1/monitoring/logs/histogram?${RANGE}&step=90&${q}`, {
      key: keys.viewer,
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.step).toBe('90s');
    const keep = (x: Sent) =>
      x.service === 'checkout' &&
      effectiveSeverity(x) >= 13 &&
      /order/i.test(x.body) &&
      x.res['deployment.environment.name'] === 'prod';
    expect(r.body.buckets).toEqual(expectedBuckets(90, keep));
    expect(r.body.buckets.some((b: any) => b.total > 0)).toBe(true);
  });

  /** A range whose ends cut minutes that hold records both inside and outside it. */
  const EDGE_FROM = FROM_MS + 30_500;
  const EDGE_TO = FROM_MS + 500_250;

  it('counts exactly over ranges with partial minutes, through the rollup and through the records', async () => {
    // Records just outside both ends, in the minutes the ends cut: reading whole minutes
    // there would count them.
    expect(
      data.some(
        (r) => r.nanos < BigInt(EDGE_FROM) * 1_000_000n && r.nanos >= BigInt(FROM_MS) * 1_000_000n,
      ),
    ).toBe(true);
    expect(
      data.some(
        (r) =>
          r.nanos >= BigInt(EDGE_TO) * 1_000_000n &&
          r.nanos < BigInt(FROM_MS + 540_000) * 1_000_000n,
      ),
    ).toBe(true);
    const range = `from=${EDGE_FROM}&to=${EDGE_TO}`;
    const cases: [string, number, (r: Sent) => boolean][] = [
      // Whole-minute steps without text, attribute or trace filters: rollup and edges.
      ['step=1m', 60, () => true],
      ['step=2m', 120, () => true],
      ['step=5m&service=checkout&service=payments', 300, (r) => r.service !== 'billing api'],
      ['step=1m&severity=warn', 60, (r) => effectiveSeverity(r) >= 13],
      [
        'step=1m&severity=error&service=payments',
        60,
        (r) => effectiveSeverity(r) >= 17 && r.service === 'payments',
      ],
      // The records alone: a step that splits minutes, or a filter the rollup cannot answer.
      ['step=30s', 30, () => true],
      ['step=1m&q=ORD', 60, (r) => /ord/i.test(r.body)],
      [`step=1m&attr=${encodeURIComponent('market=EPEX')}`, 60, (r) => r.attrs.market === 'EPEX'],
      [
        `step=1m&severity=warn&traceId=${TRACE_A}`,
        60,
        (r) => effectiveSeverity(r) >= 13 && r.traceId === TRACE_A,
      ],
    ];
    for (const [query, step, keep] of cases) {
      const want = expectedBuckets(step, keep, EDGE_FROM, EDGE_TO);
      expect(
        want.some((b) => b.total > 0),
        query,
      ).toBe(true);
      expect(await histogram(`${range}&${query}`), query).toEqual(want);
    }
    // Severity by text alone counts in the rollup's answers too.
    const byText = expectedBuckets(
      60,
      (r) => r.sevNum === 0 && effectiveSeverity(r) >= 13,
      EDGE_FROM,
      EDGE_TO,
    );
    expect(byText.reduce((n, b) => n + b.total, 0)).toBeGreaterThan(2);
  });

  it('chooses a step giving at most 120 buckets by default', async () => {
    const r = await call('GET', `/api/v1/monitoring/logs/histogram?${RANGE}`, { key: keys.viewer });
    expect(r.status).toBe(200);
    expect(r.body.step).toBe('5s');
    expect(r.body.buckets).toEqual(expectedBuckets(5, () => true));
    expect(r.body.buckets).toHaveLength(120);
    const day = await call('GET', '/api/v1/monitoring/logs/histogram?from=now-1d', {
      key: keys.viewer,
    });
    expect(day.body.step).toBe('15m');
    expect(day.body.buckets.length).toBeLessThanOrEqual(120);
  });

  it('refuses a step that makes more than 2000 buckets, or is not a step', async () => {
    const hour = `from=${FROM_MS}&to=${FROM_MS + 3_600_000}`;
    const fine = await call('GET', `/api/v1/monitoring/logs/histogram?${hour}&step=1s`, {
      key: keys.viewer,
    });
    expect(fine.status).toBe(400);
    expect(fine.body.error.message).toMatch(/^query step: 1s makes 3600 buckets/);
    for (const step of ['0', '-5m', '5x', '1.5m', "1m'", '5m;DROP', '400d']) {
      const r = await call(
        'GET',
        `/api/v1/monitoring/logs/histogram?${RANGE}&step=${encodeURIComponent(step)}`,
        { key: keys.viewer },
      );
      expect(r.status, step).toBe(400);
      expect(r.body.error.message, step).toMatch(/^query step: /);
      expect(r.body.error.details, step).toEqual([
        { location: 'query', field: 'step', message: expect.any(String) },
      ]);
    }
  });
});

describe('organizations', () => {
  it("a viewer of another organization sees none of this one's logs", async () => {
    const all = await fetchAll(`${RANGE}`, 1000, keys['rival-viewer']);
    expectRecords(all.items, rivalData);
    const h = await call('GET', `/api/v1/monitoring/logs/histogram?${RANGE}&step=10m`, {
      key: keys['rival-viewer'],
    });
    expect(h.status).toBe(200);
    expect(h.body.buckets.reduce((n: number, b: any) => n + b.total, 0)).toBe(rivalData.length);
    const mine = await fetchAll(RANGE, 1000, keys.viewer);
    expect(mine.items.some((i) => i.attributes.seq.startsWith('rival'))).toBe(false);
    const crossing = await call('GET', `/api/v1/monitoring/logs?${RANGE}`, {
      key: keys['rival-viewer'],
      headers: { 'x-gridscope-org': 'acme' },
    });
    expect(crossing.status).toBe(403);
  });

  it('an ingest key cannot read, and no key is unauthorized', async () => {
    expect((await call('GET', '/api/v1/monitoring/logs', { key: keys.ingest })).status).toBe(403);
    expect((await call('GET', '/api/v1/monitoring/logs/histogram')).status).toBe(401);
  });

  it('the platform admin reads an organization chosen by header', async () => {
    const r = await call('GET', `/api/v1/monitoring/logs?${RANGE}&limit=1000`, {
      key: ADMIN,
      headers: { 'x-gridscope-org': 'rival' },
    });
    expectRecords(r.body.items, rivalData);
  });
});

describe('hostile and invalid input', () => {
  const cursorOfAuditList = Buffer.from(JSON.stringify({ k: 'audit', p: 5 })).toString('base64url');
  const cursorWith = (p: unknown) =>
    Buffer.from(JSON.stringify({ k: 'logs', p })).toString('base64url');
  const forgedCursor = Buffer.from(
    JSON.stringify({ k: 'logs', p: { t: "1' OR '1'='1", h: '1', n: 1 } }),
  ).toString('base64url');
  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['from=yesterday', 'from'],
    [`from=${TO_MS}&to=${FROM_MS}`, 'from'],
    ['from=now-60d', 'from'],
    ["to=2026-01-01'; DROP TABLE otel_logs; --", 'to'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${cursorOfAuditList}`, 'cursor'],
    [`cursor=${forgedCursor}`, 'cursor'],
    [`cursor=${cursorWith({ t: '1', h: '1', n: 10_000_000 })}`, 'cursor'],
    [`cursor=${cursorWith({ t: '1', h: '1', n: 0 })}`, 'cursor'],
    ['severity=verbose', 'severity'],
    ['severity=0', 'severity'],
    ['severity=25', 'severity'],
    ["severity=1' OR 1=1", 'severity'],
    [`service=${encodeURIComponent("checkout' OR '1'='1")}`, 'service'],
    [`service=${encodeURIComponent('checkout; DROP TABLE otel_logs')}`, 'service'],
    [`service=${encodeURIComponent('check\nout')}`, 'service'],
    ['service=', 'service'],
    [`q=${encodeURIComponent('order\u0000')}`, 'q'],
    [`q=${encodeURIComponent('line\nbreak')}`, 'q'],
    [`q=${'x'.repeat(513)}`, 'q'],
    [`attr=${encodeURIComponent("market') OR 1=1 --=x")}`, 'attr'],
    [`attr=${encodeURIComponent('mar\u0001ket=EPEX')}`, 'attr'],
    [`attr=${encodeURIComponent('market=EP\u0007EX')}`, 'attr'],
    ['traceId=xyz', 'traceId'],
    [`traceId=${'a'.repeat(31)}`, 'traceId'],
    [`traceId=${encodeURIComponent("' OR 1=1 --")}`, 'traceId'],
  ])('%s answers 400 naming %s', async (query, param) => {
    for (const path of ['/api/v1/monitoring/logs', '/api/v1/monitoring/logs/histogram']) {
      if (path.endsWith('histogram') && /^(limit|cursor)/.test(query)) continue;
      const r = await call('GET', `${path}?${query}`, { key: keys.viewer });
      expect(r.status, `${path}?${query}: ${r.text}`).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION');
      expect(r.body.error.message).toMatch(new RegExp(`^(query )?${param}: `));
      expect(r.body.error.details).toContainEqual(
        expect.objectContaining({ location: 'query', field: param }),
      );
    }
  });

  it('leaves the stored records as they were', async () => {
    expect(await count(gs, 'otel_logs', 'acme')).toBe(data.length + 3);
    expect(await count(gs, 'otel_logs', 'rival')).toBe(rivalData.length);
  });
});

// Last: it empties the rollup, rebuilds it and then removes the stored records.
describe('per-minute rollup', () => {
  /** A record sent after the rollup was rebuilt; its severity is in its text alone. */
  const late: Sent = {
    seq: 'late',
    nanos: BigInt(BASE_SEC + 250) * NS + 250_000_000n,
    service: 'payments',
    sevNum: 0,
    sevText: 'Warning',
    body: 'late arrival',
    attrs: { seq: 'late' },
    res: { 'deployment.environment.name': 'prod' },
    traceId: '',
    spanId: '',
  };
  const all = [...data, late];
  const EDGE_FROM = FROM_MS + 30_500;
  const EDGE_TO = FROM_MS + 500_250;
  const total = (buckets: any[]) => buckets.reduce((n: number, b: any) => n + b.total, 0);
  /** Runs the pending migrations on the data directory, as a start does. */
  const startMigrations = async () => {
    const client = openClient({ kind: 'embedded', dataDir: dir });
    try {
      return await migrate(client, { database: 'gridscope_acme' });
    } finally {
      await client.close();
    }
  };

  it('is filled from the stored records by its migration, then kept by the materialized view', async () => {
    // As before the upgrade that brings the rollup: records stored, rollup empty.
    await sqlOnDataDir(dir, 'TRUNCATE TABLE gridscope_acme.gridscope_log_rollup_1m');
    await sqlOnDataDir(dir, 'DELETE FROM gridscope_acme.gridscope_migrations WHERE Version = 8');
    // Whole minutes come from the rollup alone; a 30 s step still reads the records.
    expect(total(await histogram(`${RANGE}&step=1m`))).toBe(0);
    expect(total(await histogram(`${RANGE}&step=30s`))).toBe(data.filter(inRange).length);

    expect(await startMigrations()).toEqual([8]);
    expect(await histogram(`${RANGE}&step=1m`)).toEqual(expectedBuckets(60, () => true));
    expect(await histogram(`${RANGE}&step=5m&severity=warn`)).toEqual(
      expectedBuckets(300, (r) => effectiveSeverity(r) >= 13),
    );

    // A start stopped during the backfill: the rollup partly filled, the migration
    // unrecorded. The next start fills it again, each record once.
    await sqlOnDataDir(
      dir,
      "DELETE FROM gridscope_acme.gridscope_log_rollup_1m WHERE ServiceName = 'payments'",
    );
    await sqlOnDataDir(dir, 'DELETE FROM gridscope_acme.gridscope_migrations WHERE Version = 8');
    expect(await histogram(`${RANGE}&step=1m`)).not.toEqual(expectedBuckets(60, () => true));
    expect(await startMigrations()).toEqual([8]);
    expect(await histogram(`${RANGE}&step=1m`)).toEqual(expectedBuckets(60, () => true));

    await send([late], keys.ingest!);
    const warn = (r: Sent) => effectiveSeverity(r) >= 13;
    expect(await histogram(`${RANGE}&step=1m&severity=warn&service=payments`)).toEqual(
      expectedBuckets(60, (r) => warn(r) && r.service === 'payments', FROM_MS, TO_MS, all),
    );
    expect(await histogram(`${RANGE}&step=1m`)).toEqual(
      expectedBuckets(60, () => true, FROM_MS, TO_MS, all),
    );
    expect(await histogram(`from=${EDGE_FROM}&to=${EDGE_TO}&step=1m`)).toEqual(
      expectedBuckets(60, () => true, EDGE_FROM, EDGE_TO, all),
    );
  });

  it('answers whole minutes without the records, and the partial minutes from them', async () => {
    await sqlOnDataDir(dir, 'TRUNCATE TABLE gridscope_acme.otel_logs');
    expect(total(await histogram(`${RANGE}&step=30s`))).toBe(0);
    expect(await histogram(`${RANGE}&step=1m`)).toEqual(
      expectedBuckets(60, () => true, FROM_MS, TO_MS, all),
    );
    // Only the whole minutes between the ends remain.
    const core = (r: Sent) =>
      r.nanos >= BigInt(FROM_MS + 60_000) * 1_000_000n &&
      r.nanos < BigInt(FROM_MS + 480_000) * 1_000_000n;
    const edges = await histogram(`from=${EDGE_FROM}&to=${EDGE_TO}&step=1m`);
    expect(edges).toEqual(expectedBuckets(60, core, EDGE_FROM, EDGE_TO, all));
    expect(total(edges)).toBeLessThan(
      all.filter(
        (r) => r.nanos >= BigInt(EDGE_FROM) * 1_000_000n && r.nanos < BigInt(EDGE_TO) * 1_000_000n,
      ).length,
    );
  });
});
