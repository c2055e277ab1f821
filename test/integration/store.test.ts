/**
 * The store against the real embedded engine: per-statement settings, deduplicated
 * retries, migrations, retention, and how batches fail.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClient, statementSettings } from '../../src/store/client.js';
import { loadMigrations, renderDdl, splitStatements } from '../../src/store/ddl.js';
import { migrate } from '../../src/store/migrations.js';
import { applyRetention } from '../../src/store/retention.js';
import {
  histogramQuantiles,
  QUANTILE_RELATIVE_ERROR,
} from '../../src/store/queries/latency-buckets.js';
import { serviceEdges } from '../../src/store/queries/service-edges.js';
import { Db } from '../../src/store/sql.js';
import { writeRows, type WriteOptions } from '../../src/store/writer.js';
import type { BatchLimits } from '../../src/store/batcher.js';
import { NativeWriter, Store, TABLE_NAMES, TABLE_SCHEMAS } from '../../src/store/index.js';
import type { AppError } from '../../src/lib/errors.js';
import { EXPORTER_COLUMNS, EXPORTER_TYPE_EXCEPTIONS } from './exporter-columns.js';
import { removeDir, silentLog, tempDataDir } from './harness.js';

const dir = tempDataDir('store');
let client: ClickHouseClient;
const target = { database: 'gridscope_storetest' };

beforeAll(async () => {
  client = openClient({ kind: 'embedded', dataDir: dir });
  await migrate(client, target);
});

afterAll(async () => {
  await client.close();
  removeDir(dir);
});

async function scalar(sql: string, settings = statementSettings()): Promise<unknown> {
  const rs = await client.query({
    query: sql,
    format: 'JSONEachRow',
    clickhouse_settings: settings,
  });
  const r = await rs.json<Record<string, unknown>>();
  return Object.values(r[0]!)[0];
}

/** One otel_logs row as a Native block, with empty ids, attributes and scope. */
const logLine = (service: string, body: string) => {
  const w = new NativeWriter(TABLE_SCHEMAS.otel_logs);
  w.dt64(1764000000, 1);
  for (const v of ['', '']) w.text(v); // TraceId, SpanId
  w.u8(0);
  w.text('INFO');
  w.u8(9);
  w.text(service);
  w.text(body);
  w.text(''); // ResourceSchemaUrl
  w.next(); // ResourceAttributes: no entries
  for (const v of ['', '', '']) w.text(v); // ScopeSchemaUrl, ScopeName, ScopeVersion
  w.next(); // ScopeAttributes
  w.next(); // LogAttributes
  w.text(''); // EventName
  w.dt64(1764000000, 2);
  w.u32(0);
  w.text('string');
  for (let i = 0; i < 3; i++) w.u32(0); // dropped counts
  w.endRow();
  return Buffer.concat(w.finish());
};

const countService = (service: string) =>
  scalar(
    `SELECT toUInt32(count()) FROM gridscope_storetest.otel_logs WHERE ServiceName = '${service}'`,
  );

const fastRetry = { retries: 1, retryDelayMs: 10 };

describe('statement settings', () => {
  it('shows why: the embedded session keeps a setting after the statement that set it', async () => {
    await client.insert({
      table: 'gridscope_storetest.otel_logs',
      columns: ['ServiceName'],
      values: Readable.from(['leftover\n'], { objectMode: false }),
      format: 'TabSeparated',
      clickhouse_settings: { insert_deduplication_token: 'left-behind' },
    });
    expect(await scalar("SELECT getSetting('insert_deduplication_token')", {})).toBe('left-behind');
  });
});

/** The name and nice value of each of this process's threads, the embedded engine's among them. */
function threadNices(): { name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((task) => {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // The name is in parentheses; of the fields after it, state is the 3rd, nice the 19th.
      const end = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, end);
      return [{ name, nice: Number(stat.slice(end + 2).split(' ')[16]) }];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

/** Whether this process may change its threads' priority: CAP_SYS_NICE is effective. */
function mayRenice(): boolean {
  const hex = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return ((BigInt(`0x${hex ?? '0'}`) >> 23n) & 1n) === 1n;
}

describe('the nice value of a statement', () => {
  it("is its engine threads' while it runs, whatever ran on them before", async () => {
    const slow = 'SELECT sum(sleepEachRow(0.01)) FROM numbers(100) SETTINGS max_block_size = 1';
    /**
     * The nice values seen while `slow` runs with `nice`: of every thread, and of those
     * running its pipeline (named Query... by the engine while they do).
     */
    const seenWhileRunning = async (nice: number) => {
      const all = new Set<number>();
      const pipeline = new Set<number>();
      let running = true;
      const run = scalar(slow, statementSettings({ os_thread_priority: nice })).finally(
        () => (running = false),
      );
      while (running) {
        for (const t of threadNices()) {
          all.add(t.nice);
          if (t.name.startsWith('Query')) pipeline.add(t.nice);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await run;
      return { all, pipeline };
    };
    // The engine sets it only with the capability (root has it), and is silent without.
    const applied = mayRenice();
    const write = await seenWhileRunning(7);
    expect(write.all.has(7)).toBe(applied);
    // A thread the engine started for the write may keep 7 while idle, but the read's
    // pipeline runs at the read's own value.
    const read = await seenWhileRunning(1);
    // (A thread's value is reset a moment before the engine renames it, so a sample may
    // also catch one at its value before the statement.)
    expect(read.pipeline.has(applied ? 1 : getPriority())).toBe(true);
    expect(read.pipeline.has(7)).toBe(false);
  });
});

describe("the exporter's tables", () => {
  it('hold every column of the exporter (v0.151) with its type', async () => {
    const rs = await client.query({
      query: `SELECT table, name, type FROM system.columns WHERE database = {db:String}`,
      query_params: { db: target.database },
      format: 'JSONEachRow',
      clickhouse_settings: statementSettings(),
    });
    const ours = new Map(
      (await rs.json<{ table: string; name: string; type: string }>()).map((c) => [
        `${c.table}.${c.name}`,
        c.type,
      ]),
    );
    const want: string[] = [];
    const got: string[] = [];
    for (const [table, columns] of Object.entries(EXPORTER_COLUMNS)) {
      for (const [name, type] of columns) {
        const column = `${table}.${name}`;
        want.push(`${column} ${EXPORTER_TYPE_EXCEPTIONS[column] ?? type}`);
        got.push(`${column} ${ours.get(column) ?? '(missing)'}`);
      }
    }
    expect(want.length).toBeGreaterThan(150);
    expect(got).toEqual(want);
  });

  it("give the logs' resource columns from the resource attributes", async () => {
    await client.command({
      query: `INSERT INTO gridscope_storetest.otel_logs (Timestamp, ServiceName, ResourceAttributes)
        VALUES (now64(9), 'k8s-columns', map('k8s.pod.name', 'api-7d9f', 'deployment.environment.name', 'prod'))`,
      clickhouse_settings: statementSettings(),
    });
    const rs = await client.query({
      query: `SELECT \`__otel_materialized_k8s.pod.name\` AS pod,
          \`__otel_materialized_deployment.environment.name\` AS env,
          \`__otel_materialized_k8s.node.name\` AS node
        FROM gridscope_storetest.otel_logs WHERE ServiceName = 'k8s-columns'`,
      format: 'JSONEachRow',
      clickhouse_settings: statementSettings(),
    });
    expect(await rs.json()).toEqual([{ pod: 'api-7d9f', env: 'prod', node: '' }]);
  });
});

describe('statement settings in the SQL text', () => {
  it('hold for their statement only, on the embedded session too', async () => {
    const before = await scalar("SELECT getSetting('max_block_size')");
    expect(before).not.toBe(1234);
    expect(await scalar("SELECT getSetting('max_block_size') SETTINGS max_block_size = 1234")).toBe(
      1234,
    );
    expect(await scalar("SELECT getSetting('max_block_size')")).toBe(before);
  });
});

const spoolDir = join(dir, 'spool-test');
mkdirSync(spoolDir, { recursive: true });

describe('written column types', () => {
  it("are the tables' own, with String for LowCardinality(String)", async () => {
    for (const table of TABLE_NAMES) {
      const rs = await client.query({
        query: `SELECT name, type FROM system.columns
          WHERE database = {db:String} AND table = {table:String}`,
        query_params: { db: target.database, table },
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings(),
      });
      const ddl = new Map(
        (await rs.json<{ name: string; type: string }>()).map((c) => [
          c.name,
          c.type.replace(/LowCardinality\((\w+)\)/g, '$1'),
        ]),
      );
      const written = TABLE_SCHEMAS[table];
      expect(written.length).toBeGreaterThan(10);
      expect(written.map(([name, type]) => `${table}.${name} ${type}`)).toEqual(
        written.map(([name]) => `${table}.${name} ${ddl.get(name)}`),
      );
    }
  });
});

// The embedded engine reads inserts from batch files; a server takes the same blocks in the
// request body (see 'inserts sent to a server' below).
describe('writing rows', () => {
  const opts: WriteOptions = { ...fastRetry, spoolDir };
  /** Writes one log row of `service` as a batch with `token`. */
  const writeLog = (service: string, body: string, token: string, o = opts, db = target.database) =>
    writeRows(client, db, 'otel_logs', logLine(service, body), token, o);
  it('runs every statement with the baseline, so no token outlives its insert', async () => {
    const first = await writeLog('tokens', 'one', 'token-1', { ...opts, nice: 5 });
    expect(first.status).toBe('success');
    expect(await scalar("SELECT getSetting('insert_deduplication_token')")).toBe('');
    expect(await scalar("SELECT getSetting('os_thread_priority')")).toBe(0);
    expect(await scalar("SELECT getSetting('optimize_on_insert')")).toBe(true);
    expect(await scalar("SELECT getSetting('materialize_skip_indexes_on_insert')")).toBe(true);
    // A different batch right after a token insert is stored, not taken for a duplicate.
    const second = await writeLog('tokens', 'two', 'token-2');
    expect(second.status).toBe('success');
    expect(await countService('tokens')).toBe(2);
  });

  it('leaves the skip indexes of a batch to the merges, with the same answers before and after', async () => {
    const parts = async () => {
      const rs = await client.query({
        query: `SELECT name, secondary_indices_compressed_bytes AS bytes FROM system.parts
          WHERE database = {db:String} AND table = 'otel_logs' AND active`,
        query_params: { db: target.database },
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings(),
      });
      return (await rs.json<{ name: string; bytes: string }>()).map((p) => ({
        name: p.name,
        bytes: Number(p.bytes),
      }));
    };
    const before = new Set((await parts()).map((p) => p.name));
    expect((await writeLog('indexed', 'first needle', 'index-1')).status).toBe('success');
    expect((await writeLog('indexed', 'second needle', 'index-2')).status).toBe('success');
    const written = (await parts()).filter((p) => !before.has(p.name));
    expect(written).toHaveLength(2);
    expect(written.map((p) => p.bytes)).toEqual([0, 0]);
    // The body's token filter is what a text search skips granules with.
    const found = () =>
      scalar(
        "SELECT toUInt32(count()) FROM gridscope_storetest.otel_logs WHERE hasToken(Body, 'needle')",
      );
    expect(await found()).toBe(2);
    await client.command({
      query: 'OPTIMIZE TABLE gridscope_storetest.otel_logs FINAL',
      clickhouse_settings: statementSettings(),
    });
    const merged = await parts();
    expect(merged.length).toBeGreaterThan(0);
    for (const p of merged) expect(p.bytes, p.name).toBeGreaterThan(0);
    expect(await found()).toBe(2);
  });

  it('stores a retried batch once', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await writeLog('retried', 'same', 'batch-42');
      expect(r.status).toBe('success');
    }
    expect(await countService('retried')).toBe(1);
    // The per-minute counts the insert feeds are deduplicated with it.
    expect(
      await scalar(
        `SELECT toUInt32(sum(Records)) FROM gridscope_storetest.gridscope_log_rollup_1m WHERE ServiceName = 'retried'`,
      ),
    ).toBe(1);
  });

  it('stores identical rows of two different batches twice', async () => {
    await writeLog('twins', 'same', 'batch-a');
    await writeLog('twins', 'same', 'batch-b');
    expect(await countService('twins')).toBe(2);
  });

  it('answers a batch file it cannot write as retryable, without throwing', async () => {
    const r = await writeLog('unwritable', 'one', 'unwritable-1', {
      ...opts,
      spoolDir: join(spoolDir, 'no-such-directory'),
    });
    expect(r.status).toBe('retryable');
    expect(r.status === 'retryable' && r.error.message).toMatch(/ENOENT/);
    expect(await countService('unwritable')).toBe(0);
  });

  it('reports unreadable rows as a failure without retrying, and a missing table as retryable', async () => {
    const bad = await writeRows(
      client,
      target.database,
      'otel_logs',
      Buffer.from('not\ta\tvalid\trow\n'),
      'bad-1',
      opts,
    );
    expect(bad.status).toBe('failure');
    const missing = await writeLog('x', 'y', 'missing-1', opts, 'no_such_db');
    expect(missing.status).toBe('retryable');
  });

  it('leaves no batch files behind', () => {
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});

describe('rollups of retried batches', () => {
  it('counts a retried span batch once in the minute and hour span rollups', async () => {
    const insert = `INSERT INTO gridscope_storetest.otel_traces
      (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode)
      VALUES ('2025-11-24 16:00:01', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331',
        'GET /', 'SPAN_KIND_SERVER', 'retried-spans', 1000000, 'STATUS_CODE_OK')`;
    for (let attempt = 0; attempt < 3; attempt++) {
      await client.command({
        query: insert,
        clickhouse_settings: statementSettings({ insert_deduplication_token: 'span-batch-1' }),
      });
    }
    for (const table of ['otel_traces', 'gridscope_span_stats_1m', 'gridscope_span_stats_1h']) {
      const calls = table === 'otel_traces' ? 'count()' : 'sum(Calls)';
      expect(
        await scalar(
          `SELECT toUInt32(${calls}) FROM gridscope_storetest.${table} WHERE ServiceName = 'retried-spans'`,
        ),
        table,
      ).toBe(1);
    }
  });
});

describe('migrations and retention', () => {
  it('applies each migration once and records it', async () => {
    expect(await migrate(client, target)).toEqual([]);
    const rs = await client.query({
      query: 'SELECT Version, Name FROM gridscope_storetest.gridscope_migrations ORDER BY Version',
      format: 'JSONEachRow',
    });
    const want = loadMigrations()
      .filter((m) => m.version > 0)
      .map((m) => ({ Version: m.version, Name: m.name }));
    expect(want.length).toBeGreaterThanOrEqual(5);
    expect(await rs.json()).toEqual(want);
  });

  it('merges ranges of roll-up parts that are all five minutes old', async () => {
    const rs = await client.query({
      query: `SELECT name, engine_full LIKE '%min_age_to_force_merge_seconds = 300%' AS forced
        FROM system.tables WHERE database = 'gridscope_storetest' AND engine LIKE '%MergeTree'
          AND startsWith(name, 'gridscope_') ORDER BY name`,
      format: 'JSONEachRow',
    });
    const tables = await rs.json<{ name: string; forced: number }>();
    // The audit log, the collectors and the migrations are not read in long ranges.
    const plain = ['gridscope_audit_log', 'gridscope_collectors', 'gridscope_migrations'];
    expect(tables.filter((t) => !plain.includes(t.name)).length).toBeGreaterThanOrEqual(9);
    for (const t of tables) expect(t.forced, t.name).toBe(plain.includes(t.name) ? 0 : 1);
  });

  it('sets, keeps and removes TTLs to match the configured retention', async () => {
    const engine = (table: string) =>
      scalar(
        `SELECT engine_full FROM system.tables WHERE database = 'gridscope_storetest' AND name = '${table}'`,
      ) as Promise<string>;
    // A log record of 20 days ago, written under the retention before (none, or a longer
    // one): the new retention drops it, as the part it lies in gets the new TTL.
    const oldLogs = () =>
      scalar(
        "SELECT count() FROM gridscope_storetest.otel_logs WHERE ServiceName = 'retention-old'",
      );
    await client.command({
      query: `INSERT INTO gridscope_storetest.otel_logs (Timestamp, ServiceName, Body)
        VALUES (now64(9) - toIntervalDay(20), 'retention-old', 'old')`,
      clickhouse_settings: statementSettings(),
    });
    expect(Number(await oldLogs())).toBe(1);
    const changed = await applyRetention(client, target, {
      tracesDays: 3,
      logsDays: 7,
      metricsDays: 0,
      auditDays: 0,
    });
    expect(changed).toEqual(
      expect.arrayContaining(['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts']),
    );
    expect(await engine('otel_logs')).toMatch(/TTL TimestampTime \+ toIntervalDay\(7\)/);
    // The per-minute log counts go with the records they count.
    expect(await engine('gridscope_log_rollup_1m')).toMatch(/TTL Minute \+ toIntervalDay\(7\)/);
    expect(await engine('otel_traces')).toMatch(
      /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/,
    );
    expect(await engine('otel_metrics_sum')).not.toMatch(/TTL/);
    for (let i = 0; i < 60 && Number(await oldLogs()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Number(await oldLogs())).toBe(0);
    expect(
      await applyRetention(client, target, {
        tracesDays: 3,
        logsDays: 7,
        metricsDays: 0,
        auditDays: 0,
      }),
    ).toEqual([]);
    await applyRetention(client, target, {
      tracesDays: 3,
      logsDays: 0,
      metricsDays: 0,
      auditDays: 0,
    });
    expect(await engine('otel_logs')).not.toMatch(/TTL/);
    expect(await engine('gridscope_log_rollup_1m')).not.toMatch(/TTL/);
    expect(await scalar("SELECT getSetting('materialize_ttl_after_modify')")).toBe(true);
  });

  it('recomputes the TTL of parts written before their table had one, when the TTL is kept', async () => {
    const retention = { tracesDays: 3, logsDays: 7, metricsDays: 0, auditDays: 0 };
    const logs = 'gridscope_storetest.otel_logs';
    const exec = (query: string, settings = {}) =>
      client.command({ query, clickhouse_settings: statementSettings(settings) });
    const stale = () =>
      scalar(`SELECT count() FROM ${logs} WHERE ServiceName = 'retention-untimed'`);
    // As a migration's backfill before a start set the TTL: a part written without one,
    // then the TTL added without recomputing it.
    await applyRetention(client, target, { ...retention, logsDays: 0 });
    await exec(`INSERT INTO ${logs} (Timestamp, ServiceName, Body)
      VALUES (now64(9) - toIntervalDay(20), 'retention-untimed', 'old')`);
    await exec(`ALTER TABLE ${logs} MODIFY TTL TimestampTime + toIntervalDay(7)`, {
      materialize_ttl_after_modify: 0,
    });
    expect(Number(await stale())).toBe(1);
    // The TTL is as configured, so no table changes; the part gets its TTL and goes.
    expect(await applyRetention(client, target, retention)).not.toContain('otel_logs');
    for (let i = 0; i < 60 && Number(await stale()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Number(await stale())).toBe(0);
    // Later tests write log records of any age.
    await applyRetention(client, target, { ...retention, logsDays: 0 });
  });
});
describe('span rollup migration (0009)', () => {
  const old = { database: 'gridscope_before0009' };
  const exec = (query: string) =>
    client.command({ query, clickhouse_settings: statementSettings() });
  /** Server spans of one service: durations in milliseconds, one a second from `t0`. */
  const spans = (service: string, t0: number, ms: number[]) =>
    `INSERT INTO gridscope_before0009.otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode) VALUES ${ms
      .map(
        (d, i) =>
          `(toDateTime64(${t0 + i}, 9), 't${i}', 's${i}', 'op', 'SPAN_KIND_SERVER', '${service}', ${d * 1_000_000}, '${i % 4 === 0 ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET'}')`,
      )
      .join(', ')}`;
  const stats = async (table: string, service: string) => {
    const rs = await client.query({
      query: `SELECT sum(Calls) AS calls, sum(Errors) AS errors, sumMap(Latency) AS latency FROM gridscope_before0009.${table} WHERE ServiceName = {s:String}`,
      query_params: { s: service },
      format: 'JSONEachRow',
      clickhouse_settings: statementSettings(),
    });
    const [r] = await rs.json<{ calls: string; errors: string; latency: Record<string, string> }>();
    const keys = Object.keys(r!.latency).map(Number);
    const counts = Object.values(r!.latency).map(Number);
    return {
      calls: Number(r!.calls),
      errors: Number(r!.errors),
      p50: histogramQuantiles(keys, counts, [0.5])[0],
    };
  };

  it('backfills the minute and hour rollups from spans stored before it, and feeds both after', async () => {
    // A database as an earlier Gridscope left it: migrations before 0009 applied, with spans.
    for (const statement of splitStatements(
      renderDdl(loadMigrations().find((m) => m.version === 0)!.sql, old),
    ))
      await exec(statement);
    for (const m of loadMigrations().filter((m) => m.version > 0 && m.version < 9)) {
      for (const statement of splitStatements(renderDdl(m.sql, old))) await exec(statement);
      await exec(
        `INSERT INTO gridscope_before0009.gridscope_migrations (Version, Name) VALUES (${m.version}, '${m.name}')`,
      );
    }
    const t0 = Math.floor(Date.now() / 1000) - 7200;
    const durations = Array.from({ length: 40 }, (_, i) => 10 + i);
    await exec(spans('early', t0, durations));

    expect(await migrate(client, old)).toContain(9);
    const tables = await client.query({
      query:
        "SELECT name FROM system.tables WHERE database = 'gridscope_before0009' AND name LIKE 'gridscope_span_%' ORDER BY name",
      format: 'JSONEachRow',
      clickhouse_settings: statementSettings(),
    });
    expect((await tables.json<{ name: string }>()).map((t) => t.name)).toEqual([
      'gridscope_span_stats_1h',
      'gridscope_span_stats_1h_mv',
      'gridscope_span_stats_1m',
      'gridscope_span_stats_1m_mv',
    ]);
    const median = 29.5e6; // of 10..49 ms
    for (const table of ['gridscope_span_stats_1m', 'gridscope_span_stats_1h']) {
      const s = await stats(table, 'early');
      expect(s, table).toMatchObject({ calls: 40, errors: 10 });
      expect(Math.abs(s.p50! - median), table).toBeLessThanOrEqual(median * 0.01);
    }

    // Spans after the migration reach both rollups through the views, not a second backfill.
    await exec(spans('late', t0 + 60, [5, 7]));
    for (const table of ['gridscope_span_stats_1m', 'gridscope_span_stats_1h']) {
      expect(await stats(table, 'late'), table).toMatchObject({ calls: 2, errors: 1 });
      expect((await stats(table, 'early')).calls, table).toBe(40);
    }

    // A start stopped during the backfill leaves the rollups partly filled (the views
    // already there) and the migration unrecorded; the next start fills them again, each
    // span once, though the hour view copies the minute backfill as it goes.
    for (const table of ['gridscope_span_stats_1m', 'gridscope_span_stats_1h'])
      await exec(`DELETE FROM gridscope_before0009.${table} WHERE ServiceName = 'early'`);
    await exec('DELETE FROM gridscope_before0009.gridscope_migrations WHERE Version = 9');
    expect(await migrate(client, old)).toEqual([9]);
    for (const table of ['gridscope_span_stats_1m', 'gridscope_span_stats_1h']) {
      expect(await stats(table, 'early'), table).toMatchObject({ calls: 40, errors: 10 });
      expect(await stats(table, 'late'), table).toMatchObject({ calls: 2, errors: 1 });
    }
  });
});

/** A store on this file's data directory with small limits and one insert session. */
function smallStore(
  onBatch: (table: string, rows: number, seconds: number) => void = () => undefined,
  batch: Partial<BatchLimits> = {},
  readConnections = 1,
  writeNice = 0,
): Store {
  return new Store({
    backend: { kind: 'embedded', dataDir: dir },
    databasePrefix: 'gridscope_',
    retention: { tracesDays: 0, logsDays: 0, metricsDays: 0, auditDays: 0 },
    batch: { maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 50, minIntervalMs: 0, ...batch },
    write: { ...fastRetry, nice: writeNice },
    queueMaxBytes: 1 << 20,
    insertConnections: 1,
    readConnections,
    observer: { onBatch: (table, rows, _bytes, seconds) => onBatch(table, rows, seconds) },
    log: silentLog,
  });
}

/** A smallStore with `batch` limits, and the rows of each log insert it makes. */
function logBatchStore(batch: Partial<BatchLimits> = {}): { store: Store; batches: number[] } {
  const batches: number[] = [];
  const store = smallStore((table, rows) => {
    if (table === 'otel_logs') batches.push(rows);
  }, batch);
  return { store, batches };
}

describe('inserts sent to a server', () => {
  it('carry the statement and settings in the URL and the blocks unchanged in the body', async () => {
    // No ClickHouse server runs here: a local listener keeps what the client sends, and the
    // embedded engine then runs that statement on that body, read from a file.
    const seen: { url: string; method: string; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', method: req.method ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    const remote = openClient({ kind: 'server', url: `http://127.0.0.1:${port}` });
    try {
      const blocks = [logLine('sent-to-server', 'one'), logLine('sent-to-server', 'two')];
      const r = await writeRows(remote, target.database, 'otel_logs', blocks, 'server-token-1', {
        retries: 0,
        retryDelayMs: 10,
        nice: 6,
      });
      expect(r.status).toBe('success');
      expect(seen).toHaveLength(1);
      const [sent] = seen;
      expect(sent!.method).toBe('POST');
      const params = new URL(sent!.url, 'http://x').searchParams;
      expect(params.get('insert_deduplication_token')).toBe('server-token-1');
      expect(params.get('optimize_on_insert')).toBe('0');
      expect(params.get('materialize_skip_indexes_on_insert')).toBe('0');
      expect(params.get('os_thread_priority')).toBe('6');
      const query = params.get('query') ?? '';
      expect(query).toMatch(
        /^INSERT INTO `gridscope_storetest`\.`otel_logs` \(`Timestamp`, .*\) FORMAT Native$/,
      );
      expect(sent!.body.equals(Buffer.concat(blocks))).toBe(true);

      const file = join(spoolDir, 'sent-to-server.native');
      writeFileSync(file, sent!.body);
      await client.command({
        query: query.replace(/ FORMAT Native$/, ` FROM INFILE '${file}' FORMAT Native`),
        clickhouse_settings: statementSettings(),
      });
      expect(await countService('sent-to-server')).toBe(2);
    } finally {
      await remote.close();
      server.close();
    }
  });
});

describe('batches', () => {
  it('writes the requests of one batch in one insert, every row of each', async () => {
    const { store, batches } = logBatchStore();
    try {
      await store.prepareOrg('storetest');
      const request = (n: number) => {
        const lines = Array.from({ length: n }, (_, i) => logLine('batch-joined', `r${n}-${i}`));
        return { table: 'otel_logs' as const, body: lines, rows: n };
      };
      await Promise.all([1, 2, 3].map((n) => store.write('storetest', [request(n)])));
      expect(batches).toEqual([6]);
      const bodies = await client.query({
        query: `SELECT Body FROM gridscope_storetest.otel_logs WHERE ServiceName = 'batch-joined' ORDER BY Body`,
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings(),
      });
      expect((await bodies.json<{ Body: string }>()).map((r) => r.Body)).toEqual([
        'r1-0',
        'r2-0',
        'r2-1',
        'r3-0',
        'r3-1',
        'r3-2',
      ]);
    } finally {
      await store.close();
    }
  });

  it('spaces the inserts of overlapping requests by the minimum interval', async () => {
    const starts: { rows: number; at: number }[] = [];
    const store = smallStore(
      (table, rows, seconds) => {
        if (table === 'otel_logs') starts.push({ rows, at: performance.now() - seconds * 1000 });
      },
      { maxDelayMs: 10, minIntervalMs: 2000 },
    );
    try {
      await store.prepareOrg('storetest');
      const one = (body: string) =>
        store.write('storetest', [
          { table: 'otel_logs', body: [logLine('batch-interval', body)], rows: 1 },
        ]);
      // Two senders at once: the second request comes while the first is queued.
      await Promise.all([one('a1'), one('a2')]);
      // Each of these alone would be written after 10 ms; the interval holds them together.
      const next = one('b1');
      await new Promise((ok) => setTimeout(ok, 100));
      await Promise.all([next, one('b2')]);
      expect(starts.map((s) => s.rows)).toEqual([2, 2]);
      expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(2000 - 5);
      expect(await countService('batch-interval')).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('does not hold a lone sender, which waits for each answer, to the interval', async () => {
    const { store, batches } = logBatchStore({ maxDelayMs: 10, minIntervalMs: 3_600_000 });
    try {
      await store.prepareOrg('storetest');
      // An hour's interval: held to it, the second request would time the test out.
      for (const body of ['one', 'two', 'three']) {
        await store.write('storetest', [
          { table: 'otel_logs', body: [logLine('batch-lone', body)], rows: 1 },
        ]);
      }
      expect(batches).toEqual([1, 1, 1]);
      expect(await countService('batch-lone')).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('writes a full batch without waiting out the interval', async () => {
    const { store, batches } = logBatchStore({ maxRows: 4, minIntervalMs: 3_600_000 });
    try {
      await store.prepareOrg('storetest');
      const rows = (n: number, tag: string) => ({
        table: 'otel_logs' as const,
        body: Array.from({ length: n }, (_, i) => logLine('batch-full', `${tag}${i}`)),
        rows: n,
      });
      // Overlapping requests, so the interval applies to what follows.
      await Promise.all([
        store.write('storetest', [rows(1, 'a')]),
        store.write('storetest', [rows(1, 'b')]),
      ]);
      // An hour's interval: only a full batch can be written before the test times out.
      await store.write('storetest', [rows(4, 'c')]);
      expect(batches).toEqual([2, 4]);
      expect(await countService('batch-full')).toBe(6);
    } finally {
      await store.close();
    }
  });

  it('isolates a request whose rows cannot be read, storing the others of its batch', async () => {
    const store = smallStore();
    try {
      await store.prepareOrg('storetest');
      const results = await Promise.allSettled([
        store.write('storetest', [
          { table: 'otel_logs', body: [logLine('batch-good', 'a')], rows: 1 },
        ]),
        store.write('storetest', [
          { table: 'otel_logs', body: [Buffer.from('broken\trow\n')], rows: 1 },
        ]),
        store.write('storetest', [
          { table: 'otel_logs', body: [logLine('batch-good', 'b')], rows: 1 },
        ]),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const reason = (results[1] as PromiseRejectedResult).reason as AppError;
      expect(reason.code).toBe('INTERNAL');
      expect(await countService('batch-good')).toBe(2);
      expect(store.budget.bytes).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('reads', () => {
  it('answers a read after one that failed midway or ran out of time with its own rows', async () => {
    const store = smallStore();
    try {
      // Fails after some blocks of output were produced.
      await expect(
        store.query(
          'storetest',
          'SELECT number, throwIf(number = 100000) AS t FROM system.numbers LIMIT 200000',
        ),
      ).rejects.toThrow(/non-zero|throwIf/);
      expect(await store.query('storetest', 'SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
      await expect(
        store.query('storetest', 'SELECT count() FROM system.numbers_mt', {}, { timeoutMs: 1000 }),
      ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      expect(await store.query('storetest', 'SELECT 43 AS answer')).toEqual([{ answer: 43 }]);
    } finally {
      await store.close();
    }
  });

  it('are answered while statements run on other sessions: a roll-up, an insert', async () => {
    const store = smallStore();
    try {
      await store.prepareOrg('storetest');
      // About two seconds of engine time each, standing in for a long roll-up (on the
      // store's background session) and a long insert (a statement without parameters on a
      // session of its own, as inserts are).
      const slow = 'SELECT sleepEachRow(0.5) FROM numbers({n:UInt8})';
      for (const other of [
        () => store.command('storetest', slow, { n: 4 }),
        () => client.command({ query: slow.replace('{n:UInt8}', '4') }),
      ]) {
        const done: string[] = [];
        const running = other().then(() => done.push('other'));
        await new Promise((r) => setTimeout(r, 200));
        const read = store
          .query('storetest', 'SELECT {answer:UInt8} AS answer', { answer: 44 })
          .then((rows) => done.push(`read ${JSON.stringify(rows)}`));
        await Promise.all([running, read]);
        expect(done).toEqual(['read [{"answer":44}]', 'other']);
      }
    } finally {
      await store.close();
    }
  });

  it('with two read sessions, are not held up by one long read', async () => {
    // (On one session the short read waits for the long one; which of two queued reads the
    // engine takes first is not fixed, so only the pool's side is asserted.)
    const store = smallStore(undefined, {}, 2);
    try {
      await store.prepareOrg('storetest');
      const done: string[] = [];
      const long = store
        .query('storetest', 'SELECT sleepEachRow(0.5) FROM numbers({n:UInt8})', { n: 4 })
        .then(() => done.push('long'));
      await new Promise((r) => setTimeout(r, 200));
      const short = store
        .query('storetest', 'SELECT {a:UInt8} AS a', { a: 1 })
        .then(() => done.push('short'));
      await Promise.all([long, short]);
      expect(done).toEqual(['short', 'long']);
    } finally {
      await store.close();
    }
  });

  it("run at nice 1 when writes run at more, and background statements at the writes' value", async () => {
    const niced = smallStore(undefined, {}, 1, 10);
    const plain = smallStore();
    try {
      await Promise.all([niced, plain].map((s) => s.prepareOrg('storetest')));
      const nice = async (s: Store) =>
        (await s.query('storetest', "SELECT getSetting('os_thread_priority') AS n")) as unknown;
      expect(await nice(niced)).toEqual([{ n: 1 }]);
      expect(await nice(plain)).toEqual([{ n: 0 }]);
      for (const sql of [
        'DROP TABLE IF EXISTS {db:Identifier}.nice_probe',
        'CREATE TABLE {db:Identifier}.nice_probe (n Int64) ENGINE = Memory',
      ]) {
        await niced.command('storetest', sql, {});
      }
      await niced.command(
        'storetest',
        "INSERT INTO {db:Identifier}.nice_probe SELECT getSetting('os_thread_priority')",
        {},
      );
      const probe = await niced.query('storetest', 'SELECT n FROM {db:Identifier}.nice_probe');
      expect(probe).toEqual([{ n: 10 }]);
      // The SQL endpoint's reads, and the platform, audit and collector reads (Db), too.
      const limits = { timeoutMs: 5000, maxRows: 10, maxBytes: 1 << 20, maxMemoryBytes: 0 };
      const user = await niced.runUserSql(
        'storetest',
        "SELECT getSetting('os_thread_priority') AS n",
        {},
        limits,
      );
      expect(user.rows).toEqual([{ n: 1 }]);
      const db = new Db((statement) => statement(client), 'gridscope_storetest', 1);
      const row = z.object({ n: z.number() });
      expect(await db.rows(row, "SELECT getSetting('os_thread_priority') AS n")).toEqual([
        { n: 1 },
      ]);
    } finally {
      await Promise.all([niced.close(), plain.close()]);
    }
  });

  it('bind every value as given, and statements on two sessions keep their own values', async () => {
    const stores = [smallStore(), smallStore()];
    try {
      await Promise.all(stores.map((s) => s.prepareOrg('storetest')));
      const hostile = [
        "'; DROP TABLE x; --",
        "\\'",
        '\\N',
        'tab\there\nnewline',
        'a\u0000b',
        '{v:String}',
        'ünï',
      ];
      const rows = await stores[0]!.query(
        'storetest',
        'SELECT {s:String} AS s, {a:Array(String)} AS a, {n:Int64} AS n, {f:Float64} AS f',
        { s: hostile.join('|'), a: hostile, n: -9007199254740991, f: 0.1 },
      );
      expect(rows).toEqual([{ s: hostile.join('|'), a: hostile, n: -9007199254740991, f: 0.1 }]);
      // The same names on both sessions at once, each statement with values of its own.
      const reads = Array.from({ length: 40 }, (_, i) =>
        stores[i % 2]!.query(
          'storetest',
          'SELECT {v:String} AS v, {n:UInt32} AS n, sum(sleepEachRow(0.005)) AS z FROM numbers(2)',
          { v: `value-${i}`, n: i },
        ),
      );
      expect(await Promise.all(reads)).toEqual(
        Array.from({ length: 40 }, (_, i) => [{ v: `value-${i}`, n: i, z: 0 }]),
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe('service edges', () => {
  it('joins a span to its parent in the same trace only', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 600;
    const span = (trace: string, id: string, parent: string, service: string, ms: number) =>
      `(toDateTime64(${t0}, 9), '${trace}', '${id}', '${parent}', 'op', '${service}', ${ms * 1_000_000}, '${service === 'edge-b' ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET'}')`;
    await client.command({
      query: `INSERT INTO gridscope_storetest.otel_traces
        (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration, StatusCode) VALUES
        ${[
          span('trace-1', 'root', '', 'edge-a', 30),
          span('trace-1', 'call', 'root', 'edge-b', 20),
          span('trace-1', 'inner', 'call', 'edge-b', 10),
          // Another trace reusing the parent's span id: not a call from edge-a.
          span('trace-2', 'other', 'root', 'edge-c', 5),
        ].join(', ')}`,
      clickhouse_settings: statementSettings(),
    });
    const store = smallStore();
    try {
      const edges = await serviceEdges(
        store,
        'storetest',
        { fromMs: (t0 - 60) * 1000, toMs: (t0 + 60) * 1000 },
        0,
        {},
      );
      const found = edges.filter((e) => e.caller.startsWith('edge-'));
      expect(found).toEqual([
        { caller: 'edge-a', callee: 'edge-b', calls: 1, errors: 1, p95: expect.any(Number) },
      ]);
      // Latency is read from log-scale buckets, within their error of the duration.
      expect(Math.abs(found[0]!.p95 / 20_000_000 - 1)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR);
    } finally {
      await store.close();
    }
  });
});
