/**
 * The raw-engine phase, run as its own process (the embedded engine binds one data
 * directory per process): the same pre-generated requests, decoded and converted to Native
 * blocks by Gridscope's own converters before timing, then inserted straight into the engine
 * in batches shaped like the server's. Only the insert calls are timed. Progress goes to
 * stderr; the last stdout line is a JSON object of RawResult per signal.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logsToRows } from '../src/ingest/otlp/logs-rows.js';
import { metricsToRows } from '../src/ingest/otlp/metrics-rows.js';
import { systemNowNanos } from '../src/ingest/otlp/pipeline.js';
import type { Signal } from '../src/ingest/otlp/proto.js';
import { tracesToRows } from '../src/ingest/otlp/traces-rows.js';
import type { Converted } from '../src/ingest/otlp/convert-common.js';
import { splitNanos } from '../src/lib/nanos.js';
import { openClient } from '../src/store/client.js';
import { migrate } from '../src/store/migrations.js';
import { applyRetention } from '../src/store/retention.js';
import type { TableName } from '../src/store/tables.js';
import { writeRows } from '../src/store/writer.js';
import { readPool } from './pool-file.js';
import type { RawResult } from './raw-phase.js';

interface Batch {
  table: TableName;
  body: Uint8Array;
  rows: number;
}

interface Part {
  body: Uint8Array;
  rows: number;
}

/** Database name the server uses for the default organization. */
const DATABASE = 'gridscope_default';
const MAX_INSERTS_PER_SIGNAL = 100_000;

/** Retention the server applies by default (--retention-*-days), in days. */
const RETENTION = { tracesDays: 30, logsDays: 30, metricsDays: 90, auditDays: 2557 };

/** Decodes and converts one request exactly as the server's pipeline does. */
function convert(signal: Signal, body: Uint8Array): Converted {
  const now = splitNanos(systemNowNanos());
  const days = {
    logs: RETENTION.logsDays,
    traces: RETENTION.tracesDays,
    metrics: RETENTION.metricsDays,
  }[signal];
  const expiredBefore = now.sec - days * 86_400;
  switch (signal) {
    case 'logs':
      return logsToRows(body, now, expiredBefore);
    case 'traces':
      return tracesToRows(body, expiredBefore);
    case 'metrics':
      return metricsToRows(body, expiredBefore);
  }
}

/**
 * Joins request parts into batches the way the server's batcher does: a batch takes whole
 * requests while it stays within both limits. Parts are taken cyclically so every batch is
 * full, and each part is used at least once.
 */
function batchesOf(
  table: TableName,
  parts: readonly Part[],
  maxRows: number,
  maxBytes: number,
): Batch[] {
  const out: Batch[] = [];
  let used = 0;
  let i = 0;
  while (used < parts.length) {
    const chosen: Uint8Array[] = [];
    let rows = 0;
    let bytes = 0;
    for (;;) {
      const next = parts[i % parts.length]!;
      if (chosen.length > 0 && (rows + next.rows > maxRows || bytes + next.body.length > maxBytes))
        break;
      chosen.push(next.body);
      rows += next.rows;
      bytes += next.body.length;
      i++;
      used++;
      if (chosen.length >= parts.length * 4) break; // a pool much smaller than one batch
    }
    out.push({ table, body: Buffer.concat(chosen), rows });
  }
  return out;
}

/** Converts a signal's pool into insert batches, checking every item converts cleanly. */
function prepare(signal: Signal, poolDir: string, maxRows: number, maxBytes: number): Batch[] {
  const pool = readPool(poolDir, signal);
  const byTable = new Map<TableName, Part[]>();
  for (const r of pool.requests) {
    const c = convert(signal, r.body);
    if (c.rejected > 0 || c.accepted !== r.items) {
      throw new Error(
        `${signal}: generated request converted with ${c.rejected} rejected, ${c.accepted}/${r.items} accepted: ${c.message}`,
      );
    }
    for (const p of c.parts) {
      let list = byTable.get(p.table);
      if (!list) byTable.set(p.table, (list = []));
      list.push({ body: Buffer.concat(p.body), rows: p.rows });
    }
  }
  // Interleave tables, as concurrent batchers of one signal would write them.
  const perTable = [...byTable.entries()].map(([t, parts]) =>
    batchesOf(t, parts, maxRows, maxBytes),
  );
  const out: Batch[] = [];
  for (let i = 0; perTable.some((b) => i < b.length); i++) {
    for (const b of perTable) if (i < b.length) out.push(b[i]!);
  }
  return out;
}

/**
 * Inserts one batch the way the server's writer does on the embedded engine (the rows in a
 * batch file, read with INSERT ... FROM INFILE), so that both phases use the engine's
 * fastest path for these rows.
 */
async function insert(client: ClickHouseClient, batch: Batch, spoolDir: string): Promise<void> {
  const r = await writeRows(client, DATABASE, batch.table, batch.body, randomUUID(), {
    retries: 0,
    retryDelayMs: 0,
    spoolDir,
  });
  if (r.status !== 'success') throw r.error;
}

/** Inserts batches in turn for `seconds`, with one insert in flight per session. */
async function timeInserts(
  clients: ClickHouseClient[],
  batches: Batch[],
  seconds: number,
  spoolDir: string,
): Promise<RawResult> {
  let next = 0;
  let rows = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async (client: ClickHouseClient) => {
    while (performance.now() < deadline && next < MAX_INSERTS_PER_SIGNAL) {
      const batch = batches[next++ % batches.length]!;
      await insert(client, batch, spoolDir);
      rows += batch.rows;
      bytes += batch.body.length;
    }
  };
  await Promise.all(clients.map(worker));
  const elapsed = (performance.now() - started) / 1000;
  const inserts = next;
  return {
    rows,
    seconds: elapsed,
    rowsPerSec: rows / elapsed,
    inserts,
    avgBatchRows: rows / Math.max(1, inserts),
    avgBatchBytes: bytes / Math.max(1, inserts),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      pools: { type: 'string' },
      signals: { type: 'string', default: 'logs,traces,metrics' },
      duration: { type: 'string', default: '20' },
      'batch-rows': { type: 'string' },
      'batch-bytes': { type: 'string' },
      sessions: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  const poolDir = values.pools;
  if (!dataDir || !poolDir || !values['batch-rows'] || !values['batch-bytes'])
    throw new Error('--data-dir, --pools, --batch-rows and --batch-bytes are required');
  const seconds = Number(values.duration);
  const sessions = Number(values.sessions);
  const signals = values.signals.split(',') as Signal[];
  const maxRows = Number(values['batch-rows']);
  const maxBytes = Number(values['batch-bytes']);

  const prepared = new Map<Signal, Batch[]>();
  for (const s of signals) {
    const t0 = performance.now();
    const batches = prepare(s, poolDir, maxRows, maxBytes);
    prepared.set(s, batches);
    const rows = batches.reduce((n, b) => n + b.rows, 0);
    console.error(
      `[raw] ${s}: ${batches.length} batches of ${Math.round(rows / batches.length)} rows avg prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }

  const admin = openClient({ kind: 'embedded', dataDir });
  const target = { database: DATABASE };
  await migrate(admin, target);
  await applyRetention(admin, target, RETENTION);
  const clients = Array.from({ length: sessions }, () => openClient({ kind: 'embedded', dataDir }));
  const spoolDir = join(dataDir, 'spool');
  mkdirSync(spoolDir, { recursive: true });

  const results: Partial<Record<Signal, RawResult>> = {};
  for (const s of signals) {
    const batches = prepared.get(s)!;
    // One untimed insert per table first, as the end-to-end phase warms up too.
    const firsts = new Map(batches.map((b) => [b.table, b] as const));
    for (const b of firsts.values()) await insert(clients[0]!, b, spoolDir);
    const r = await timeInserts(clients, batches, seconds, spoolDir);
    results[s] = r;
    console.error(
      `[raw] ${s}: ${Math.round(r.rowsPerSec)} rows/s (${r.rows} rows, ${r.inserts} inserts of ${Math.round(r.avgBatchRows)} rows / ${(r.avgBatchBytes / 1048576).toFixed(1)} MiB, ${r.seconds.toFixed(1)} s)`,
    );
  }
  await Promise.all([admin, ...clients].map((c) => c.close()));
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[raw] failed:', err);
    process.exit(1);
  },
);
