/**
 * The store against the real embedded engine: per-statement settings, deduplicated
 * retries, migrations, retention, and how batches fail.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClient, statementSettings } from '../../src/store/client.js';
import { loadMigrations } from '../../src/store/ddl.js';
import { migrate } from '../../src/store/migrations.js';
import { applyRetention } from '../../src/store/retention.js';
import { writeRows } from '../../src/store/writer.js';
import { Store } from '../../src/store/index.js';
import type { AppError } from '../../src/lib/errors.js';
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

const logLine = (service: string, body: string) =>
  Buffer.from(
    `1764000000.000000001\t\t\t0\tINFO\t9\t${service}\t${body}\t\t{}\t\t\t\t{}\t{}\t\t1764000000.000000002\t0\tstring\t0\t0\t0\n`,
  );

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

const spoolDir = join(dir, 'spool-test');
mkdirSync(spoolDir, { recursive: true });

describe.each([
  ['inline', { ...fastRetry }],
  ['infile', { ...fastRetry, spoolDir }],
])('writing rows (%s)', (mode, opts) => {
  it('runs every statement with the baseline, so no token outlives its insert', async () => {
    const first = await writeRows(
      client,
      target.database,
      'otel_logs',
      logLine(`tokens-${mode}`, 'one'),
      `token-1-${mode}`,
      opts,
    );
    expect(first.status).toBe('success');
    expect(await scalar("SELECT getSetting('insert_deduplication_token')")).toBe('');
    // A different batch right after a token insert is stored, not taken for a duplicate.
    const second = await writeRows(
      client,
      target.database,
      'otel_logs',
      logLine(`tokens-${mode}`, 'two'),
      `token-2-${mode}`,
      opts,
    );
    expect(second.status).toBe('success');
    expect(await countService(`tokens-${mode}`)).toBe(2);
  });

  it('stores a retried batch once', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await writeRows(
        client,
        target.database,
        'otel_logs',
        logLine(`retried-${mode}`, 'same'),
        `batch-42-${mode}`,
        opts,
      );
      expect(r.status).toBe('success');
    }
    expect(await countService(`retried-${mode}`)).toBe(1);
  });

  it('stores identical rows of two different batches twice', async () => {
    await writeRows(
      client,
      target.database,
      'otel_logs',
      logLine(`twins-${mode}`, 'same'),
      `batch-a-${mode}`,
      opts,
    );
    await writeRows(
      client,
      target.database,
      'otel_logs',
      logLine(`twins-${mode}`, 'same'),
      `batch-b-${mode}`,
      opts,
    );
    expect(await countService(`twins-${mode}`)).toBe(2);
  });

  it('reports unreadable rows as a failure without retrying, and a missing table as retryable', async () => {
    const bad = await writeRows(
      client,
      target.database,
      'otel_logs',
      Buffer.from('not\ta\tvalid\trow\n'),
      `bad-1-${mode}`,
      opts,
    );
    expect(bad.status).toBe('failure');
    const missing = await writeRows(
      client,
      'no_such_db',
      'otel_logs',
      logLine('x', 'y'),
      `missing-1-${mode}`,
      opts,
    );
    expect(missing.status).toBe('retryable');
  });

  it('leaves no batch files behind', () => {
    expect(readdirSync(spoolDir)).toEqual([]);
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

  it('sets, keeps and removes TTLs to match the configured retention', async () => {
    const engine = (table: string) =>
      scalar(
        `SELECT engine_full FROM system.tables WHERE database = 'gridscope_storetest' AND name = '${table}'`,
      ) as Promise<string>;
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
    expect(await engine('otel_traces')).toMatch(
      /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/,
    );
    expect(await engine('otel_metrics_sum')).not.toMatch(/TTL/);
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
    expect(await scalar("SELECT getSetting('materialize_ttl_after_modify')")).toBe(true);
  });
});

/** A store on this file's data directory with small limits and one insert session. */
function smallStore(): Store {
  return new Store({
    backend: { kind: 'embedded', dataDir: dir },
    databasePrefix: 'gridscope_',
    retention: { tracesDays: 0, logsDays: 0, metricsDays: 0, auditDays: 0 },
    batch: { maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 50 },
    write: fastRetry,
    queueMaxBytes: 1 << 20,
    insertConnections: 1,
    observer: { onBatch: () => undefined },
    log: silentLog,
  });
}

describe('batches', () => {
  it('isolates a request whose rows cannot be read, storing the others of its batch', async () => {
    const store = smallStore();
    try {
      await store.prepareOrg('storetest');
      const results = await Promise.allSettled([
        store.write('storetest', [
          { table: 'otel_logs', body: logLine('batch-good', 'a'), rows: 1 },
        ]),
        store.write('storetest', [
          { table: 'otel_logs', body: Buffer.from('broken\trow\n'), rows: 1 },
        ]),
        store.write('storetest', [
          { table: 'otel_logs', body: logLine('batch-good', 'b'), rows: 1 },
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
});
