/**
 * The query benchmark's bulk load, run as a process of its own (the embedded engine binds
 * one data directory per process): migrates the default organization's database, then
 * generates spans, log records and metric points inside the engine with INSERT ... SELECT
 * FROM numbers() in chunks, which bounds memory, and waits a while for merges to settle.
 * Progress goes to stderr; the last stdout line is a JSON LoadResult.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { parseArgs } from 'node:util';
import { openClient, statementSettings } from '../src/store/client.js';
import { migrate } from '../src/store/migrations.js';
import { applyRetention } from '../src/store/retention.js';
import { buildLayout } from './query-shape.js';
import { pointsInsert, type PointTable } from './query-sql-metrics.js';
import { DATABASE, LAYOUT_ROWS, logsInsert, spansInsert, type Chunk } from './query-sql.js';

/** What the load wrote and how long each part took. */
export interface LoadResult {
  spans: number;
  logs: number;
  points: number;
  seconds: { spans: number; logs: number; points: number; settle: number; total: number };
  /** The loader's own peak RSS (the engine included), bytes. */
  peakRssBytes: number;
}

/** Retention the server applies by default, so that its start alters nothing. */
const RETENTION = { tracesDays: 30, logsDays: 30, metricsDays: 90, auditDays: 2557 };
/** Shares of the metric points per table. */
const POINT_SHARES: readonly [PointTable, number][] = [
  ['gauge', 0.25],
  ['sum', 0.3],
  ['histogram', 0.3],
  ['exponential_histogram', 0.1],
  ['summary', 0.05],
];
/** Both cores: numbers_mt feeds two insert streams. */
const INSERT_SETTINGS = { max_insert_threads: '2', max_threads: 2 };

const log = (message: string) => console.error(`[load] ${message}`);

/**
 * Metric points skip building their skip indexes (bloom filters of attribute keys and
 * values) at insert, which is most of the cost of writing them; merges build them later.
 * No timed metric query filters by attribute, so none would use them.
 */
const POINT_SETTINGS = { materialize_skip_indexes_on_insert: 0 };

async function chunked(
  client: ClickHouseClient,
  label: string,
  total: number,
  chunkRows: number,
  sql: (c: Chunk) => string,
  nowMs: number,
  settings: Record<string, number> = {},
): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < total; start += chunkRows) {
    const count = Math.min(chunkRows, total - start);
    await client.command({
      query: sql({ start, count, nowMs }),
      clickhouse_settings: { ...statementSettings(), ...INSERT_SETTINGS, ...settings },
    });
    const s = (performance.now() - started) / 1000;
    log(
      `${label}: ${start + count} / ${total} rows, ${s.toFixed(0)} s (${Math.round((start + count) / s)} rows/s)`,
    );
  }
  return (performance.now() - started) / 1000;
}

async function scalar(client: ClickHouseClient, query: string): Promise<number> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  const rows = await rs.json<{ v: string | number }>();
  return Number(rows[0]?.v ?? 0);
}

/**
 * Lets merges catch up before the reads are timed: waits until no merge has run for a few
 * seconds, then asks every table for the merges its merge selector would still choose
 * (OPTIMIZE without FINAL) until the number of active parts stops falling, or `maxSeconds`
 * have passed. Otherwise the server, opening the directory, runs those merges while the
 * first reads are timed, which made such a pass up to twice as slow as the next.
 */
async function settle(client: ClickHouseClient, maxSeconds: number): Promise<number> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let quiet = 0;
  while (elapsed() < maxSeconds && quiet < 3) {
    const merges = await scalar(
      client,
      `SELECT count() AS v FROM system.merges WHERE database = '${DATABASE}'`,
    );
    quiet = merges === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const activeParts = () =>
    scalar(
      client,
      `SELECT count() AS v FROM system.parts WHERE active AND database = '${DATABASE}'`,
    );
  const rs = await client.query({
    query: `SELECT name FROM system.tables WHERE database = '${DATABASE}' AND engine LIKE '%MergeTree'`,
    format: 'JSONEachRow',
  });
  const tables = (await rs.json<{ name: string }>()).map((t) => t.name);
  const before = await activeParts();
  let parts = before;
  while (elapsed() < maxSeconds) {
    for (const t of tables) await client.command({ query: `OPTIMIZE TABLE ${DATABASE}.\`${t}\`` });
    const now = await activeParts();
    if (now >= parts) break;
    parts = now;
  }
  const s = elapsed();
  log(`merges: waited ${s.toFixed(0)} s, ${before} active parts, ${parts} after merging`);
  return s;
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      spans: { type: 'string', default: '0' },
      logs: { type: 'string', default: '0' },
      points: { type: 'string', default: '0' },
      'now-ms': { type: 'string' },
      'chunk-rows': { type: 'string', default: '2000000' },
      'settle-seconds': { type: 'string', default: '120' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');
  const spans = Number(values.spans);
  const logs = Number(values.logs);
  const points = Number(values.points);
  const nowMs = Number(values['now-ms'] ?? Date.now());
  const chunk = Number(values['chunk-rows']);
  const started = performance.now();

  const client = openClient({ kind: 'embedded', dataDir });
  const target = { database: DATABASE };
  await migrate(client, target);
  await applyRetention(client, target, RETENTION);
  const layout = buildLayout(LAYOUT_ROWS, 1);
  const spanBlocks = Math.floor(spans / LAYOUT_ROWS);

  const tSpans = await chunked(client, 'spans', spans, chunk, (c) => spansInsert(layout, c), nowMs);
  const tLogs = await chunked(
    client,
    'logs',
    logs,
    chunk,
    (c) => logsInsert(layout, spanBlocks, c),
    nowMs,
  );
  let tPoints = 0;
  let written = 0;
  for (const [i, [table, share]] of POINT_SHARES.entries()) {
    const n = i === POINT_SHARES.length - 1 ? points - written : Math.round(points * share);
    written += n;
    tPoints += await chunked(
      client,
      `points (${table})`,
      n,
      chunk,
      (c) => pointsInsert(table, n, c),
      nowMs,
      POINT_SETTINGS,
    );
  }
  const tSettle = await settle(client, Number(values['settle-seconds']));
  await client.close();
  const result: LoadResult = {
    spans,
    logs,
    points,
    seconds: {
      spans: tSpans,
      logs: tLogs,
      points: tPoints,
      settle: tSettle,
      total: (performance.now() - started) / 1000,
    },
    peakRssBytes: peakRss(),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[load] failed:', err);
    process.exit(1);
  },
);
