import { z } from 'zod';
import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../store.js';
import { ROLLUP_TABLES, STALE_MS } from './metrics.js';

/**
 * Quarter hours of histogram stats, of both kinds (schema/0013_histogram_quarters.sql,
 * 0017_exp_histogram_quarters.sql), rolled up from the minutes in the background: a
 * quarter is read from the quarter tables once it was rolled up after its last write, and
 * from the minute tables otherwise.
 */

export const QUARTER_MS = 15 * 60_000;

const QUARTERS = '{db:Identifier}.gridscope_histogram_quarters';

/**
 * Each histogram kind's quarter table, the grouping key its rows add to the series
 * identity, and how each of its other columns rolls up from its minute table
 * (ROLLUP_TABLES).
 */
const ROLLED_UP = {
  histogram: {
    quarters: 'gridscope_histogram_stats_15m',
    key: 'Bounds',
    columns: {
      ScopeName: 'any',
      Attributes: 'any',
      MetricUnit: 'any',
      ExplicitBounds: 'any',
      Count: 'sum',
      Sum: 'sum',
      BucketCounts: 'sumForEachMergeState',
      FirstTime: 'min',
      First: 'argMinMergeState',
      LastTime: 'max',
      Last: 'argMaxMergeState',
      Peak: 'argMaxMergeState',
    },
  },
  exponential_histogram: {
    quarters: 'gridscope_exp_histogram_stats_15m',
    key: 'Scale',
    columns: {
      ScopeName: 'any',
      Attributes: 'any',
      MetricUnit: 'any',
      MinScale: 'min',
      ZeroThreshold: 'max',
      Count: 'sum',
      Sum: 'sum',
      ZeroCount: 'sum',
      Positive: 'sumMapMergeState',
      Negative: 'sumMapMergeState',
      FirstTime: 'min',
      First: 'argMinMergeState',
      LastTime: 'max',
      Last: 'argMaxMergeState',
      Peak: 'argMaxMergeState',
    },
  },
} as const;

/** The quarter table of a histogram kind's stats. */
export const QUARTER_TABLES = {
  histogram: ROLLED_UP.histogram.quarters,
  exponential_histogram: ROLLED_UP.exponential_histogram.quarters,
} as const;

/**
 * How far before a quarter the points its histogram increases depend on may lie
 * (src/store/queries/histogram-increases.ts): a series silent longer starts over.
 */
export const INCREASE_LOOKBACK_MS = STALE_MS;

/**
 * Rolls up the quarter starting at `quarterMs` from its minutes, for both kinds, runs
 * `also` (the quarter's other roll-ups from the minutes: its histogram increases), then
 * marks it rolled up as of `marginMs` before the roll-up started: writes later than the
 * mark make the quarter read from the minutes again until it is rolled up again. The
 * margin must cover inserts still being committed when the roll-up began reading.
 */
export async function rollQuarter(
  store: Store,
  org: string,
  quarterMs: number,
  marginMs: number,
  also: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  if (quarterMs % QUARTER_MS !== 0) throw new Error(`not a quarter start: ${quarterMs}`);
  // The engine's time as the roll-up starts: the mark says every write committed `marginMs`
  // before it is in.
  const [start] = z
    .array(z.object({ t: z.coerce.number() }))
    .parse(await store.query(org, 'SELECT toUnixTimestamp64Milli(now64(3)) AS t', {}));
  const params = { fromMs: quarterMs, toMs: quarterMs + QUARTER_MS, marginMs, startMs: start!.t };
  for (const kind of ['histogram', 'exponential_histogram'] as const) {
    const t = ROLLED_UP[kind];
    const identity = `MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, ${t.key}`;
    const columns = Object.keys(t.columns).join(', ');
    const rolled = Object.entries(t.columns)
      .map(([column, fn]) => `${fn}(${column})`)
      .join(', ');
    await store.command(
      org,
      `INSERT INTO {db:Identifier}.${t.quarters} (${identity}, ${columns}, RolledAt)
      SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS Quarter,
        StartTimeUnix, AggregationTemporality, ${t.key}, ${rolled}, now64(3)
      FROM {db:Identifier}.${ROLLUP_TABLES[kind]}
      WHERE Minute >= fromUnixTimestamp64Milli({fromMs:Int64})
        AND Minute < fromUnixTimestamp64Milli({toMs:Int64})
      GROUP BY MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality, ${t.key}`,
      params,
    );
  }
  await also();
  await store.command(
    org,
    `INSERT INTO ${QUARTERS} (Quarter, WrittenAt, RolledAt)
    SELECT toDateTime(intDiv({fromMs:Int64}, 1000)), toDateTime64(0, 3),
      fromUnixTimestamp64Milli({startMs:Int64}) - toIntervalMillisecond({marginMs:Int64})`,
    params,
  );
}

const QuarterRow = z.object({ q: z.coerce.number() });

/**
 * The quarters to roll up, newest first: written, or with a quarter up to
 * INCREASE_LOOKBACK_MS before them written, since they were last rolled up (or never
 * rolled up), and last so written `marginMs` ago or longer. Per quarter: when it was last
 * written (w) and rolled up (r), and the last write to it or to a quarter up to
 * INCREASE_LOOKBACK_MS before it (wr).
 */
export async function pendingQuarters(
  store: Store,
  org: string,
  marginMs: number,
): Promise<number[]> {
  const rows = await store.query(
    org,
    `SELECT toInt64(toUnixTimestamp(Quarter)) * 1000 AS q
    FROM (
      SELECT Quarter, w, r,
        max(w) OVER (ORDER BY toUInt32(Quarter)
          RANGE BETWEEN ${INCREASE_LOOKBACK_MS / 1000} PRECEDING AND CURRENT ROW) AS wr
      FROM (SELECT Quarter, max(WrittenAt) AS w, max(RolledAt) AS r FROM ${QUARTERS} GROUP BY Quarter)
    )
    WHERE r < wr AND wr < now64(3) - toIntervalMillisecond({marginMs:Int64})
      -- A mark whose time wrapped round (a point past 2106, stored before such points were
      -- refused) is no quarter start; rolling it up would fail every pass.
      AND toUnixTimestamp(Quarter) % 900 = 0
    ORDER BY Quarter DESC`,
    { marginMs },
  );
  return z
    .array(QuarterRow)
    .parse(rows)
    .map((r) => r.q);
}

/** A quarter's marks in Unix ms: its start, last write and last roll-up. */
const MarkRow = z.object({ q: z.coerce.number(), w: z.coerce.number(), r: z.coerce.number() });

/**
 * The marks of the quarters starting in [fromMs, toMs), oldest first. Reads take them with
 * a plain grouping and do the rest in Node: a window over them cost the engine more than
 * the grouping itself.
 */
async function marksBetween(
  store: Store,
  org: string,
  fromMs: number,
  toMs: number,
  opts: QueryOptions,
): Promise<z.infer<typeof MarkRow>[]> {
  const rows = await store.query(
    org,
    `SELECT toInt64(toUnixTimestamp(Quarter)) * 1000 AS q,
        toUnixTimestamp64Milli(max(WrittenAt)) AS w, toUnixTimestamp64Milli(max(RolledAt)) AS r
      FROM ${QUARTERS}
      WHERE Quarter >= fromUnixTimestamp64Milli({fromMs:Int64})
        AND Quarter < fromUnixTimestamp64Milli({toMs:Int64})
      GROUP BY Quarter ORDER BY Quarter`,
    { fromMs, toMs },
    opts,
  );
  return z.array(MarkRow).parse(rows);
}

/**
 * The start (Unix ms) of the first quarter overlapping [fromMs, toMs) whose histogram
 * increases may be out of date (see pendingQuarters), or null when every one is rolled up.
 */
export async function firstUnrolledQuarter(
  store: Store,
  org: string,
  range: TimeRange,
  opts: QueryOptions,
): Promise<number | null> {
  const first = Math.floor(range.fromMs / QUARTER_MS) * QUARTER_MS;
  const marks = await marksBetween(store, org, first - INCREASE_LOOKBACK_MS, range.toMs, opts);
  // As pendingQuarters: a quarter is out of date when rolled up before the last write to it
  // or to a quarter up to INCREASE_LOOKBACK_MS before it.
  for (const [i, m] of marks.entries()) {
    if (m.q < first) continue;
    let wr = m.w;
    for (let j = i - 1; j >= 0 && marks[j]!.q >= m.q - INCREASE_LOOKBACK_MS; j--) {
      wr = Math.max(wr, marks[j]!.w);
    }
    if (m.r < wr) return m.q;
  }
  return null;
}

/** The quarters starting in [fromMs, toMs) that can be read from the roll-ups, newest first. */
export async function rolledQuarters(
  store: Store,
  org: string,
  range: TimeRange,
  opts: QueryOptions = {},
): Promise<number[]> {
  const marks = await marksBetween(store, org, range.fromMs, range.toMs, opts);
  return marks
    .filter((m) => m.r >= m.w)
    .map((m) => m.q)
    .reverse();
}
