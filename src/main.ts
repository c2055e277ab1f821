import { serve, type ServerType } from '@hono/node-server';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiApp, type HealthReport } from './api/index.js';
import { AuditLog, type ChangeContext } from './audit/index.js';
import { ApiKeys } from './auth/index.js';
import {
  Collectors,
  DEFAULT_INTERVAL_LIMITS,
  pipelineSink,
  storedSeriesReader,
  ScrapeScheduler,
  systemTimers,
} from './collectors/index.js';
import { Organizations } from './orgs/index.js';
import { systemClock, type Clock } from './lib/clock.js';
import { splitAddr, type Config } from './config/index.js';
import { IngestAuth } from './ingest/auth.js';
import {
  bindGrpc,
  otlpGrpcServer,
  otlpHttpApp,
  OtlpPipeline,
  type NowNanos,
} from './ingest/otlp/index.js';
import type { Logger } from './lib/logger.js';
import { EngineMemoryGauges } from './lib/engine-gauges.js';
import { Registry } from './lib/metrics.js';
import { packageVersion } from './lib/paths.js';
import { Serial } from './lib/serial.js';
import { Store, type Backend } from './store/index.js';
import { MetricTypes } from './query/metrics/index.js';
import { DEFAULT_EDGE_ROLLER, ServiceEdgeRoller } from './query/traces/edge-roller.js';
import { DEFAULT_QUARTER_ROLLER, HistogramQuarterRoller } from './query/metrics/quarter-roller.js';

/** A running Gridscope: its bound ports and how to stop it. */
export interface Gridscope {
  ports: { otlpGrpc: number; otlpHttp: number; http: number };
  store: Store;
  registry: Registry;
  /** Stops accepting, writes everything queued, answers, and closes the store. */
  close(): Promise<void>;
}

/**
 * Serves `app` on `addr`. A request whose headers and body have not all arrived within
 * `requestTimeoutMs` is answered 408 and its connection closed, so a sender that trickles
 * (or never ends) its body holds a connection no longer than that.
 */
function listen(
  app: { fetch: (req: Request) => Response | Promise<Response> },
  addr: string,
  requestTimeoutMs: number,
): Promise<ServerType> {
  const { host, port } = splitAddr(addr);
  const serverOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, HEADERS_TIMEOUT_MS),
    // How often Node looks for requests past their time (its default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port, serverOptions }, () =>
      resolve(server),
    );
    server.once('error', reject);
  });
}

/** The longest a request's headers may take to arrive (Node's default), or the whole request if shorter. */
const HEADERS_TIMEOUT_MS = 60_000;

function portOf(server: ServerType): number {
  return (server.address() as AddressInfo).port;
}

function closeHttp(server: ServerType): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeGrpc(server: GrpcServer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A deleted organization's data stays: its database is migrated and keeps to the retention
 * configured now, as a live one's does (live ones are prepared as their collectors load).
 * Never rejects; a failure is logged. (The background roll-ups skip deleted organizations,
 * so quarters a migration marks there are read from their minutes.)
 */
async function prepareDeletedOrgs(store: Store, log: Logger): Promise<void> {
  let orgs;
  try {
    orgs = await store.platform().organizations();
  } catch (err) {
    log.error({ err }, 'deleted organizations could not be listed to prepare their schemas');
    return;
  }
  for (const o of orgs) {
    if (!o.deleted) continue;
    await store.prepareOrg(o.id).catch((err: unknown) => {
      log.error({ err, org: o.id }, 'the schema of a deleted organization could not be prepared');
    });
  }
}

/** Starts the store, migrations and the three listeners. */
export async function startGridscope(
  config: Config,
  log: Logger,
  now?: NowNanos,
  clock: Clock = systemClock,
): Promise<Gridscope> {
  const startedAt = clock.now();
  const registry = new Registry();
  const counters = {
    received: registry.counter(
      'gridscope_otlp_items_received_total',
      'Spans, log records and metric points received, per signal and transport.',
    ),
    accepted: registry.counter(
      'gridscope_otlp_items_accepted_total',
      'Items committed to storage.',
    ),
    rejected: registry.counter(
      'gridscope_otlp_items_rejected_total',
      'Items refused as invalid and reported in partial_success.',
    ),
    refused: registry.counter(
      'gridscope_otlp_items_refused_total',
      'Valid items of requests answered with an error (queue full, storage unavailable).',
    ),
  };
  const batchRows = registry.histogram(
    'gridscope_store_batch_rows',
    'Rows per insert.',
    [100, 1000, 5000, 10000, 25000, 50000, 100000],
  );
  const insertSeconds = registry.histogram(
    'gridscope_store_insert_duration_seconds',
    'Time to write one batch, retries included.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  const insertResults = registry.counter(
    'gridscope_store_inserts_total',
    'Inserts by table and result.',
  );

  const backend: Backend = config.clickhouseUrl
    ? { kind: 'server', url: config.clickhouseUrl }
    : { kind: 'embedded', dataDir: config.dataDir };
  const store = new Store({
    backend,
    databasePrefix: config.databasePrefix,
    cluster: config.clickhouseCluster,
    retention: {
      tracesDays: config.retentionTracesDays,
      logsDays: config.retentionLogsDays,
      metricsDays: config.retentionMetricsDays,
      auditDays: config.retentionAuditDays,
    },
    batch: {
      maxRows: config.batchMaxRows,
      maxBytes: config.batchMaxBytes,
      maxDelayMs: config.batchMaxDelayMs,
      minIntervalMs: config.batchMinIntervalMs,
    },
    write: { retries: config.insertRetries, retryDelayMs: 200, nice: config.writeNice },
    queueMaxBytes: config.queueMaxBytes,
    insertConnections: config.insertConnections,
    readConnections: config.readConnections,
    observer: {
      onBatch(table, rows, _bytes, seconds, result) {
        batchRows.observe(rows, { table });
        insertSeconds.observe(seconds, { table });
        insertResults.inc({ table, result: result.status });
      },
    },
    log: log.child({ module: 'store' }),
  });
  registry.gauge(
    'gridscope_ingest_queue_bytes',
    'Row bytes queued or being written.',
    () => store.budget.bytes,
  );
  registry.gauge(
    'gridscope_ingest_queue_max_bytes',
    'Queue limit in bytes.',
    () => store.budget.maxBytes,
  );

  await store.preparePlatform();
  const audit = new AuditLog(store, clock);
  const pinned = new Set([config.defaultOrg, ...config.ingestTokens.values()]);
  const metricTypes = new MetricTypes({ ttlMs: config.metricTypesTtlMs, clock });
  // A deleted organization's keys stop working as soon as the key ring is rebuilt, its
  // collectors stop scraping, and the metric types kept for reads are read again.
  // Organizations and keys change one at a time, so that a check (an id not taken yet, an
  // organization not deleted) still holds when its change is written.
  const changes = new Serial();
  const orgs: Organizations = new Organizations(
    store,
    audit,
    clock,
    pinned,
    async () => {
      await keys.refresh();
      await collectors.dropDeletedOrgs();
      metricTypes.clear();
    },
    changes,
  );
  const keys: ApiKeys = new ApiKeys(() => store.platform(), audit, clock, changes);
  const system: ChangeContext = {
    actor: { type: 'system', id: 'gridscope', name: 'gridscope' },
    requestId: '',
    clientAddress: '',
  };
  const auth = new IngestAuth(config.ingestTokens, config.defaultOrg, keys.ring);
  let ready = false;
  /** Set first thing on close: the OTLP/HTTP receiver refuses requests from then on. */
  let stopping = false;
  const migrations = (async () => {
    for (const org of auth.organizations()) {
      // Deleting an organization stops its keys; tokens configured for it afterwards do
      // not bring it back.
      if ((await orgs.ensure(org, system)) === 'deleted') {
        auth.refuse(org);
        log.error(
          { org },
          org === config.defaultOrg
            ? '--default-org names a deleted organization; OTLP requests need a token or ingest key of another'
            : 'ingest tokens name a deleted organization; they are refused',
        );
      }
    }
    await keys.refresh();
    await bootstrapAdmin(config, keys, system, log);
    ready = true;
  })();
  // Another Gridscope on the same ClickHouse server may change keys; pick that up.
  const keyRefresh = setInterval(() => {
    keys.refresh().catch((err: unknown) => log.warn({ err }, 'API key refresh failed'));
  }, 30_000);
  keyRefresh.unref();
  // The organizations the background roll-ups go through.
  const orgIds = async () => (await orgs.list()).map((o) => o.id);
  // Rolls up the service map's calls; told of stored spans, so that late ones count.
  const edgeRoller = new ServiceEdgeRoller(
    store,
    orgIds,
    clock,
    systemTimers,
    log.child({ module: 'service-map' }),
    {
      ...DEFAULT_EDGE_ROLLER,
      delayMs: config.serviceMapDelayMs,
      lookbackMs: config.retentionTracesDays * 86_400_000,
    },
  );
  // Rolls up quarter hours of histograms for long reads; pending quarters are in the store.
  const quarterRoller = new HistogramQuarterRoller(
    store,
    orgIds,
    systemTimers,
    log.child({ module: 'histogram-quarters' }),
    { ...DEFAULT_QUARTER_ROLLER, marginMs: config.histogramQuarterMarginMs },
  );
  // Memory of the whole process, the embedded engine's included, and the part of it that
  // is JavaScript's, so that a growing RSS can be told apart.
  registry.gauge(
    'process_resident_memory_bytes',
    'Resident memory of the process, the embedded engine included.',
    () => process.memoryUsage.rss(),
  );
  registry.gauge(
    'nodejs_heap_size_used_bytes',
    'JavaScript heap in use.',
    () => process.memoryUsage().heapUsed,
  );
  registry.gauge(
    'nodejs_external_memory_bytes',
    'Memory of buffers held by JavaScript objects.',
    () => process.memoryUsage().external,
  );
  // The engine's own account of its memory, read when /metrics is scraped: RSS growing
  // with these is the engine's caches or merges; growing without them, memory the
  // allocator keeps.
  const engineMemory = new EngineMemoryGauges(() => store.engineMemory(), registry);
  // Registered before the store reports ready, so that /metrics has them from then on.
  registry.gauge(
    'gridscope_service_map_pending_chunks',
    'Ten-minute chunks of calls the service map has yet to roll up (NaN before the first pass).',
    () => edgeRoller.pending,
  );
  registry.gauge(
    'gridscope_quarter_rollups_pending',
    'Quarter hours of histograms left to roll up for long reads (NaN before the first pass).',
    () => quarterRoller.pending,
  );
  const pipeline = new OtlpPipeline(
    store,
    counters,
    {
      traces: config.retentionTracesDays,
      logs: config.retentionLogsDays,
      metrics: config.retentionMetricsDays,
    },
    now,
    (org, fromMs, toMs) => edgeRoller.noteSpans(org, fromMs, toMs),
  );

  const version = packageVersion();
  const collectors: Collectors = new Collectors(
    store,
    audit,
    clock,
    new ScrapeScheduler({
      clock,
      timers: systemTimers,
      fetch: (url, init) => fetch(url, init),
      sink: pipelineSink(pipeline, store),
      storedSeries: storedSeriesReader(store, clock),
      oldestMs: () => pipeline.expiredBeforeSec('metrics') * 1000,
      log: log.child({ module: 'collectors' }),
      userAgent: `Gridscope/${version}`,
    }),
    (org) => orgs.state(org),
    { ...DEFAULT_INTERVAL_LIMITS, minIntervalMs: config.collectorMinIntervalMs },
    log.child({ module: 'collectors' }),
    changes,
  );
  const health = async (): Promise<HealthReport> => {
    const ping = await store.ping().then(
      (ok) => ({ ok, error: ok ? null : 'store did not answer' }),
      (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
    const { bytes, maxBytes } = store.budget;
    return {
      status: ping.ok && ready ? 'ok' : 'degraded',
      version,
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
      store: { ok: ping.ok, kind: backend.kind, error: ping.error },
      migrations: { done: ready },
      ingestQueue: { bytes, maxBytes, utilization: maxBytes > 0 ? bytes / maxBytes : 0 },
    };
  };
  const opsServer = await listen(
    apiApp({
      ops: {
        registry,
        version,
        ready: async () => ready && (await store.ping()),
        refresh: () => engineMemory.refresh(),
      },
      deps: {
        orgs,
        keys,
        audit,
        clock,
        store,
        health,
        collectors,
        metricTypes,
        metricsRetentionDays: config.retentionMetricsDays,
        queryLimits: {
          timeoutMs: config.queryTimeoutMs,
          maxRangeMs: config.queryMaxRangeDays * 86_400_000,
          logsMaxPageBytes: config.logsMaxPageBytes,
          sqlMaxRows: config.sqlMaxRows,
          sqlMaxBytes: config.sqlMaxResultBytes,
          sqlMaxMemoryBytes: config.sqlMaxMemoryBytes,
        },
      },
      auth: config.auth,
      defaultOrg: config.defaultOrg,
      rateLimit: { perSecond: config.apiRateLimit, burst: config.apiRateBurst },
      maxBodyBytes: config.apiMaxBodyBytes,
      corsOrigins: config.corsOrigins,
      log: log.child({ module: 'api' }),
      stopping: () => stopping,
    }),
    config.httpAddr,
    config.httpRequestTimeoutMs,
  );
  // Migrations must finish before the receivers listen: nothing is accepted that cannot be stored.
  await migrations;
  // Scraping starts once every configured organization's schema is ready.
  await collectors.start();
  edgeRoller.start();
  quarterRoller.start();
  const httpServer = await listen(
    otlpHttpApp({
      pipeline,
      auth,
      maxRequestBytes: config.maxRequestBytes,
      log: log.child({ module: 'otlp-http' }),
      stopping: () => stopping,
    }),
    config.otlpHttpAddr,
    config.httpRequestTimeoutMs,
  );
  const grpcServer = otlpGrpcServer({
    pipeline,
    auth,
    maxRequestBytes: config.maxRequestBytes,
    log: log.child({ module: 'otlp-grpc' }),
  });
  const grpcPort = await bindGrpc(grpcServer, config.otlpGrpcAddr);

  log.info(
    {
      storage:
        backend.kind === 'embedded'
          ? { embedded: backend.dataDir }
          : { server: redactUrl(backend.url) },
      otlpGrpc: grpcPort,
      otlpHttp: portOf(httpServer),
      http: portOf(opsServer),
      organizations: auth.organizations(),
      ingestAuth: auth.enabled ? 'tokens or ingest keys' : 'none',
      apiAuth: config.auth,
    },
    'gridscope started',
  );
  // In the background: a deleted organization takes no writes, and its migrations may take
  // a while (a backfill), which must not hold up the live ones.
  const deletedPrepared = prepareDeletedOrgs(store, log);

  let closing: Promise<void> | undefined;
  return {
    ports: { otlpGrpc: grpcPort, otlpHttp: portOf(httpServer), http: portOf(opsServer) },
    store,
    registry,
    close() {
      closing ??= (async () => {
        ready = false;
        stopping = true;
        clearInterval(keyRefresh);
        // No scrape may write after the store drains.
        await collectors.stop();
        await edgeRoller.stop();
        await quarterRoller.stop();
        await deletedPrepared;
        // Stop taking requests; those in flight still get their answer once their rows
        // commit, and the store closes only once every listener has answered its last.
        const stopped = Promise.all([
          closeHttp(httpServer),
          closeGrpc(grpcServer, config.shutdownTimeoutMs),
          closeHttp(opsServer),
        ]);
        await store.drain();
        await stopped;
        await store.close();
        log.info('gridscope stopped');
      })();
      return closing;
    },
  };
}

/** The file a generated platform admin key is written to. */
export function bootstrapKeyPath(dataDir: string): string {
  return join(resolve(dataDir), 'bootstrap-admin.key');
}

/**
 * Makes sure the platform has an admin key when auth is on: the one given, or a generated
 * one written (mode 0600) to the data directory. With auth off it says so loudly.
 */
async function bootstrapAdmin(
  config: Config,
  keys: ApiKeys,
  system: ChangeContext,
  log: Logger,
): Promise<void> {
  if (config.auth === 'off') {
    log.warn(
      'REST API AUTH IS OFF (--auth off): every caller acts as platform admin. Use this only for local experiments.',
    );
    return;
  }
  const created = await keys.bootstrap(config.bootstrapAdminKey, system);
  if (created === undefined) {
    if (config.bootstrapAdminKey !== undefined && !keys.authenticate(config.bootstrapAdminKey)) {
      log.warn('--bootstrap-admin-key ignored: a platform admin key already exists');
    }
    return;
  }
  if (config.bootstrapAdminKey !== undefined) {
    log.info('platform admin key set from --bootstrap-admin-key');
    return;
  }
  const path = bootstrapKeyPath(config.dataDir);
  mkdirSync(resolve(config.dataDir), { recursive: true });
  writeFileSync(path, created + '\n', { mode: 0o600 });
  chmodSync(path, 0o600); // an older file keeps its mode through writeFileSync
  log.warn({ path }, 'generated the platform admin key; it is in this file (mode 0600)');
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export { type Backend };
