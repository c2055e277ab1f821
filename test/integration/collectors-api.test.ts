import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import { removeDir, rows, startTestServer, tempDataDir, until, urls } from './harness.js';
import { NODE_EXPORTER, peerBinary } from './peers.js';

const ADMIN = 'platform-admin-key-for-collector-tests-0123';
const dir = tempDataDir('collectors');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
let exporter: ChildProcess | undefined;
let exporterUrl: string;
let fixture: Server;
let fixtureUrl: string;
/** Request headers of the fixture's last request. */
let fixtureHeaders: IncomingHttpHeaders = {};
/** Paths (with query) the fixture was asked for. */
const fixturePaths: string[] = [];
/** Keys by name: alpha's editor, viewer and admin, and beta's viewer. */
const keys: Record<string, string> = {};
const FLAGS = { 'bootstrap-admin-key': ADMIN, 'collector-min-interval-ms': '500' };
/** Collectors the restart test looks at again: one kept, one deleted. */
const kept: { id?: string; deleted?: string } = {};

/** A loopback port nothing listens on (at the time of asking). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exact values, in both formats: a histogram, a summary, a counter and a gauge. */
const PROMETHEUS_TEXT = `# HELP app_request_duration_seconds Request duration.
# TYPE app_request_duration_seconds histogram
app_request_duration_seconds_bucket{path="/a",le="0.05"} 10
app_request_duration_seconds_bucket{path="/a",le="0.1"} 15
app_request_duration_seconds_bucket{path="/a",le="1"} 18
app_request_duration_seconds_bucket{path="/a",le="+Inf"} 20
app_request_duration_seconds_sum{path="/a"} 7.5
app_request_duration_seconds_count{path="/a"} 20
# HELP app_rpc_seconds RPC duration.
# TYPE app_rpc_seconds summary
app_rpc_seconds{quantile="0.5"} 0.25
app_rpc_seconds{quantile="0.9"} 0.75
app_rpc_seconds{quantile="0.99"} 1.5
app_rpc_seconds_sum 123.25
app_rpc_seconds_count 300
# TYPE app_queue_depth gauge
app_queue_depth{queue="q\\"1\\""} 42
`;

/**
 * Values the fixture's /ticks serves: three counters (one NaN before the restart) and a
 * histogram's one bucket.
 */
const ticks = { up: 100, reset: 50, waits: 10, nan: 'NaN' };
const ticksText = () => `# TYPE app_ticks counter
app_ticks_total{s="up"} ${ticks.up}
app_ticks_total{s="reset"} ${ticks.reset}
app_ticks_total{s="nan"} ${ticks.nan}
# TYPE app_wait_seconds histogram
app_wait_seconds_bucket{le="1"} ${ticks.waits}
app_wait_seconds_bucket{le="+Inf"} ${ticks.waits}
app_wait_seconds_sum ${ticks.waits}
app_wait_seconds_count ${ticks.waits}
`;

const CREATED_SECONDS = 1_764_316_000.5;
const OPENMETRICS_TEXT = `# TYPE app_jobs counter
# HELP app_jobs Jobs done.
app_jobs_total{kind="x"} 17
app_jobs_created{kind="x"} ${CREATED_SECONDS}
# EOF
`;

beforeAll(async () => {
  const binary = peerBinary(NODE_EXPORTER);
  const port = await freePort();
  exporterUrl = `http://127.0.0.1:${port}/metrics`;
  exporter = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await until('node_exporter to answer', () =>
    fetch(exporterUrl).then(
      (r) => (r.ok ? true : undefined),
      () => undefined,
    ),
  );

  fixture = createServer((req, res) => {
    fixtureHeaders = req.headers;
    fixturePaths.push(req.url ?? '');
    if (req.url === '/openmetrics') {
      res.writeHead(200, {
        'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      });
      res.end(OPENMETRICS_TEXT);
    } else if (req.url === '/ticks') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(ticksText());
    } else if (req.url === '/broken') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('fine 1\nbroken{ 1\n');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(PROMETHEUS_TEXT);
    }
  });
  await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
  fixtureUrl = `http://127.0.0.1:${(fixture.address() as { port: number }).port}`;

  gs = await startTestServer(dir, FLAGS);
  call = apiClient(urls(gs).ops);
  for (const id of ['alpha', 'beta']) {
    expect(
      (await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id, name: id } })).status,
    ).toBe(201);
  }
  for (const [name, org, role] of [
    ['editor', 'alpha', 'editor'],
    ['viewer', 'alpha', 'viewer'],
    ['admin', 'alpha', 'admin'],
    ['betaViewer', 'beta', 'viewer'],
    ['betaEditor', 'beta', 'editor'],
  ] as const) {
    const r = await call('POST', `/api/v1/orgs/${org}/api-keys`, {
      key: ADMIN,
      body: { name, role },
    });
    expect(r.status).toBe(201);
    keys[name] = r.body.key;
  }
}, 120_000);

afterAll(async () => {
  await gs?.close();
  exporter?.kill('SIGTERM');
  await new Promise<void>((r) => (fixture ? fixture.close(() => r()) : r()));
  removeDir(dir);
});

/** Creates a collector in alpha with the editor key and returns its answer. */
async function create(body: Record<string, unknown>, key = keys.editor) {
  const r = await call('POST', '/api/v1/monitoring/collectors', { key, body });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

/**
 * Waits until a collector has `times` scrapes stored whole and returns the collector. A
 * scrape's tables are written by separate inserts, and its status is set once all of them
 * are: only the scrapes up to its last success are sure to be in every table.
 */
function scraped(id: string, key = keys.viewer, times = 1) {
  return until(`collector ${id} to scrape`, async () => {
    const r = await call('GET', `/api/v1/monitoring/collectors/${id}`, { key });
    const success = r.body?.status?.lastSuccessAt;
    return success && (await scrapeCount(id, 'alpha', Date.parse(success))) >= times
      ? r.body
      : undefined;
  });
}

/** A collector's stored points' times (gauges and sums), as a FROM source binding `id`. */
const SCRAPE_TIMES = `(
  SELECT TimeUnix FROM {db:Identifier}.otel_metrics_gauge
  WHERE ResourceAttributes['gridscope.collector.id'] = {id:String}
  UNION ALL SELECT TimeUnix FROM {db:Identifier}.otel_metrics_sum
  WHERE ResourceAttributes['gridscope.collector.id'] = {id:String})`;

/** Distinct scrape times stored for a collector (any table), up to `uptoMs` if given. */
async function scrapeCount(id: string, org = 'alpha', uptoMs?: number): Promise<number> {
  const r = await rows<{ n: string }>(
    gs,
    `SELECT uniqExact(TimeUnix) AS n FROM ${SCRAPE_TIMES}
     ${uptoMs === undefined ? '' : 'WHERE TimeUnix <= fromUnixTimestamp64Milli({upto:Int64})'}`,
    { id, upto: uptoMs ?? 0 },
    org,
  );
  return Number(r[0]?.n ?? 0);
}

/** The time of a collector's latest stored scrape (gauges and sums), Unix ms; 0 without one. */
async function lastScrapeMs(id: string, org = 'alpha'): Promise<number> {
  const r = await rows<{ t: string }>(
    gs,
    `SELECT toUnixTimestamp64Milli(max(TimeUnix)) AS t FROM ${SCRAPE_TIMES}`,
    { id },
    org,
  );
  return Number(r[0]?.t ?? 0);
}

describe('a collector scraping a real node_exporter', () => {
  let collector: any;

  beforeAll(async () => {
    collector = await create({
      url: exporterUrl,
      intervalMs: 1000,
      name: 'node',
      labels: { env: 'test' },
    });
    await scraped(collector.id, keys.viewer, 2);
  }, 60_000);

  it('answers the definition with null defaults and reports a clean last scrape', async () => {
    expect(collector).toMatchObject({
      id: expect.stringMatching(/^col_[0-9a-f]{16}$/),
      name: 'node',
      url: exporterUrl,
      intervalMs: 1000,
      timeoutMs: null,
      labels: { env: 'test' },
    });
    const got = await call('GET', `/api/v1/monitoring/collectors/${collector.id}`, {
      key: keys.viewer,
    });
    expect(got.status).toBe(200);
    const s = got.body.status;
    expect(s.error).toBeNull();
    expect(Date.parse(s.lastScrapeAt)).toBeGreaterThan(Date.now() - 10_000);
    expect(s.lastSuccessAt).toBe(s.lastScrapeAt);
    // Milliseconds (the store's writes included, so at least one), not seconds or nanoseconds.
    expect(s.durationMs).toBeGreaterThanOrEqual(1);
    expect(s.durationMs).toBeLessThan(30_000);
    expect(s.samples).toBeGreaterThan(100);
  });

  it('stores node_cpu_seconds_total as a monotonic cumulative sum with cpu and mode attributes', async () => {
    const r = await rows<any>(
      gs,
      `SELECT ServiceName, ScopeName, IsMonotonic, AggregationTemporality, Attributes,
              ResourceAttributes, MetricDescription,
              toString(toUnixTimestamp64Nano(StartTimeUnix)) AS start,
              toString(toUnixTimestamp64Nano(TimeUnix)) AS time
       FROM {db:Identifier}.otel_metrics_sum
       WHERE MetricName = 'node_cpu_seconds_total'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String}
       ORDER BY TimeUnix`,
      { id: collector.id },
      'alpha',
    );
    expect(r.length).toBeGreaterThan(0);
    const first = r[0];
    expect(first).toMatchObject({
      ServiceName: 'node',
      ScopeName: 'gridscope.collector',
      IsMonotonic: true,
      AggregationTemporality: 2,
      MetricDescription: 'Seconds the CPUs spent in each mode.',
    });
    expect(first.Attributes).toMatchObject({
      cpu: expect.any(String),
      mode: expect.any(String),
      env: 'test',
    });
    expect(first.ResourceAttributes).toEqual({
      'service.name': 'node',
      'service.instance.id': new URL(exporterUrl).host,
      'gridscope.collector.id': collector.id,
    });
    // A series keeps the start of when it was first seen, scrape after scrape.
    const idle = r.filter((x) => x.Attributes.cpu === '0' && x.Attributes.mode === 'idle');
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(new Set(idle.map((x) => x.start)).size).toBe(1);
    expect(idle[0].start).toBe(idle[0].time);
    expect(BigInt(idle[1].time)).toBeGreaterThan(BigInt(idle[1].start));
  });

  it('stores node_memory_MemTotal_bytes as a gauge and go_gc_duration_seconds as a summary', async () => {
    const gauge = await rows<any>(
      gs,
      `SELECT Value FROM {db:Identifier}.otel_metrics_gauge
       WHERE MetricName = 'node_memory_MemTotal_bytes'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: collector.id },
      'alpha',
    );
    expect(gauge[0]?.Value).toBeGreaterThan(1024 * 1024);
    const inSum = await rows<any>(
      gs,
      `SELECT count() AS n FROM {db:Identifier}.otel_metrics_sum
       WHERE MetricName = 'node_memory_MemTotal_bytes'`,
      {},
      'alpha',
    );
    expect(Number(inSum[0].n)).toBe(0);
    const summary = await rows<any>(
      gs,
      `SELECT ValueAtQuantiles.Quantile AS q FROM {db:Identifier}.otel_metrics_summary
       WHERE MetricName = 'go_gc_duration_seconds'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: collector.id },
      'alpha',
    );
    expect(summary[0]?.q).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('is listed for a viewer of its organization, and nowhere else', async () => {
    const list = await call('GET', '/api/v1/monitoring/collectors', { key: keys.viewer });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(collector.id);

    const other = await call('GET', '/api/v1/monitoring/collectors', { key: keys.betaViewer });
    expect(other.status).toBe(200);
    expect(other.body.items.map((c: { id: string }) => c.id)).not.toContain(collector.id);
    const direct = await call('GET', `/api/v1/monitoring/collectors/${collector.id}`, {
      key: keys.betaViewer,
    });
    expect(direct.status).toBe(404);
    const viaHeader = await call('GET', `/api/v1/monitoring/collectors/${collector.id}`, {
      key: keys.betaViewer,
      headers: { 'x-gridscope-org': 'alpha' },
    });
    expect(viaHeader.status).toBe(403);
    const change = await call('DELETE', `/api/v1/monitoring/collectors/${collector.id}`, {
      key: keys.betaEditor,
    });
    expect(change.status).toBe(404);
    // The platform admin reaches it through the organization header.
    const admin = await call('GET', `/api/v1/monitoring/collectors/${collector.id}`, {
      key: ADMIN,
      headers: { 'x-gridscope-org': 'alpha' },
    });
    expect(admin.status).toBe(200);
    // The scraped metrics are in alpha's database only.
    const inBeta = await rows<any>(
      gs,
      `SELECT count() AS n FROM {db:Identifier}.otel_metrics_sum WHERE ScopeName = 'gridscope.collector'`,
      {},
      'beta',
    );
    expect(Number(inBeta[0].n)).toBe(0);
  });
});

describe('exact conversion of a fixed exposition', () => {
  let prom: any;
  let om: any;

  beforeAll(async () => {
    prom = await create({ url: `${fixtureUrl}/metrics`, intervalMs: 1000, name: 'fixture' });
    om = await create({
      url: `${fixtureUrl}/openmetrics`,
      intervalMs: 1000,
      labels: { job: 'om-job', team: 'core' },
    });
    await scraped(prom.id);
    await scraped(om.id);
    kept.id = prom.id;
  }, 60_000);

  it('pages the list oldest first with an opaque cursor', async () => {
    const all = await call('GET', '/api/v1/monitoring/collectors', { key: keys.viewer });
    expect(all.body.nextCursor).toBeNull();
    const ids = all.body.items.map((c: { id: string }) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(ids.slice(-2)).toEqual([prom.id, om.id]);
    const times = all.body.items.map((c: { createdAt: string }) => Date.parse(c.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await call('GET', `/api/v1/monitoring/collectors?limit=1${q}`, {
        key: keys.viewer,
      });
      expect(page.body.items.length).toBe(1);
      seen.push(page.body.items[0].id);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
  });

  it('asks for OpenMetrics first and names itself', () => {
    expect(fixtureHeaders.accept).toMatch(/^application\/openmetrics-text/);
    expect(fixtureHeaders['user-agent']).toMatch(/^Gridscope\//);
  });

  it('stores the histogram with per-bucket counts and explicit bounds', async () => {
    const r = await rows<any>(
      gs,
      `SELECT ServiceName, MetricDescription, Attributes, toFloat64(Count) AS Count, Sum,
              arrayMap(c -> toFloat64(c), BucketCounts) AS BucketCounts,
              ExplicitBounds, AggregationTemporality
       FROM {db:Identifier}.otel_metrics_histogram
       WHERE MetricName = 'app_request_duration_seconds'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: prom.id },
      'alpha',
    );
    expect(r[0]).toEqual({
      ServiceName: 'fixture',
      MetricDescription: 'Request duration.',
      Attributes: { path: '/a' },
      Count: 20,
      Sum: 7.5,
      BucketCounts: [10, 5, 3, 2],
      ExplicitBounds: [0.05, 0.1, 1],
      AggregationTemporality: 2,
    });
  });

  it('stores the summary with its quantiles, count and sum', async () => {
    const r = await rows<any>(
      gs,
      `SELECT toFloat64(Count) AS Count, Sum, ValueAtQuantiles.Quantile AS q, ValueAtQuantiles.Value AS v
       FROM {db:Identifier}.otel_metrics_summary
       WHERE MetricName = 'app_rpc_seconds'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: prom.id },
      'alpha',
    );
    expect(r[0]).toEqual({ Count: 300, Sum: 123.25, q: [0.5, 0.9, 0.99], v: [0.25, 0.75, 1.5] });
    // Read back through the API: every scrape reports 1.5 s at the 0.99 quantile.
    const p99 = await call('POST', '/api/v1/monitoring/metrics/query', {
      key: keys.viewer,
      body: { metric: 'app_rpc_seconds', aggregation: 'p99', from: 'now-10m', step: '1m' },
    });
    expect(p99.status, p99.text).toBe(200);
    const points = p99.body.series.flatMap((x: { points: { value: number }[] }) => x.points);
    expect(points.length).toBeGreaterThan(0);
    expect(new Set(points.map((x: { value: number }) => x.value))).toEqual(new Set([1.5]));
  });

  it('stores a gauge with an escaped label value', async () => {
    const r = await rows<any>(
      gs,
      `SELECT Attributes, Value FROM {db:Identifier}.otel_metrics_gauge
       WHERE MetricName = 'app_queue_depth'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: prom.id },
      'alpha',
    );
    expect(r[0]).toEqual({ Attributes: { queue: 'q"1"' }, Value: 42 });
  });

  it('stores an OpenMetrics counter under its _total name, started at _created', async () => {
    const r = await rows<any>(
      gs,
      `SELECT ServiceName, Attributes, Value, IsMonotonic,
              toString(toUnixTimestamp64Milli(StartTimeUnix)) AS start
       FROM {db:Identifier}.otel_metrics_sum
       WHERE MetricName = 'app_jobs_total'
         AND ResourceAttributes['gridscope.collector.id'] = {id:String} LIMIT 1`,
      { id: om.id },
      'alpha',
    );
    // No name given: the job label names the service.
    expect(r[0]).toEqual({
      ServiceName: 'om-job',
      Attributes: { job: 'om-job', kind: 'x', team: 'core' },
      Value: 17,
      IsMonotonic: true,
      start: String(CREATED_SECONDS * 1000),
    });
    const created = await rows<any>(
      gs,
      `SELECT count() AS n FROM {db:Identifier}.otel_metrics_gauge WHERE MetricName LIKE 'app_jobs%'`,
      {},
      'alpha',
    );
    expect(Number(created[0].n)).toBe(0);
  });
});

describe('failing targets', () => {
  it('reports an unreachable target as the error, with no success', async () => {
    const port = await freePort();
    const c = await create({ url: `http://127.0.0.1:${port}/metrics`, intervalMs: 1000 });
    expect(c.name).toBe(`127.0.0.1:${port}`);
    const s = await until('the scrape to fail', async () => {
      const r = await call('GET', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.viewer });
      return r.body.status.lastScrapeAt !== null ? r.body.status : undefined;
    });
    expect(s.error).toMatch(/ECONNREFUSED/);
    expect(s.lastSuccessAt).toBeNull();
    expect(s.samples).toBeNull();
  });

  it('reports an invalid exposition with its line and stores none of it', async () => {
    const c = await create({ url: `${fixtureUrl}/broken`, intervalMs: 1000 });
    const s = await until('the scrape to fail', async () => {
      const r = await call('GET', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.viewer });
      return r.body.status.lastScrapeAt !== null ? r.body.status : undefined;
    });
    expect(s.error).toMatch(/^invalid exposition: line 2: /);
    expect(await scrapeCount(c.id)).toBe(0);
  });
});

describe('changing collectors', () => {
  it('documents the routes and the roles they need in the OpenAPI document', async () => {
    const doc = await call('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    const list = doc.body.paths['/api/v1/monitoring/collectors'];
    const one = doc.body.paths['/api/v1/monitoring/collectors/{collectorId}'];
    expect(list.get['x-gridscope-role']).toBe('viewer');
    expect(list.post['x-gridscope-role']).toBe('editor');
    expect(one.get['x-gridscope-role']).toBe('viewer');
    expect(one.patch['x-gridscope-role']).toBe('editor');
    expect(one.delete['x-gridscope-role']).toBe('editor');
    // The configured shortest interval is the documented minimum.
    expect(doc.body.components.schemas.CreateCollector.properties.intervalMs.minimum).toBe(500);
  });

  it('refuses invalid definitions, naming each field', async () => {
    const r = await call('POST', '/api/v1/monitoring/collectors', {
      key: keys.editor,
      body: {
        url: 'ftp://example.com/metrics',
        intervalMs: 100,
        labels: { 'bad-name': 'x', __reserved: 'y' },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION');
    const fields = r.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['url', 'intervalMs', 'labels.bad-name', 'labels.__reserved']),
    );

    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'http://x.example/metrics', intervalMs: 3_600_001 }, 'intervalMs'],
      [{ url: 'http://user:pw@x.example/metrics', intervalMs: 1000 }, 'url'],
      [{ url: 'not a url', intervalMs: 1000 }, 'url'],
      [{ url: 'http://x.example/metrics', intervalMs: 1000, timeoutMs: 2000 }, 'timeoutMs'],
      [{ url: 'http://x.example/metrics' }, 'intervalMs'],
      [{ url: 'http://x.example/metrics', intervalMs: 1000, name: '' }, 'name'],
      [{ url: 'http://x.example/metrics', intervalMs: 1000, name: 'bad\u0000name' }, 'name'],
      // The name is the metrics' service, so it follows the rule every read has for one.
      [{ url: 'http://x.example/metrics', intervalMs: 1000, name: 'we"ird;svc' }, 'name'],
      // An empty value is no label, as in Prometheus.
      [{ url: 'http://x.example/metrics', intervalMs: 1000, labels: { a: '' } }, 'labels.a'],
    ];
    for (const [body, field] of cases) {
      const bad = await call('POST', '/api/v1/monitoring/collectors', { key: keys.editor, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // Without a name, a job label that is no service name gives way to the host:port.
    const unnamed = await call('POST', '/api/v1/monitoring/collectors', {
      key: keys.editor,
      body: { url: 'http://x.example/metrics', intervalMs: 60_000, labels: { job: 'a"b' } },
    });
    expect(unnamed.status).toBe(201);
    expect(unnamed.body.name).toBe('x.example:80');
    const gone = await call('DELETE', `/api/v1/monitoring/collectors/${unnamed.body.id}`, {
      key: keys.editor,
    });
    expect(gone.status).toBe(204);
  });

  it('lets viewers read but not change', async () => {
    const r = await call('POST', '/api/v1/monitoring/collectors', {
      key: keys.viewer,
      body: { url: 'http://x.example/metrics', intervalMs: 1000 },
    });
    expect(r.status).toBe(403);
  });

  it('creates, updates and deletes, auditing each change', async () => {
    const c = await create({
      url: 'http://127.0.0.1:9/metrics',
      intervalMs: 60_000,
      timeoutMs: 5000,
      name: 'audited',
      labels: { a: '1' },
    });
    const patched = await call('PATCH', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
      body: { intervalMs: 30_000, labels: { b: '2' }, timeoutMs: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: c.id,
      name: 'audited',
      intervalMs: 30_000,
      timeoutMs: null,
      labels: { b: '2' },
    });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt));

    const tooLong = await call('PATCH', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
      body: { timeoutMs: 40_000 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0].field).toBe('timeoutMs');
    const empty = await call('PATCH', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
      body: {},
    });
    expect(empty.status).toBe(400);
    const bogus = await call('PATCH', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
      body: { interval: 30_000 },
    });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.details).toEqual([
      { location: 'body', field: 'interval', message: 'unknown field' },
    ]);
    const badId = await call('GET', '/api/v1/monitoring/collectors/nope', { key: keys.viewer });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0]).toMatchObject({ location: 'path', field: 'collectorId' });

    const del = await call('DELETE', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
    });
    expect(del.status).toBe(204);
    expect(
      (await call('GET', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.viewer })).status,
    ).toBe(404);
    expect(
      (await call('DELETE', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.editor })).status,
    ).toBe(404);
    const listed = await call('GET', '/api/v1/monitoring/collectors', { key: keys.viewer });
    expect(listed.body.items.map((x: { id: string }) => x.id)).not.toContain(c.id);

    const audit = await call('GET', `/api/v1/monitoring/audit-logs?resourceId=${c.id}`, {
      key: keys.admin,
    });
    expect(audit.status).toBe(200);
    const entries = [...audit.body.items].reverse();
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      'collector.create',
      'collector.update',
      'collector.delete',
    ]);
    for (const e of entries) {
      expect(e.resource).toEqual({ type: 'collector', id: c.id });
      expect(e.actor).toMatchObject({ type: 'key', name: 'editor' });
    }
    expect(entries[0].before).toBeNull();
    expect(entries[0].after).toMatchObject({
      url: 'http://127.0.0.1:9/metrics',
      labels: { a: '1' },
    });
    expect(entries[1].before).toMatchObject({ intervalMs: 60_000, timeoutMs: 5000 });
    expect(entries[1].after).toMatchObject({
      intervalMs: 30_000,
      timeoutMs: null,
      labels: { b: '2' },
    });
    expect(entries[2].before).toMatchObject({ name: 'audited' });
    expect(entries[2].after).toBeNull();
    const verify = await call('GET', '/api/v1/monitoring/audit-logs/verify', { key: keys.admin });
    expect(verify.body.ok).toBe(true);
  });

  it('stops scraping a deleted collector', async () => {
    const c = await create({ url: `${fixtureUrl}/metrics`, intervalMs: 500 });
    kept.deleted = c.id;
    await until('two scrapes', async () => ((await scrapeCount(c.id)) >= 2 ? true : undefined));
    const del = await call('DELETE', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
    });
    const deletedAt = Date.now();
    expect(del.status).toBe(204);
    // A write already under way when it was deleted may still land, but no scrape starts
    // after it (four would have in the time waited).
    await sleep(2_000);
    const last = await lastScrapeMs(c.id);
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(deletedAt);
  });

  it('shows a credential in the URL redacted, and scrapes with it', async () => {
    const c = await create({
      url: `${fixtureUrl}/metrics?module=m&token=s3cr3t-scrape`,
      intervalMs: 3_600_000,
    });
    const shown = `${fixtureUrl}/metrics?module=m&token=redacted`;
    expect(c.url).toBe(shown);
    const read = await call('GET', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.viewer });
    expect(read.body.url).toBe(shown);
    await until('a scrape', () =>
      Promise.resolve(fixturePaths.includes('/metrics?module=m&token=s3cr3t-scrape') || undefined),
    );
    // A change of something else keeps the stored URL, credential included.
    const patched = await call('PATCH', `/api/v1/monitoring/collectors/${c.id}`, {
      key: keys.editor,
      body: { labels: { team: 'x' } },
    });
    expect(patched.body.url).toBe(shown);
    const stored = await rows<{ Url: string }>(
      gs,
      `SELECT argMax(Url, Version) AS Url FROM {db:Identifier}.gridscope_collectors WHERE Id = {id:String}`,
      { id: c.id },
      'alpha',
    );
    expect(stored).toEqual([{ Url: `${fixtureUrl}/metrics?module=m&token=s3cr3t-scrape` }]);
    await call('DELETE', `/api/v1/monitoring/collectors/${c.id}`, { key: keys.editor });
  });

  it('makes changes sent at the same moment one after another', async () => {
    // An update sent with deletes cannot bring the collector back, and it is deleted once.
    const c = await create({ url: `${fixtureUrl}/metrics`, intervalMs: 3_600_000 });
    const path = `/api/v1/monitoring/collectors/${c.id}`;
    const [update, ...deletes] = await Promise.all([
      call('PATCH', path, { key: keys.editor, body: { intervalMs: 1_800_000 } }),
      call('DELETE', path, { key: keys.editor }),
      call('DELETE', path, { key: keys.editor }),
    ]);
    expect([200, 404]).toContain(update.status);
    expect(deletes.map((r) => r.status).sort()).toEqual([204, 404]);
    expect((await call('GET', path, { key: keys.editor })).status).toBe(404);
    const trail = await call('GET', `/api/v1/monitoring/audit-logs?resourceId=${c.id}`, {
      key: keys.admin,
    });
    const actions = trail.body.items.map((e: { action: string }) => e.action) as string[];
    expect(actions.filter((a) => a === 'collector.delete')).toHaveLength(1);
  });

  it('answers 404 for an organization that does not exist', async () => {
    const r = await call('GET', '/api/v1/monitoring/collectors', {
      key: ADMIN,
      headers: { 'x-gridscope-org': 'nosuchorg' },
    });
    expect(r.status).toBe(404);
  });
});

describe('organizations and restarts', () => {
  it('stops scraping for an organization when it is deleted', async () => {
    const asGamma = { key: ADMIN, headers: { 'x-gridscope-org': 'gamma' } };
    expect(
      (await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'gamma', name: 'G' } })).status,
    ).toBe(201);
    const c = await call('POST', '/api/v1/monitoring/collectors', {
      ...asGamma,
      body: { url: `${fixtureUrl}/metrics`, intervalMs: 500 },
    });
    expect(c.status).toBe(201);
    await until('a scrape', async () =>
      (await scrapeCount(c.body.id, 'gamma')) >= 1 ? true : undefined,
    );
    expect((await call('DELETE', '/api/v1/orgs/gamma', { key: ADMIN })).status).toBe(204);
    const deletedAt = Date.now();
    // As for a deleted collector: a scrape under way may land, none starts after.
    await sleep(1_500);
    const last = await lastScrapeMs(c.body.id, 'gamma');
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(deletedAt);
  });

  it('scrapes the stored collectors again after a restart, and not the deleted ones', async () => {
    expect(kept.id && kept.deleted).toBeTruthy();
    await gs.close();
    gs = await startTestServer(dir, FLAGS);
    call = apiClient(urls(gs).ops);
    const deletedBefore = await scrapeCount(kept.deleted!);
    const before = await scrapeCount(kept.id!);
    const c = await until('the kept collector to scrape after the restart', async () => {
      const r = await call('GET', `/api/v1/monitoring/collectors/${kept.id}`, { key: keys.viewer });
      return r.body.status.lastScrapeAt !== null && (await scrapeCount(kept.id!)) > before
        ? r.body
        : undefined;
    });
    expect(c.status.error).toBeNull();
    await sleep(1_000);
    expect(await scrapeCount(kept.deleted!)).toBe(deletedBefore);
    const list = await call('GET', '/api/v1/monitoring/collectors', { key: keys.viewer });
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(kept.deleted);
  });
});

describe('a collector across a restart', () => {
  it('carries its cumulative series on, starting one anew only after a reset', async () => {
    const c = await create({ url: `${fixtureUrl}/ticks`, intervalMs: 500, name: 'ticks' });
    await scraped(c.id, keys.viewer, 2);
    await gs.close();
    // While Gridscope is down, one counter climbs on and the other is reset. A series whose
    // last point is NaN does not keep the others from carrying on.
    Object.assign(ticks, { up: 110, reset: 5, waits: 12, nan: '3' });
    gs = await startTestServer(dir, FLAGS);
    call = apiClient(urls(gs).ops);
    const points = (table: string, name: string) =>
      rows<{ s: string; start: string; time: string; value: number }>(
        gs,
        `SELECT Attributes['s'] AS s, toString(toUnixTimestamp64Nano(StartTimeUnix)) AS start,
           toString(toUnixTimestamp64Nano(TimeUnix)) AS time, ${table === 'sum' ? 'Value' : 'toFloat64(Count)'} AS value
         FROM {db:Identifier}.otel_metrics_${table}
         WHERE MetricName = {name:String} AND ResourceAttributes['gridscope.collector.id'] = {id:String}
         ORDER BY TimeUnix`,
        { name, id: c.id },
        'alpha',
      );
    // A scrape's tables are written by separate inserts: wait for both to show it.
    await until('a scrape after the restart', async () => {
      const r = await points('sum', 'app_ticks_total');
      const h = await points('histogram', 'app_wait_seconds');
      return r.some((p) => p.s === 'up' && p.value === 110) && h.some((p) => p.value === 12)
        ? true
        : undefined;
    });
    const counters = await points('sum', 'app_ticks_total');
    const up = counters.filter((p) => p.s === 'up');
    expect(up.map((p) => p.value)).toContain(100);
    expect(new Set(up.map((p) => p.start)).size).toBe(1);
    const reset = counters.filter((p) => p.s === 'reset');
    const before = reset.filter((p) => p.value === 50);
    const after = reset.filter((p) => p.value === 5);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(before.map((p) => p.start)).size).toBe(1);
    // Reset: started just after the last point before it.
    expect(new Set(after.map((p) => p.start))).toEqual(
      new Set([String(BigInt(before.at(-1)!.time) + 1_000_000n)]),
    );
    const waits = await points('histogram', 'app_wait_seconds');
    expect(waits.map((p) => p.value)).toEqual(expect.arrayContaining([10, 12]));
    expect(new Set(waits.map((p) => p.start)).size).toBe(1);
  });
});
