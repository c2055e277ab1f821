/**
 * The per-minute metric rollups against the real embedded engine: the materialized views
 * fill them as points are written, a retried batch reaches them once, the migration
 * backfills points stored before it, and retention applies to them as to the points.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClient, statementSettings } from '../../src/store/client.js';
import { migrate } from '../../src/store/migrations.js';
import { applyRetention } from '../../src/store/retention.js';
import { writeRows } from '../../src/store/writer.js';
import { NativeWriter, TABLE_SCHEMAS } from '../../src/store/index.js';
import { mapEntry } from '../native-block.js';
import { removeDir, tempDataDir } from './harness.js';

const dir = tempDataDir('metric-rollups');
const spoolDir = join(dir, 'spool');
const db = 'gridscope_rolluptest';
let client: ClickHouseClient;

beforeAll(async () => {
  client = openClient({ kind: 'embedded', dataDir: dir });
  mkdirSync(spoolDir, { recursive: true });
  await migrate(client, { database: db });
});

afterAll(async () => {
  await client.close();
  removeDir(dir);
});

async function select<T>(sql: string): Promise<T[]> {
  const rs = await client.query({
    query: sql,
    format: 'JSONEachRow',
    clickhouse_settings: statementSettings(),
  });
  return rs.json<T>();
}

async function command(sql: string): Promise<void> {
  await client.command({ query: sql, clickhouse_settings: statementSettings() });
}

/**
 * One gauge point as a Native block (the columns of src/store/tables.ts GAUGE_COLUMNS):
 * resource, scope, service, metric, attributes {k: v}, start and time (Unix seconds),
 * value, unit, no exemplars.
 */
function gaugeLine(metric: string, time: number, value: number, unit = '1'): Buffer {
  const w = new NativeWriter(TABLE_SCHEMAS.otel_metrics_gauge);
  mapEntry(w.next(), 'service.name', 'svc');
  w.text('');
  w.u32(0);
  w.text('scope');
  w.text('1');
  w.next(); // ScopeAttributes
  w.u32(0);
  w.text('');
  w.text('svc');
  w.text(metric);
  w.text('');
  w.text(unit);
  w.next(); // MetricMetadata
  mapEntry(w.next(), 'k', 'v');
  const sec = Math.floor(time);
  const nanos = Math.round((time - sec) * 1e9);
  w.dt64(sec - 10, nanos);
  w.dt64(sec, nanos);
  w.u32(0);
  w.f64(value);
  for (let i = 0; i < 5; i++) w.next(); // no exemplars
  w.endRow();
  return Buffer.concat(w.finish());
}

const MINUTE = 1_764_000_000 - (1_764_000_000 % 60);

/** The metric rollup tables. */
const ROLLUPS = [
  'gridscope_gauge_rollup_1m',
  'gridscope_sum_rollup_1m',
  'gridscope_histogram_stats_1m',
  'gridscope_exp_histogram_stats_1m',
  'gridscope_summary_stats_1m',
] as const;

/** Names of the test database's tables and views matching a LIKE pattern, sorted. */
const tables = async (like: string) =>
  (
    await select<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = '${db}' AND name LIKE '${like}' ORDER BY name`,
    )
  ).map((r) => r.name);

interface GaugeMinute {
  Minute: number;
  Sum: number;
  Count: string;
  Min: number;
  Max: number;
}

const gaugeMinutes = (metric: string) =>
  select<GaugeMinute>(
    `SELECT toUnixTimestamp(Minute) AS Minute, sum(Sum) AS Sum, toString(sum(Count)) AS Count,
       min(Min) AS Min, max(Max) AS Max
     FROM ${db}.gridscope_gauge_rollup_1m WHERE MetricName = '${metric}'
     GROUP BY Minute ORDER BY Minute`,
  );

describe('gauge rollup', () => {
  it('holds sum, count, min and max per minute of the points written', async () => {
    const body = [
      gaugeLine('g.minutes', MINUTE + 1, 4),
      gaugeLine('g.minutes', MINUTE + 30, 10),
      gaugeLine('g.minutes', MINUTE + 59.5, 1),
      gaugeLine('g.minutes', MINUTE + 61, 7),
    ];
    const r = await writeRows(client, db, 'otel_metrics_gauge', body, 'minutes-1', {
      retries: 0,
      retryDelayMs: 10,
      spoolDir,
    });
    expect(r.status).toBe('success');
    expect(await gaugeMinutes('g.minutes')).toEqual([
      { Minute: MINUTE, Sum: 15, Count: '3', Min: 1, Max: 10 },
      { Minute: MINUTE + 60, Sum: 7, Count: '1', Min: 7, Max: 7 },
    ]);
  });

  it('writes a row per point of a batch, which merges add up per series and minute', async () => {
    const body = [
      gaugeLine('g.rows', MINUTE + 1, 4),
      gaugeLine('g.rows', MINUTE + 2, 6),
      gaugeLine('g.rows', MINUTE + 3, 8),
      gaugeLine('g.rows', MINUTE + 4, 2, 'ms'),
    ];
    const r = await writeRows(client, db, 'otel_metrics_gauge', body, 'rows-1', {
      retries: 0,
      retryDelayMs: 10,
      spoolDir,
    });
    expect(r.status).toBe('success');
    const rows = () =>
      select<{ MetricUnit: string; Count: string }>(
        `SELECT MetricUnit, toString(Count) AS Count FROM ${db}.gridscope_gauge_rollup_1m
         WHERE MetricName = 'g.rows' ORDER BY MetricUnit, Count`,
      );
    // Grouping a batch's points would merge almost nothing (a batch holds about one point
    // per series and minute) and took about half of the view's time.
    expect(await rows()).toEqual([
      { MetricUnit: '1', Count: '1' },
      { MetricUnit: '1', Count: '1' },
      { MetricUnit: '1', Count: '1' },
      { MetricUnit: 'ms', Count: '1' },
    ]);
    expect(await gaugeMinutes('g.rows')).toEqual([
      { Minute: MINUTE, Sum: 20, Count: '4', Min: 2, Max: 8 },
    ]);
    // A unit changing within the minute merges too, as the series' scope and attributes do.
    await command(`OPTIMIZE TABLE ${db}.gridscope_gauge_rollup_1m FINAL`);
    const merged = await rows();
    expect(merged).toHaveLength(1);
    expect(['1', 'ms']).toContain(merged[0]!.MetricUnit);
    expect(merged[0]!.Count).toBe('4');
    expect(await gaugeMinutes('g.rows')).toEqual([
      { Minute: MINUTE, Sum: 20, Count: '4', Min: 2, Max: 8 },
    ]);
  });

  it('counts a retried batch once, as the points table does', async () => {
    const body = gaugeLine('g.retried', MINUTE + 5, 3);
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await writeRows(client, db, 'otel_metrics_gauge', body, 'retried-batch-7', {
        retries: 0,
        retryDelayMs: 10,
        spoolDir,
      });
      expect(r.status).toBe('success');
    }
    const points = await select<{ c: string }>(
      `SELECT toString(count()) AS c FROM ${db}.otel_metrics_gauge WHERE MetricName = 'g.retried'`,
    );
    expect(points).toEqual([{ c: '1' }]);
    expect((await gaugeMinutes('g.retried')).map((m) => m.Count)).toEqual(['1']);
  });

  it('counts two different batches with the same minute aggregates twice', async () => {
    for (const [second, token] of [
      [5, 'twin-a'],
      [6, 'twin-b'],
    ] as const) {
      const body = gaugeLine('g.twins', MINUTE + second, 3);
      const r = await writeRows(client, db, 'otel_metrics_gauge', body, token, {
        retries: 0,
        retryDelayMs: 10,
        spoolDir,
      });
      expect(r.status).toBe('success');
    }
    expect((await gaugeMinutes('g.twins')).map((m) => m.Count)).toEqual(['2']);
  });
});

describe('histogram stats', () => {
  /** Nanoseconds since the epoch of MINUTE + `second` and `nanos`, as text. */
  const at = (second: number, nanos: number) =>
    (BigInt(MINUTE + second) * 1_000_000_000n + BigInt(nanos)).toString();

  it('keep the first, last and highest cumulative point exactly, and delta totals', async () => {
    // Two inserts into one minute of a cumulative series, which resets (5 after 9), sums
    // whose text forms are long, and a delta series of the same metric.
    const insert = (temporality: number, rows: string[]) =>
      command(`INSERT INTO ${db}.otel_metrics_histogram
        (ServiceName, MetricName, Attributes, StartTimeUnix, TimeUnix, Count, Sum, BucketCounts,
         ExplicitBounds, AggregationTemporality)
        SELECT 'svc', 'h.exact', map('t', '${temporality}'), toDateTime64(${MINUTE - 600}, 9),
          fromUnixTimestamp64Nano(toInt64(t)), c, s, b, [0.5, 1.0], ${temporality}
        FROM values('t String, c UInt64, s Float64, b Array(UInt64)', ${rows.join(', ')})`);
    await insert(2, [
      `('${at(1, 123)}', 7, 0.1, [1, 2, 4])`,
      `('${at(20, 1)}', 9, 0.30000000000000004, [1, 3, 5])`,
    ]);
    await insert(2, [`('${at(40, 999_999_999)}', 5, 1e-300, [5, 0, 0])`]);
    await insert(1, [`('${at(2, 0)}', 2, 2.5, [1, 1, 0])`, `('${at(30, 0)}', 3, 0.25, [0, 2, 1])`]);
    const rows = await select<Record<string, unknown>>(
      `SELECT Attributes['t'] AS t, toString(sum(Count)) AS n, sum(Sum) AS s,
         sumForEachMerge(BucketCounts) AS totals, toString(toUnixTimestamp64Nano(min(FirstTime))) AS ft,
         toString(toUnixTimestamp64Nano(max(LastTime))) AS lt, ${['argMinMerge(First) AS f', 'argMaxMerge(Last) AS l', 'argMaxMerge(Peak) AS p'].join(', ')}
       FROM ${db}.gridscope_histogram_stats_1m WHERE MetricName = 'h.exact'
       GROUP BY Series, t ORDER BY t`,
    );
    const point = (time: string, c: number, s: string, b: number[]) =>
      `(${time},${c},${s},[${b.join(',')}])`;
    expect(rows).toEqual([
      {
        t: '1',
        n: '5',
        s: 2.75,
        totals: [1, 3, 1],
        ft: at(2, 0),
        lt: at(30, 0),
        f: '',
        l: '',
        p: '',
      },
      {
        t: '2',
        n: '21',
        s: 0.4,
        totals: [],
        ft: at(1, 123),
        lt: at(40, 999_999_999),
        f: point(at(1, 123), 7, '0.1', [1, 2, 4]),
        l: point(at(40, 999_999_999), 5, '1e-300', [5, 0, 0]),
        p: point(at(20, 1), 9, '0.30000000000000004', [1, 3, 5]),
      },
    ]);
    // Read back, the text gives the same numbers as the points.
    const back = await select<{ s: number; eq: number }>(
      `SELECT CAST(argMaxMerge(Peak), 'Tuple(Int64, UInt64, Float64, Array(UInt64))').3 AS s,
         s = 0.1 + 0.2 AS eq
       FROM ${db}.gridscope_histogram_stats_1m WHERE MetricName = 'h.exact' AND AggregationTemporality = 2`,
    );
    expect(back).toEqual([{ s: 0.30000000000000004, eq: 1 }]);
  });
});

describe('exponential histogram stats', () => {
  const at = (second: number) => (BigInt(MINUTE + second) * 1_000_000_000n).toString();

  it('keep the first, last and highest cumulative point exactly, and delta totals per scale', async () => {
    // A cumulative series that lowers its scale and resets (4 after 9) within a minute: one
    // row, each point with its scale; and a delta series with points of two scales in the
    // same minute: a row per scale.
    await command(`INSERT INTO ${db}.otel_metrics_exponential_histogram
      (ServiceName, MetricName, Attributes, StartTimeUnix, TimeUnix, Count, Sum, Scale, ZeroCount,
       PositiveOffset, PositiveBucketCounts, NegativeOffset, NegativeBucketCounts, ZeroThreshold,
       AggregationTemporality)
      SELECT 'svc', 'e.exact', map('t', toString(tp)), toDateTime64(${MINUTE - 600}, 9),
        fromUnixTimestamp64Nano(toInt64(t)), c, s, sc, z, po, pc, no, nc, zt, tp
      FROM values('t String, tp Int32, c UInt64, s Float64, sc Int32, z UInt64, po Int32,
          pc Array(UInt64), no Int32, nc Array(UInt64), zt Float64',
        ('${at(1)}', 2, 6, 0.1, 3, 1, -2, [2, 3], 0, [], 0.001),
        ('${at(20)}', 2, 9, 0.30000000000000004, 3, 1, -2, [3, 4], 5, [1], 0.001),
        ('${at(40)}', 2, 4, 1e-300, 2, 0, 0, [4], 0, [], 0.002),
        ('${at(2)}', 1, 3, 2.5, 1, 1, 0, [1, 1], 0, [], 0),
        ('${at(30)}', 1, 4, 0.25, 1, 0, 1, [1, 2], -1, [1], 0),
        ('${at(50)}', 1, 2, 1, 0, 0, 0, [2], 0, [], 0))`);
    const rows = await select<Record<string, unknown>>(
      `SELECT Attributes['t'] AS t, Scale AS scale, min(MinScale) AS ms, toString(sum(Count)) AS n,
         sum(Sum) AS s, toString(sum(ZeroCount)) AS z, max(ZeroThreshold) AS zt,
         sumMapMerge(Positive) AS pos, sumMapMerge(Negative) AS neg,
         argMinMerge(First) AS f, argMaxMerge(Last) AS l, argMaxMerge(Peak) AS p
       FROM ${db}.gridscope_exp_histogram_stats_1m WHERE MetricName = 'e.exact'
       GROUP BY Series, t, Scale ORDER BY t, Scale`,
    );
    expect(rows).toEqual([
      {
        t: '1',
        scale: 0,
        ms: 0,
        n: '2',
        s: 1,
        z: '0',
        zt: 0,
        pos: [[0], [2]],
        neg: [[], []],
        f: '',
        l: '',
        p: '',
      },
      {
        t: '1',
        scale: 1,
        ms: 1,
        n: '7',
        s: 2.75,
        z: '1',
        zt: 0,
        pos: [
          [0, 1, 2],
          [1, 2, 2],
        ],
        neg: [[-1], [1]],
        f: '',
        l: '',
        p: '',
      },
      {
        t: '2',
        scale: 0,
        ms: 2,
        n: '19',
        s: 0.1 + 0.30000000000000004 + 1e-300,
        z: '0',
        zt: 0.002,
        pos: [[], []],
        neg: [[], []],
        f: `(${at(1)},6,0.1,1,3,-2,[2,3],0,[])`,
        l: `(${at(40)},4,1e-300,0,2,0,[4],0,[])`,
        p: `(${at(20)},9,0.30000000000000004,1,3,-2,[3,4],5,[1])`,
      },
    ]);
  });
});

describe('the migration', () => {
  it('backfills points stored before it, once, also after an interrupted backfill', async () => {
    await command(`INSERT INTO ${db}.otel_metrics_sum
      (ServiceName, MetricName, MetricUnit, Attributes, StartTimeUnix, TimeUnix, Value,
       AggregationTemporality, IsMonotonic)
      SELECT 'svc', 'c.backfill', '{req}', map('q', toString(number % 2)),
        toDateTime64(${MINUTE - 600}, 9), toDateTime64(${MINUTE} + number * 7, 9), number, 2, true
      FROM numbers(40)`);
    await command(`INSERT INTO ${db}.otel_metrics_histogram
      (ServiceName, MetricName, StartTimeUnix, TimeUnix, Count, Sum, BucketCounts, ExplicitBounds,
       AggregationTemporality)
      SELECT 'svc', 'h.backfill', toDateTime64(${MINUTE - 600}, 9),
        toDateTime64(${MINUTE} + number * 20, 9), number * 3, number, [number, number * 2], [1.0], 2
      FROM numbers(10)`);
    await command(`INSERT INTO ${db}.otel_metrics_exponential_histogram
      (ServiceName, MetricName, StartTimeUnix, TimeUnix, Count, Sum, Scale, ZeroCount,
       PositiveOffset, PositiveBucketCounts, NegativeOffset, NegativeBucketCounts,
       AggregationTemporality)
      SELECT 'svc', 'e.backfill', toDateTime64(${MINUTE - 600}, 9),
        toDateTime64(${MINUTE} + number * 20, 9), number * 3, number, 3 - intDiv(number, 4),
        number, -1, [number, number * 2], 2, [number], 1 + number % 2
      FROM numbers(10)`);
    await command(`INSERT INTO ${db}.otel_metrics_summary
      (ServiceName, MetricName, StartTimeUnix, TimeUnix, Count, Sum, ValueAtQuantiles.Quantile,
       ValueAtQuantiles.Value)
      SELECT 'svc', 's.backfill', toDateTime64(${MINUTE - 600}, 9),
        toDateTime64(${MINUTE} + number * 20, 9), number * 3, number, [0.5, 0.9],
        [number / 2, if(number = 3, nan, number)]
      FROM numbers(10)`);
    const snapshot = () =>
      Promise.all([
        select(`SELECT Minute, Series, StartTimeUnix, any(MetricUnit) AS unit,
            toString(sum(Count)) AS n, sum(Sum) AS total, min(FirstTime) AS ft,
            argMinMerge(First) AS f, max(LastTime) AS lt, argMaxMerge(Last) AS l,
            max(Max) AS p, argMaxMerge(PeakTime) AS pt
          FROM ${db}.gridscope_sum_rollup_1m WHERE MetricName = 'c.backfill'
          GROUP BY Minute, Series, StartTimeUnix ORDER BY Minute, Series`),
        select(`SELECT Minute, Series, Bounds, any(ExplicitBounds) AS eb, toString(sum(Count)) AS n,
            sumForEachMerge(BucketCounts) AS buckets, min(FirstTime) AS ft,
            argMinMerge(First) AS f, max(LastTime) AS lt, argMaxMerge(Last) AS l,
            argMaxMerge(Peak) AS p
          FROM ${db}.gridscope_histogram_stats_1m WHERE MetricName = 'h.backfill'
          GROUP BY Minute, Series, Bounds ORDER BY Minute, Series`),
        select(`SELECT Minute, Series, AggregationTemporality AS tp, Scale, min(MinScale) AS ms,
            toString(sum(Count)) AS n,
            toString(sum(ZeroCount)) AS z, sumMapMerge(Positive) AS pos, sumMapMerge(Negative) AS neg,
            argMinMerge(First) AS f, argMaxMerge(Last) AS l, argMaxMerge(Peak) AS p
          FROM ${db}.gridscope_exp_histogram_stats_1m WHERE MetricName = 'e.backfill'
          GROUP BY Minute, Series, tp, Scale ORDER BY Minute, tp, Scale`),
        select(`SELECT Minute, Series, Bounds, any(ExplicitBounds) AS eb, toString(sum(Count)) AS n,
            sum(Sum) AS total, min(FirstTime) AS ft, argMinMerge(First) AS f, max(LastTime) AS lt,
            argMaxMerge(Last) AS l, argMaxMerge(Peak) AS p, sumMapMerge(Quantiles) AS q
          FROM ${db}.gridscope_summary_stats_1m WHERE MetricName = 's.backfill'
          GROUP BY Minute, Series, Bounds ORDER BY Minute, Series`),
      ]);
    // What the views made as the points arrived is what the backfill must make again.
    const fromViews = await snapshot();
    expect(fromViews[0].length).toBe(10);
    expect(fromViews[1].length).toBe(4);
    // Points n = 0..9, three a minute: delta when n is even, scale 3 - n / 4; a row per
    // minute and temporality, and per scale for delta points: 2 + 2 + 3 + 1.
    expect(fromViews[2].length).toBe(8);
    // Summary points as the histogram's: three a minute, in 4 minutes.
    expect(fromViews[3].length).toBe(4);
    const views = () =>
      select(`SELECT name, as_select FROM system.tables
        WHERE database = '${db}' AND engine = 'MaterializedView' ORDER BY name`);
    const viewsBefore = await views();
    for (const t of ROLLUPS) await command(`TRUNCATE TABLE ${db}.${t}`);
    await command(`DELETE FROM ${db}.gridscope_migrations WHERE Version IN (7, 10, 16, 24, 25)`);
    expect(await migrate(client, { database: db })).toEqual([7, 10, 16, 24, 25]);
    expect(await snapshot()).toEqual(fromViews);
    // The views are left as the last migration made them: a row per point (0025).
    expect(await views()).toEqual(viewsBefore);
    // A start stopped during the backfill leaves the rollups partly filled and the
    // migration unrecorded; the next start fills them again, each point once.
    for (const t of ROLLUPS) await command(`DELETE FROM ${db}.${t} WHERE Minute > ${MINUTE}`);
    // Left: the first minute, with both counter series, the one histogram series, both
    // temporalities of the exponential one and the one summary series.
    expect((await snapshot()).map((rows) => rows.length)).toEqual([2, 1, 2, 1]);
    await command(`DELETE FROM ${db}.gridscope_migrations WHERE Version IN (7, 10, 16, 24, 25)`);
    expect(await migrate(client, { database: db })).toEqual([7, 10, 16, 24, 25]);
    expect(await snapshot()).toEqual(fromViews);
    // 0010 replaces the histogram rollup of 0007, which a run of 0007 makes again.
    expect(await tables('gridscope_histogram_%')).toEqual([
      'gridscope_histogram_increases_15m',
      'gridscope_histogram_increases_1m',
      'gridscope_histogram_quarters',
      'gridscope_histogram_quarters_mv',
      'gridscope_histogram_stats_15m',
      'gridscope_histogram_stats_1m',
      'gridscope_histogram_stats_1m_mv',
    ]);
  });

  it('marks the quarter hours of histograms stored before them as written, to be rolled up (0013, 0017, 0020, 0021, 0023)', async () => {
    const quarters = () =>
      select<{ q: number; written: number; rolled: number }>(
        `SELECT toUnixTimestamp(Quarter) AS q, max(WrittenAt) > 0 AS written,
           max(RolledAt) > 0 AS rolled
         FROM ${db}.gridscope_histogram_quarters GROUP BY Quarter ORDER BY Quarter`,
      );
    const quarter = MINUTE - (MINUTE % 900);
    // The views marked the quarter of the points written above.
    expect(await quarters()).toEqual([{ q: quarter, written: 1, rolled: 0 }]);
    // 0013 marks the quarters of explicit-bounds histograms' minutes, 0017 those of
    // exponential ones; each alone marks the quarter again.
    for (const [version, only] of [
      [13, 'gridscope_exp_histogram_stats_1m'],
      [17, 'gridscope_histogram_stats_1m'],
    ] as const) {
      // The other kind's minutes are set aside, so that only this migration's kind is left.
      await command(`CREATE TABLE ${db}.aside AS ${db}.${only}`);
      await command(`INSERT INTO ${db}.aside SELECT * FROM ${db}.${only}`);
      await command(`TRUNCATE TABLE ${db}.${only}`);
      await command(`TRUNCATE TABLE ${db}.gridscope_histogram_quarters`);
      await command(`DELETE FROM ${db}.gridscope_migrations WHERE Version = ${version}`);
      expect(await migrate(client, { database: db })).toEqual([version]);
      expect(await quarters(), `${version}`).toEqual([{ q: quarter, written: 1, rolled: 0 }]);
      await command(`INSERT INTO ${db}.${only} SELECT * FROM ${db}.aside`);
      await command(`DROP TABLE ${db}.aside`);
    }
    // 0020 marks the quarters rolled up before it written again, to compute their increases.
    const pending = () =>
      select<{ p: number }>(
        `SELECT max(WrittenAt) > max(RolledAt) AS p FROM ${db}.gridscope_histogram_quarters`,
      );
    // So do 0021, to pool their exponential histogram sums, and 0023, to store their
    // increases under the rule for the first point of a run.
    for (const version of [20, 21, 23]) {
      await command(`INSERT INTO ${db}.gridscope_histogram_quarters (Quarter, WrittenAt, RolledAt)
        VALUES (toDateTime(${quarter}), 0, now64(3))`);
      expect(await pending(), `${version}`).toEqual([{ p: 0 }]);
      await new Promise((r) => setTimeout(r, 5));
      await command(`DELETE FROM ${db}.gridscope_migrations WHERE Version = ${version}`);
      expect(await migrate(client, { database: db })).toEqual([version]);
      expect(await pending(), `${version}`).toEqual([{ p: 1 }]);
    }
  });
});

describe('retention', () => {
  it('keeps the rollups as long as the metric points', async () => {
    const engine = async (table: string) =>
      (
        await select<{ e: string }>(
          `SELECT engine_full AS e FROM system.tables WHERE database = '${db}' AND name = '${table}'`,
        )
      )[0]!.e;
    const days = { tracesDays: 0, logsDays: 0, metricsDays: 9, auditDays: 0 };
    await applyRetention(client, { database: db }, days);
    for (const t of [
      ...ROLLUPS,
      'gridscope_histogram_stats_15m',
      'gridscope_exp_histogram_stats_15m',
      'gridscope_exp_histogram_pooled_15m',
    ]) {
      expect(await engine(t), t).toMatch(/TTL Minute \+ toIntervalDay\(9\)/);
    }
  });
});
