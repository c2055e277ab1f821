import { z } from 'zod';
import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../store.js';

/**
 * Quarter hours of histogram stats (schema/0013_histogram_quarters.sql), rolled up from the
 * minutes in the background: a quarter is read from gridscope_histogram_stats_15m once it
 * was rolled up after its last write, and from gridscope_histogram_stats_1m otherwise.
 */

export const QUARTER_MS = 15 * 60_000;

const QUARTERS = '{db:Identifier}.gridscope_histogram_quarters';

/** The columns of both stats tables, in their order. */
const STATS_COLUMNS = `MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
  Bounds, ScopeName, Attributes, MetricUnit, ExplicitBounds, Count, Sum, BucketCounts,
  FirstTime, First, LastTime, Last, Peak`;

/**
 * Rolls up the quarter starting at `quarterMs` from its minutes, then marks it rolled up
 * as of `marginMs` before the roll-up ended: writes later than the mark make the quarter
 * read from the minutes again until it is rolled up again. The margin must cover inserts
 * still being committed while the minutes were read.
 */
export async function rollQuarter(
  store: Store,
  org: string,
  quarterMs: number,
  marginMs: number,
): Promise<void> {
  if (quarterMs % QUARTER_MS !== 0) throw new Error(`not a quarter start: ${quarterMs}`);
  const params = { fromMs: quarterMs, toMs: quarterMs + QUARTER_MS, marginMs };
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.gridscope_histogram_stats_15m (${STATS_COLUMNS}, RolledAt)
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS Quarter,
      StartTimeUnix, AggregationTemporality, Bounds, any(ScopeName), any(Attributes),
      any(MetricUnit), any(ExplicitBounds), sum(Count), sum(Sum),
      sumForEachMergeState(BucketCounts), min(FirstTime), argMinMergeState(First),
      max(LastTime), argMaxMergeState(Last), argMaxMergeState(Peak), now64(3)
    FROM {db:Identifier}.gridscope_histogram_stats_1m
    WHERE Minute >= fromUnixTimestamp64Milli({fromMs:Int64})
      AND Minute < fromUnixTimestamp64Milli({toMs:Int64})
    GROUP BY MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality, Bounds`,
    params,
  );
  await store.command(
    org,
    `INSERT INTO ${QUARTERS} (Quarter, WrittenAt, RolledAt)
    SELECT toDateTime(intDiv({fromMs:Int64}, 1000)), toDateTime64(0, 3),
      now64(3) - toIntervalMillisecond({marginMs:Int64})`,
    params,
  );
}

const QuarterRow = z.object({ q: z.coerce.number() });

/** Quarters (Unix ms) passing `where`, then `having` over their marks, newest first. */
async function quarters(
  store: Store,
  org: string,
  where: string,
  having: string,
  params: Record<string, unknown>,
  opts: QueryOptions,
): Promise<number[]> {
  const rows = await store.query(
    org,
    `SELECT toInt64(toUnixTimestamp(Quarter)) * 1000 AS q FROM ${QUARTERS}
    WHERE ${where}
    GROUP BY Quarter HAVING ${having} ORDER BY Quarter DESC`,
    params,
    opts,
  );
  return z
    .array(QuarterRow)
    .parse(rows)
    .map((r) => r.q);
}

/**
 * The quarters to roll up, newest first: written since they were last rolled up (or never
 * rolled up), and last written `marginMs` ago or longer.
 */
export function pendingQuarters(store: Store, org: string, marginMs: number): Promise<number[]> {
  return quarters(
    store,
    org,
    '1',
    `max(RolledAt) < max(WrittenAt)
      AND max(WrittenAt) < now64(3) - toIntervalMillisecond({marginMs:Int64})`,
    { marginMs },
    {},
  );
}

/** The quarters starting in [fromMs, toMs) that can be read from the roll-ups, newest first. */
export function rolledQuarters(
  store: Store,
  org: string,
  range: TimeRange,
  opts: QueryOptions = {},
): Promise<number[]> {
  return quarters(
    store,
    org,
    `Quarter >= fromUnixTimestamp64Milli({fromMs:Int64})
      AND Quarter < fromUnixTimestamp64Milli({toMs:Int64})`,
    'max(RolledAt) >= max(WrittenAt)',
    { fromMs: range.fromMs, toMs: range.toMs },
    opts,
  );
}
