import type { SqlFragment } from './attribute-sql.js';
import {
  METRIC_TABLES,
  QUARTER_ROLLUP_TABLES,
  ROLLUP_TABLES,
  pointConditions,
  rollupTable,
  type MetricKind,
  type PointSelection,
} from './metrics.js';
import type { SeriesSelection } from './metrics-series.js';

/**
 * Reads of the per-minute metric rollups (schema/0007_metric_rollups.sql). A series read
 * over a long range with a step of whole minutes reads these instead of the points: a
 * gauge's minute is its sum, count, min and max; a counter's step is replayed as at most
 * three points (first, peak, last), or one point holding a delta step's totals, which the
 * raw reads' reset and start-time rules then treat like any other points. A step of whole
 * quarter hours takes the whole quarter hours from the per-quarter-hour rollups
 * (schema/0010_metric_rollups_15m.sql), whose states merge their minutes'.
 */

/** Series reads over ranges at least this long with a step of whole minutes read the rollups. */
export const ROLLUP_FROM_MS = 3_600_000;

const MINUTE_MS = 60_000;
const QUARTER_MS = 900_000;

/**
 * The selection a series read of `kind` takes from the rollup, widened to the minutes
 * holding its ends, or null when it reads the points: a type without a rollup, a range
 * under ROLLUP_FROM_MS, a step (or lookback) that is not whole minutes, or a filter or
 * group on a resource attribute (the rollups do not keep them).
 */
export function rollupSelection(kind: MetricKind, s: SeriesSelection): SeriesSelection | null {
  if (rollupTable(kind) === null) return null;
  if (s.attributes.some((a) => a.scope === 'resource')) return null;
  if (s.groupBy.some((g) => g.column === 'resource')) return null;
  if (s.toMs - s.fromMs < ROLLUP_FROM_MS) return null;
  if (s.stepMs % MINUTE_MS !== 0 || s.lookbackMs % MINUTE_MS !== 0) return null;
  return {
    ...s,
    fromMs: Math.floor(s.fromMs / MINUTE_MS) * MINUTE_MS,
    toMs: Math.ceil(s.toMs / MINUTE_MS) * MINUTE_MS,
  };
}

/**
 * The rows a value read (sum, avg, min, max, count) aggregates, from the rollups when
 * rollupSelection allows: bucket time in Unix ms as `t`, then `s` (sum), `c` (count), `mn`,
 * `mx`, with the point identity columns.
 */
export function valueSource(kind: 'gauge' | 'sum', s: SeriesSelection): SqlFragment {
  const rolled = rollupSelection(kind, s);
  if (rolled === null) {
    const where = pointConditions(s);
    return {
      sql: `(SELECT toUnixTimestamp64Milli(TimeUnix) AS t, ServiceName, ResourceAttributes, Attributes,
          Value AS s, toUInt64(1) AS c, Value AS mn, Value AS mx
        FROM {db:Identifier}.${METRIC_TABLES[kind]} WHERE ${where.sql})`,
      params: where.params,
    };
  }
  const rows = rollupRows(kind, rolled, rolled, 'fromMs');
  return {
    sql: `(SELECT toInt64(toUnixTimestamp(Minute)) * 1000 AS t, ServiceName, Attributes,
          Sum AS s, Count AS c, Min AS mn, Max AS mx
        FROM ${rows.sql})`,
    params: rows.params,
  };
}

/**
 * The rollup rows of `scan` (a read's rolled selection `rolled`, or that widened back by
 * the lookback) as a FROM source. With a step of whole quarter hours, the whole quarter
 * hours inside `rolled`'s range come from the quarter-hour rollup and the other minutes
 * (its ends and the lookback) from the minute rollup; a step holds whole quarter hours, and
 * they all lie on one side of the range's start. Otherwise all rows are minutes.
 */
function rollupRows(
  kind: keyof typeof ROLLUP_TABLES,
  rolled: SeriesSelection,
  scan: PointSelection,
  fromParam: string,
): SqlFragment {
  const where = pointConditions(scan, fromParam, 'Minute');
  const minutes = `SELECT * FROM {db:Identifier}.${ROLLUP_TABLES[kind]} WHERE ${where.sql}`;
  const quarterFromMs = Math.ceil(rolled.fromMs / QUARTER_MS) * QUARTER_MS;
  const quarterToMs = Math.floor(rolled.toMs / QUARTER_MS) * QUARTER_MS;
  if (rolled.stepMs % QUARTER_MS !== 0 || quarterToMs <= quarterFromMs) {
    return { sql: `(${minutes})`, params: where.params };
  }
  const quarters = `Minute >= fromUnixTimestamp64Milli({quarterFromMs:Int64})
      AND Minute < fromUnixTimestamp64Milli({quarterToMs:Int64})`;
  return {
    sql: `(${minutes} AND NOT (${quarters})
      UNION ALL
      SELECT * FROM {db:Identifier}.${QUARTER_ROLLUP_TABLES[kind]} WHERE ${where.sql} AND ${quarters})`,
    params: { ...where.params, quarterFromMs, quarterToMs },
  };
}

/** What a counter read replays of each rolled type: the rollup's states, and the columns of a point. */
const REPLAY = {
  sum: {
    key: 'IsMonotonic',
    states: `(min(FirstTime), argMinMerge(First)) AS f, (max(LastTime), argMaxMerge(Last)) AS l,
        (argMaxMerge(PeakTime), max(Max)) AS pk, (l.1, sum(Sum)) AS total`,
    /** The peak is replayed only when the counter drops after it. */
    dropsAfterPeak: 'IsMonotonic AND pk.2 > l.2',
    columns: 'IsMonotonic, p.1 AS TimeUnix, p.2 AS Value',
  },
  histogram: {
    key: 'Bounds',
    states: `any(ExplicitBounds) AS eb,
        (min(FirstTime), argMinMerge(FirstCount), argMinMerge(FirstSum),
          CAST(argMinMerge(FirstBuckets), 'Array(UInt64)')) AS f,
        (max(LastTime), argMaxMerge(LastCount), argMaxMerge(LastSum),
          CAST(argMaxMerge(LastBuckets), 'Array(UInt64)')) AS l,
        (argMaxMerge(PeakTime), max(PeakCount), argMaxMerge(PeakSum),
          CAST(argMaxMerge(PeakBuckets), 'Array(UInt64)')) AS pk,
        (l.1, sum(Count), sum(Sum), sumForEachMerge(BucketCounts)) AS total`,
    dropsAfterPeak: 'pk.2 > l.2',
    columns: 'p.1 AS TimeUnix, p.2 AS Count, p.3 AS Sum, p.4 AS BucketCounts, eb AS ExplicitBounds',
  },
} as const;

/**
 * The points a counter read (see `weighted`) replays from the rollup, with their `series`
 * and `labels` (the SQL of the read's group labels over the rollup's columns): per series,
 * start time and step of `stepMs` (split at `fromMs`, as points before it only serve as
 * predecessors), the first and last points, the peak between them when the counter drops
 * after it, or for delta temporality one point of the totals. A start time change is
 * exact (each start time has its own points); a reset without one is exact unless the same
 * step resets again or climbs above the pre-reset peak.
 */
export function replayedPoints(
  kind: 'sum' | 'histogram',
  rolled: SeriesSelection,
  scan: PointSelection,
  fromParam: string,
  labels: string,
): SqlFragment {
  const r = REPLAY[kind];
  const rows = rollupRows(kind, rolled, scan, fromParam);
  const sql = `(SELECT Series AS series, labels, StartTimeUnix, AggregationTemporality, ${r.columns}
    FROM (
      SELECT Series, StartTimeUnix, AggregationTemporality, ${r.key},
        intDiv(toInt64(toUnixTimestamp(Minute)) * 1000, {stepMs:Int64}) AS step,
        Minute >= fromUnixTimestamp64Milli({fromMs:Int64}) AS inRange,
        any(${labels}) AS labels, ${r.states}
      FROM ${rows.sql}
      GROUP BY Series, StartTimeUnix, AggregationTemporality, ${r.key}, step, inRange
    )
    ARRAY JOIN if(AggregationTemporality = 1, [total],
      if(pk.1 > f.1 AND ${r.dropsAfterPeak}, [f, pk, l], if(l.1 > f.1, [f, l], [l]))) AS p)`;
  return { sql, params: rows.params };
}
