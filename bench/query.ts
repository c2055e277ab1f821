/**
 * Gridscope's query benchmark (`npm run bench:query -- --help`).
 *
 * Loads spans, log records and metric points spread over the last 24 hours into a fresh
 * data directory (the bulk generated inside the engine by a child process that exits
 * before the server starts, a sample through the receiver), starts the compiled server on
 * it, and times each read endpoint over the REST API, one call at a time after a warm-up.
 * Progress goes to stderr; the last stdout line is the JSON summary; a dated line is added
 * to the "Query benchmark" table of bench/RESULTS.md.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_QUARTER_ROLLER } from '../src/query/metrics/quarter-roller.js';
import { mib, note } from './progress.js';
import { Api, buildCases, runCase, type CaseResult } from './query-cases.js';
import type { LoadResult as IngestResult } from './load.js';
import { runBulkLoad, sendSample, startIngest } from './query-phases.js';
import {
  describe,
  queryResultsLine,
  recordQueryResults,
  type QuerySummary,
} from './query-results.js';
import {
  procMemory,
  RssSampler,
  serverFlags,
  seriesValue,
  startServer,
  type ServerChild,
} from './server.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** The platform admin key of every benchmark data directory (set at its first start). */
const ADMIN_KEY = 'gsk_query_benchmark_admin_key_0001';
const SAMPLE_ITEMS_PER_REQUEST = 500;
const HELP = `Usage: npm run bench:query -- [options]

  --spans N          spans to load (default 10000000)
  --logs N           log records to load (default 10000000)
  --points N         metric points to load (default 50000000)
  --sample N         requests of ${SAMPLE_ITEMS_PER_REQUEST} items per signal sent through the receiver (default 8)
  --iterations N     timed calls per case (default 30)
  --warmup N         untimed calls per case first (default 3)
  --case-budget S    stop a case's timed calls after S seconds (default 60)
  --ingest-clients N time the reads while N OTLP clients send logs, spans and metric points
                     (1,000 per request, one request in flight each; default 0: no ingest,
                     or 8 with --ingest-rate)
  --ingest-rate N    with ingest, at most N items/s in all (default: as fast as answered)
  --server-arg K=V   extra flag for gridscope serve, e.g. batch-max-delay-ms=500 (repeatable)
  --data-dir D       reuse a directory loaded by an earlier run with --keep (skips loading;
                     times the ranges that run timed, noted in D/bench-query-window.json)
  --keep             keep the data directory (its path is printed)
  --no-record        do not add a line to bench/RESULTS.md
  For development: --spans 300000 --logs 300000 --points 1000000 --iterations 10 --no-record
`;

interface Options {
  spans: number;
  logs: number;
  points: number;
  sample: number;
  iterations: number;
  warmup: number;
  caseBudgetSec: number;
  ingestClients: number;
  ingestRate: number | undefined;
  /** Extra flags for gridscope serve, as `--name value` pairs. */
  serverArgs: string[];
  dataDir: string | undefined;
  keep: boolean;
  record: boolean;
}

/** A bad command line: reported with the help text, without a stack. */
class UsageError extends Error {}

function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        spans: { type: 'string' },
        logs: { type: 'string' },
        points: { type: 'string' },
        sample: { type: 'string' },
        iterations: { type: 'string' },
        warmup: { type: 'string' },
        'case-budget': { type: 'string' },
        'ingest-clients': { type: 'string' },
        'ingest-rate': { type: 'string' },
        'server-arg': { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        keep: { type: 'boolean' },
        'no-record': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  const int = (name: keyof typeof values, fallback: number, min: number, max: number) => {
    const raw = values[name];
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  let serverArgs: string[];
  try {
    serverArgs = serverFlags(values['server-arg'] ?? []).args;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dataDir = values['data-dir'];
  if (dataDir !== undefined && !existsSync(dataDir))
    throw new UsageError(`--data-dir ${dataDir} does not exist`);
  return {
    spans: int('spans', 10_000_000, 0, 1e9),
    logs: int('logs', 10_000_000, 0, 1e9),
    points: int('points', 50_000_000, 0, 1e10),
    sample: int('sample', 8, 0, 1000),
    iterations: int('iterations', 30, 1, 100_000),
    warmup: int('warmup', 3, 0, 1000),
    caseBudgetSec: int('case-budget', 60, 1, 86_400),
    ingestClients: int('ingest-clients', values['ingest-rate'] === undefined ? 0 : 8, 0, 64),
    ingestRate:
      values['ingest-rate'] === undefined ? undefined : int('ingest-rate', 0, 1, 10_000_000),
    serverArgs,
    dataDir: dataDir === undefined ? undefined : resolve(dataDir),
    keep: values.keep === true,
    record: values['no-record'] !== true,
  };
}

/** Rows in the organization's tables, read through the SQL endpoint. */
async function countRows(api: Api): Promise<QuerySummary['loaded']> {
  const [row] = await api.sql<Record<string, string | number>>(
    `SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM otel_logs) AS logs,
       (SELECT count() FROM otel_metrics_gauge) + (SELECT count() FROM otel_metrics_sum)
       + (SELECT count() FROM otel_metrics_histogram)
       + (SELECT count() FROM otel_metrics_exponential_histogram)
       + (SELECT count() FROM otel_metrics_summary) AS points`,
  );
  return { spans: Number(row?.spans), logs: Number(row?.logs), points: Number(row?.points) };
}

/** Items per request of the background ingest (--ingest-clients). */
const INGEST_ITEMS_PER_REQUEST = 1000;

/** What the background ingest achieved while the cases ran. */
function ingestSummary(clients: number, r: IngestResult): NonNullable<QuerySummary['ingest']> {
  const stats = Object.entries(r.stats);
  const bySignal = Object.fromEntries(
    stats.map(([signal, s]) => [signal, Math.round(s.items / r.seconds)]),
  );
  return {
    clients,
    itemsPerSec: Object.values(bySignal).reduce((a, b) => a + b, 0),
    bySignal,
    failed: stats.reduce((n, [, s]) => n + s.failed, 0),
  };
}

const live = new Set<ChildProcess>();

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.error(HELP);
    return 0;
  }
  const startedAt = new Date();
  const reused = opts.dataDir !== undefined;
  const work = reused ? undefined : mkdtempSync(join(tmpdir(), 'gridscope-query-bench-'));
  const dataDir = opts.dataDir ?? join(work!, 'data');
  let server: ServerChild | undefined;
  let sampler: RssSampler | undefined;
  const cleanUp = () => {
    sampler?.stop();
    server?.kill();
    for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
    if (work && !opts.keep) rmSync(work, { recursive: true, force: true });
  };
  const interrupted = () => {
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    let loadSeconds: number | null = null;
    const nowMs = Date.now();
    if (!reused) {
      note(`bulk load: ${opts.spans} spans, ${opts.logs} logs, ${opts.points} points`);
      const bulk = await runBulkLoad({
        root: ROOT,
        dataDir,
        spans: opts.spans,
        logs: opts.logs,
        points: opts.points,
        nowMs,
        onSpawn: (c) => live.add(c),
      });
      note(
        `  loaded in ${bulk.seconds.total.toFixed(0)} s (spans ${bulk.seconds.spans.toFixed(0)} s, logs ${bulk.seconds.logs.toFixed(0)} s, points ${bulk.seconds.points.toFixed(0)} s, merges ${bulk.seconds.settle.toFixed(0)} s); loader peak RSS ${mib(bulk.peakRssBytes)}`,
      );
      loadSeconds = bulk.seconds.total;
    }
    note('starting gridscope');
    const serverArgs = ['--bootstrap-admin-key', ADMIN_KEY];
    serverArgs.push('--api-rate-limit', '1000000', '--api-rate-burst', '1000000');
    serverArgs.push(...opts.serverArgs);
    server = await startServer(ROOT, dataDir, serverArgs, (c) => live.add(c));
    sampler = new RssSampler(server.pid, 500);
    note(`  ready (pid ${server.pid}), RSS ${mib(sampler.latest())}`);
    if (!reused && opts.sample > 0) {
      const t0 = performance.now();
      const sent = await sendSample(server.ports, opts.sample, SAMPLE_ITEMS_PER_REQUEST, nowMs);
      const s = (performance.now() - t0) / 1000;
      loadSeconds = (loadSeconds ?? 0) + s;
      note(`  receiver sample: ${JSON.stringify(sent)} in ${s.toFixed(1)} s`);
    }

    // Reads are timed as they run once Gridscope has rolled up the service map's calls and
    // the histograms' quarter hours.
    const rolledIn = await waitForRollups(server);
    note(`  service map and histogram quarters rolled up (waited ${rolledIn.toFixed(0)} s)`);

    const api = new Api(`http://127.0.0.1:${server.ports.http}`, ADMIN_KEY);
    const loaded = await countRows(api);
    note(`  in the tables: ${JSON.stringify(loaded)}`);
    const traceIds = (
      await api.sql<{ id: string }>(
        'SELECT TraceId AS id FROM otel_traces_trace_id_ts ORDER BY cityHash64(TraceId) LIMIT 500',
      )
    ).map((r) => r.id);
    const doc = JSON.parse((await api.call('/api/v1/openapi.json')).text) as {
      paths?: Record<string, { get?: unknown }>;
    };
    const skipped: string[] = [];
    const withMetrics = doc.paths?.['/api/v1/monitoring/metrics']?.get !== undefined;
    if (!withMetrics)
      skipped.push('metric queries: GET /api/v1/monitoring/metrics is not in the API document');
    if (traceIds.length === 0) skipped.push('trace by id: no traces in the data');
    for (const s of skipped) note(`  SKIPPED ${s}`);

    const windowEndMs = timedWindow(dataDir, reused);
    const defs = buildCases(traceIds, withMetrics, windowEndMs);
    const cases: Record<string, CaseResult> = {};
    const ingest =
      opts.ingestClients > 0
        ? startIngest(
            server.ports,
            opts.ingestClients,
            INGEST_ITEMS_PER_REQUEST,
            Date.now(),
            opts.ingestRate,
          )
        : undefined;
    if (ingest) {
      const rate = opts.ingestRate === undefined ? '' : `, at most ${opts.ingestRate} items/s`;
      note(`  reads timed under ingest: ${opts.ingestClients} OTLP clients${rate}`);
    }
    let ingested: QuerySummary['ingest'] = null;
    try {
      for (const def of defs) {
        const r = await runCase(api, def, opts.iterations, opts.warmup, opts.caseBudgetSec * 1000);
        cases[def.name] = r;
        note(describe(def.name, r));
      }
    } finally {
      const result = await ingest?.stop();
      if (result) ingested = ingestSummary(opts.ingestClients, result);
    }
    if (ingested) {
      note(
        `  ingest while timing: ${ingested.itemsPerSec} items/s (${JSON.stringify(ingested.bySignal)}), ${ingested.failed} failed requests`,
      );
    }

    const peakRssBytes = Math.max(procMemory(server.pid)?.hwm ?? 0, sampler.maxRss());
    sampler.stop();
    note(`stopping gridscope (SIGTERM); peak RSS ${mib(peakRssBytes)}`);
    const code = await server.stop(60_000);
    if (code !== 0) note(`WARNING: gridscope exited with code ${code}`);

    const summary: QuerySummary = {
      cases,
      loaded,
      loadSeconds,
      peakRssBytes,
      skipped,
      ingest: ingested,
    };
    if (opts.record) {
      const line = queryResultsLine(
        summary,
        defs,
        { date: startedAt, iterations: opts.iterations, reused },
        ROOT,
      );
      recordQueryResults(join(ROOT, 'bench', 'RESULTS.md'), line);
      note('added to bench/RESULTS.md');
    }
    if (opts.keep && work) note(`data directory kept: ${dataDir} (reuse with --data-dir)`);
    const failed = Object.values(cases).filter((c) => c.failed > 0).length;
    if (failed > 0) note(`${failed} case(s) had answers other than 200; see above`);
    const missed = Object.entries(cases).filter(([, c]) => c.met === false);
    note(`targets missed: ${missed.map(([n]) => n).join(', ') || 'none'}`);
    process.stdout.write(JSON.stringify(summary) + '\n');
    return failed > 0 ? 1 : 0;
  } finally {
    cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    console.error('bench:query failed:', err);
    process.exit(1);
  },
);

/** Longest wait for the roll-ups before timing. */
const ROLLUP_WAIT_MS = 15 * 60_000;

/**
 * How long a written histogram quarter waits before it is rolled up: the server's default
 * --histogram-quarter-margin-ms, a pass interval and some slack. The server counts a quarter
 * as pending only once that margin has passed.
 */
const QUARTER_SETTLE_MS =
  DEFAULT_QUARTER_ROLLER.marginMs + DEFAULT_QUARTER_ROLLER.intervalMs + 5_000;

/** The roll-ups the server reports as pending, each of which must reach 0. */
const PENDING_GAUGES = [
  'gridscope_service_map_pending_chunks',
  'gridscope_quarter_rollups_pending',
] as const;

/**
 * Waits until the server reports nothing left to roll up, and at least QUARTER_SETTLE_MS
 * since this wait began (the quarters written by the load settle first); returns the
 * seconds waited.
 */
async function waitForRollups(server: ServerChild): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const metrics = await server.metrics();
    const pending = PENDING_GAUGES.map((g) => {
      const v = seriesValue(metrics, g);
      if (v === undefined) throw new Error(`${g} is missing`);
      return v;
    });
    const waited = performance.now() - t0;
    if (pending.every((v) => v === 0) && waited >= QUARTER_SETTLE_MS) return waited / 1000;
    if (waited > ROLLUP_WAIT_MS) {
      throw new Error(
        `still pending after 15 min: ${PENDING_GAUGES.join(', ')} = ${pending.join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Where a run that loaded a data directory notes the end of the ranges it timed. */
const WINDOW_FILE = 'bench-query-window.json';

/**
 * The end of the timed ranges (Unix ms), or undefined for ranges ending now. A run that
 * loads its data times ranges ending now and notes that time in the data directory; a run
 * reusing the directory times the same ranges, so that its reads cover the same data
 * however much later it runs.
 */
function timedWindow(dataDir: string, reused: boolean): number | undefined {
  const file = join(dataDir, WINDOW_FILE);
  if (!reused) {
    writeFileSync(file, JSON.stringify({ endMs: Date.now() }));
    return undefined;
  }
  if (!existsSync(file)) {
    note(`  no ${WINDOW_FILE} in the data directory: ranges end now`);
    return undefined;
  }
  const { endMs } = JSON.parse(readFileSync(file, 'utf8')) as { endMs: number };
  note(`  ranges end at ${new Date(endMs).toISOString()}, as in the run that loaded the data`);
  return endMs;
}
