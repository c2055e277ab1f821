import type { SqlFragment } from './attribute-sql.js';
import {
  FINITE_VALUE,
  METRIC_TABLES,
  ROLLUP_TABLES,
  STALE_MS,
  pointConditions,
} from './metrics.js';
import type { SeriesSelection } from './metrics-series.js';
import type { QueryOptions, Store } from '../store.js';
import { QUARTER_MS, QUARTER_TABLES, rolledQuarters } from './histogram-quarters.js';

/**
 * Reads of the per-minute metric rollups (schema/0007_metric_rollups.sql,
 * 0010_histogram_stats.sql for histograms and 0016_exp_histogram_stats.sql for exponential
 * histograms). A series read over a long range with a step of
 * whole minutes reads these instead of the points: a gauge's minute is its sum, count, min
 * and max; a counter's or histogram's increase is computed per group of a step from its
 * first, peak and last points, or a delta group's totals, with the raw reads' reset and
 * start-time rules (see rolledIncreases).
 */

/** Series reads over ranges at least this long with a step of whole minutes read the rollups. */
export const ROLLUP_FROM_MS = 3_600_000;

const MINUTE_MS = 60_000;

/**
 * The selection a series read takes from the minute rollups, widened to the minutes
 * holding its ends, or null when it reads the points: a range under ROLLUP_FROM_MS, a step (or lookback) that is not whole minutes, or a filter or
 * group on a resource attribute (the rollups do not keep them).
 */
export function rollupSelection(s: SeriesSelection): SeriesSelection | null {
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
 * The rows a value read (sum, avg, min, max, count) aggregates, from the minute rollup when
 * rollupSelection allows: bucket time in Unix ms as `t`, then `s` (sum), `c` (count), `mn`,
 * `mx`, with the point identity columns.
 */
export function valueSource(kind: 'gauge' | 'sum', s: SeriesSelection): SqlFragment {
  const rolled = rollupSelection(s);
  if (rolled === null) {
    const where = pointConditions(s);
    return {
      sql: `(SELECT toUnixTimestamp64Milli(TimeUnix) AS t, ServiceName, ResourceAttributes, Attributes,
          Value AS s, toUInt64(1) AS c, Value AS mn, Value AS mx
        FROM {db:Identifier}.${METRIC_TABLES[kind]} WHERE ${where.sql} AND ${FINITE_VALUE})`,
      params: where.params,
    };
  }
  const where = pointConditions(rolled, 'fromMs', 'Minute');
  return {
    sql: `(SELECT toInt64(toUnixTimestamp(Minute)) * 1000 AS t, ServiceName, Attributes,
          Sum AS s, Count AS c, Min AS mn, Max AS mx
        FROM {db:Identifier}.${ROLLUP_TABLES[kind]} WHERE ${where.sql})`,
    params: where.params,
  };
}

/** The value a summary point reports for the quantile `q` (0 where it has none). */
const REPORTED = 'ValueAtQuantiles.Value[indexOf(ValueAtQuantiles.Quantile, {q:Float64})]';

/**
 * The rows a read of a summary's reported quantile `q` (bound as q) averages, from the
 * minute rollup (its Quantiles, schema/0024) when rollupSelection allows: bucket time in
 * Unix ms as `t`, the sum of the values reported for `q` as `s` and how many as `c`, with
 * the point identity columns. Values that are NaN are left out.
 */
export function reportedSource(s: SeriesSelection): SqlFragment {
  const rolled = rollupSelection(s);
  if (rolled === null) {
    const where = pointConditions(s);
    return {
      sql: `(SELECT toUnixTimestamp64Milli(TimeUnix) AS t, ServiceName, ResourceAttributes, Attributes,
          ${REPORTED} AS s, toUInt64(1) AS c
        FROM {db:Identifier}.${METRIC_TABLES.summary}
        WHERE ${where.sql} AND has(ValueAtQuantiles.Quantile, {q:Float64}) AND NOT isNaN(${REPORTED}))`,
      params: where.params,
    };
  }
  const where = pointConditions(rolled, 'fromMs', 'Minute');
  return {
    sql: `(SELECT toInt64(toUnixTimestamp(Minute)) * 1000 AS t, ServiceName, Attributes,
          finalizeAggregation(Quantiles) AS m, indexOf(m.1, {q:Float64}) AS i,
          if(i = 0, 0, m.2[i]) AS s, if(i = 0, 0, m.3[i]) AS c
        FROM {db:Identifier}.${ROLLUP_TABLES.summary} WHERE ${where.sql})`,
    params: where.params,
  };
}

/**
 * A point kept by the histogram stats (schema/0010_histogram_stats.sql) as a tuple of its
 * time in Unix nanoseconds, count, sum and bucket counts. Delta groups keep none (''), and
 * their reads use only the totals, so they get a placeholder that casts.
 */
function statsPoint(merged: string): string {
  return `CAST(if(AggregationTemporality = 1, '(0,0,0,[])', ${merged}),
          'Tuple(Int64, UInt64, Float64, Array(UInt64))')`;
}

/**
 * An exponential histogram point as kept by its stats (schema/0016_exp_histogram_stats.sql):
 * time in Unix nanoseconds, count, sum, zero count, scale, then per side the offset of its
 * first bucket and the bucket counts. Delta groups keep none, as in statsPoint.
 */
const EXP_POINT =
  'Tuple(Int64, UInt64, Float64, UInt64, Int32, Int32, Array(UInt64), Int32, Array(UInt64))';
const NO_EXP_POINT = '(0,0,0,0,0,0,[],0,[])';

/**
 * A delta group's exponential histogram totals: time, count, sum, zero count, scale, then
 * per side bucket indexes (not an offset) and counts.
 */
const EXP_TOTAL =
  'Tuple(DateTime64(9), UInt64, Float64, UInt64, Int32, Array(Int64), Array(UInt64), Array(Int64), Array(UInt64))';

/**
 * An exponential histogram point's text cast to EXP_POINT where `needed` holds, else an
 * empty point: casting the texts is most of what making the points costs, and a steady run
 * takes two of a group's five.
 */
function expStatsPoint(text: string, _time: string, as: string, needed: string): string {
  return `if(${needed}, CAST(if(${text} = '', '${NO_EXP_POINT}', ${text}), '${EXP_POINT}'),
          CAST('${NO_EXP_POINT}', '${EXP_POINT}')) AS ${as}`;
}

/** Element `n` of an exponential histogram point's text, read without casting the rest. */
const textElement = (text: string, n: 1 | 2) => `splitByChar(',', ${text}, ${n + 1})[${n}]`;

/**
 * What an increase read takes of each rolled type from the rollup's states of a group
 * (series, start time, temporality, the type's `key`, step): the times of its first (fT),
 * last (lT) and highest (pT) points, their stored forms (fs, ls, ps) and counted values
 * (fC, lC, pC), and the totals of a delta group (total). `point(stored, time, as,
 * needed)` makes a point named `as` from a stored form at its time: a tuple whose second
 * element is the counted value, then for histograms the sum and the buckets; a delta
 * group's total has the same elements from the second on (an exponential histogram's
 * sides as indexes, see expTermEntries in histogram-increases.ts).
 *
 * Reads compare the scalars; a `late` type's points are made after the window over the
 * groups, and only where `needed` holds. Exponential histogram points are texts whose cast
 * is costly: made before the window and carried through it, an hour's read took about a
 * fifth longer. Explicit-bounds histogram points, shorter, read as fast or faster made
 * before it.
 */
/** How increase reads take explicit-bounds histograms from their stats (see ROLLED). */
const HISTOGRAM_ROLLED = {
  key: 'Bounds',
  monotonic: '1',
  states: `any(ExplicitBounds) AS eb, min(FirstTime) AS fT, max(LastTime) AS lT,
      ${statsPoint('argMinMerge(First)')} AS fv, (fT, fv.2, fv.3, fv.4) AS fs,
      ${statsPoint('argMaxMerge(Last)')} AS lv, (lT, lv.2, lv.3, lv.4) AS ls,
      ${statsPoint('argMaxMerge(Peak)')} AS pv,
      (fromUnixTimestamp64Nano(pv.1), pv.2, pv.3, pv.4) AS ps,
      (lT, sum(Count), sum(Sum), sumForEachMerge(BucketCounts)) AS total`,
  scalars: 'fs.2 AS fC, ls.2 AS lC, ps.2 AS pC, ps.1 AS pT',
  point: (stored: string, _time: string, as: string, _needed: string) => `${stored} AS ${as}`,
  late: false,
  dropsAfterPeak: 'pC > lC',
} as const;

const ROLLED = {
  sum: {
    key: 'IsMonotonic',
    monotonic: 'IsMonotonic',
    states: `min(FirstTime) AS fT, argMinMerge(First) AS fs, max(LastTime) AS lT,
        argMaxMerge(Last) AS ls, argMaxMerge(PeakTime) AS pt, max(Max) AS ps, (lT, sum(Sum)) AS total`,
    scalars: 'fs AS fC, ls AS lC, ps AS pC, pt AS pT',
    point: (stored: string, time: string, as: string, _needed: string) =>
      `(${time}, ${stored}) AS ${as}`,
    late: false,
    /** The peak counts only when the counter drops after it. */
    dropsAfterPeak: 'IsMonotonic AND pC > lC',
  },
  histogram: HISTOGRAM_ROLLED,
  // Summary stats are those of a cumulative histogram without buckets (schema/0022).
  summary: HISTOGRAM_ROLLED,
  exponential_histogram: {
    key: 'Scale',
    monotonic: '1',
    states: `min(MinScale) AS ms, max(ZeroThreshold) AS zt, min(FirstTime) AS fT,
        argMinMerge(First) AS fs, max(LastTime) AS lT, argMaxMerge(Last) AS ls,
        argMaxMerge(Peak) AS ps, sumMapMerge(Positive) AS pm, sumMapMerge(Negative) AS nm,
        CAST((lT, sum(Count), sum(Sum), sum(ZeroCount), Scale, pm.1, pm.2, nm.1, nm.2),
          '${EXP_TOTAL}') AS total`,
    // A delta group's texts are '' and read as 0.
    scalars: `toUInt64OrZero(${textElement('fs', 2)}) AS fC,
          toUInt64OrZero(${textElement('ls', 2)}) AS lC,
          toUInt64OrZero(${textElement('ps', 2)}) AS pC,
          fromUnixTimestamp64Nano(toInt64OrZero(substring(${textElement('ps', 1)}, 2))) AS pT`,
    point: expStatsPoint,
    late: true,
    dropsAfterPeak: 'pC > lC',
  },
} as const;

/** The point types with a rollup that increase reads take. */
export type RolledKind = keyof typeof ROLLED;

/**
 * Histogram reads over at least this many quarter hours (23 hours, so that a day's read
 * qualifies) read the rolled-up quarters. On a day of the query benchmark's histograms (its
 * small load, 460 series), a day's read in quarter-hour steps took 69-71 ms (fastest of 15,
 * three rounds in turn) with them against 76-82 ms without, the lookup of rolled quarters
 * (about 8 ms) included; over 4 to 12 hours the two were within the noise. Exponential
 * histograms follow the same rule.
 */
const MIN_QUARTERS = 92;

/**
 * The quarter hours a histogram read (of either kind) from the minute stats can take from
 * the rolled-up quarters (src/store/queries/histogram-quarters.ts): those rolled up since
 * their last write, lying wholly in the scanned range and on one side of `fromMs`, when the
 * step is whole quarters (so that a quarter falls in one step). Empty for counters (sums
 * have no quarters) and for shorter reads, where the extra lookup costs about what it saves.
 */
export async function readableQuarters(
  store: Store,
  org: string,
  kind: RolledKind,
  rolled: SeriesSelection,
  opts: QueryOptions,
): Promise<number[]> {
  if (kind === 'sum' || kind === 'summary' || rolled.stepMs % QUARTER_MS !== 0) return [];
  const first = Math.ceil((rolled.fromMs - rolled.lookbackMs) / QUARTER_MS) * QUARTER_MS;
  const end = Math.floor(rolled.toMs / QUARTER_MS) * QUARTER_MS;
  if (end - first < MIN_QUARTERS * QUARTER_MS) return [];
  const quarters = await rolledQuarters(store, org, { fromMs: first, toMs: end }, opts);
  return quarters.filter((q) => q + QUARTER_MS <= rolled.fromMs || q >= rolled.fromMs);
}

/**
 * The rows of a rolled read: the minute rollup's, or with `quarters` (from
 * readableQuarters, which gives none for sums) the rolled-up quarters' rows for
 * those and the minutes' for the rest. Quarter rows have the minutes' columns, each
 * quarter's at its first minute.
 */
function rolledRows(
  kind: RolledKind,
  where: string,
  quarters: readonly number[],
): { sql: string; params: Record<string, unknown> } {
  const minutes = `{db:Identifier}.${ROLLUP_TABLES[kind]}`;
  if (quarters.length === 0 || kind === 'sum' || kind === 'summary') {
    return { sql: `${minutes} WHERE ${where}`, params: {} };
  }
  const listed = 'has({quarters:Array(UInt32)}, toUInt32(toStartOfFifteenMinutes(Minute)))';
  return {
    sql: `(
        SELECT * EXCEPT (RolledAt) FROM {db:Identifier}.${QUARTER_TABLES[kind]} FINAL
        WHERE ${where} AND ${listed}
        UNION ALL
        SELECT * FROM ${minutes} WHERE ${where} AND NOT ${listed}
      )`,
    params: { quarters: quarters.map((q) => q / 1000) },
  };
}

/** A point's values added (sign 1) or taken (sign -1) in a step's increase when `when` holds. */
export interface Term {
  sign: 1 | -1;
  /** One of the point columns of rolledIncreases' rows (see ROLLED). */
  point: 'fp' | 'pk' | 'l' | 'm' | 'q' | 'total';
  /** Its condition, an SQL expression over those rows. */
  when: string;
}

/**
 * The SQL of a step's sum of element `i` of the terms' points (cast with `cast`), each
 * added or taken as its term's sign says when its condition holds.
 */
export function termSum(terms: readonly Term[], i: number, cast: 'toFloat64' | 'toInt64'): string {
  const signed = terms.map(
    (t) => `${t.sign < 0 ? '-' : '+'} if(${t.when}, ${cast}(${t.point}.${i}), 0)`,
  );
  return `sum(${signed.join(' ')})`;
}

/**
 * The terms of a group's increase (see rolledIncreases) as conditions over the windowed
 * groups: `hasPrev` says whether the group continues the previous group of its series, and
 * `startInScan` whether a run starting at the group's StartTimeUnix started within the
 * read. With `buckets`, the points' read's rules for counts that do not match their bounds
 * hold too: a point whose counts do not match its bounds holds none (the views store []),
 * so adding or taking it changes nothing; but as the points' read leaves it out, a point
 * takes the one before it only when its own counts are valid (vf, vpk, vl).
 */
function termConditions(
  kind: RolledKind,
  buckets: boolean,
  hasPrev: string,
  startInScan: string,
): Term[] {
  const mono = ROLLED[kind].monotonic;
  const and = (valid: string) => (buckets ? ` AND ${valid}` : '');
  const term = (sign: 1 | -1, point: Term['point'], when: string): Term => ({
    sign,
    point,
    when: `(${when})`,
  });
  // A group's first point counts from 0 when it starts a run within the read and at most
  // STALE_MS after its start (as in the points' read), unless it starts at its own time (a
  // start not known), when it is the run's baseline.
  const startsRun = `${startInScan} AND StartTimeUnix >= fpT - toIntervalMillisecond(${STALE_MS})`;
  const first = `NOT delta AND (${hasPrev} OR (${startsRun})) AND StartTimeUnix < fpT`;
  const lastTaken = `has_l AND NOT (${mono} AND lC < mC)${and('vl')}`;
  // A change of bounds starts a new run of an explicit-bounds histogram, for its buckets
  // and its count alike (as in the points' read).
  const sameBounds = kind === 'histogram' ? ' AND prev_bounds = Bounds' : '';
  // Without a peak, m is fp: a group whose first point would be both added (first) and
  // taken (lastTaken) leaves both terms out, which spares the engine summing its buckets
  // twice. In a steady run every group then adds its last point and takes its
  // predecessor's, nothing else.
  return [
    term(1, 'fp', `${first} AND (has_pk OR NOT (${lastTaken}))`),
    term(
      -1,
      'q',
      `NOT delta AND ${hasPrev} AND NOT prev_delta AND StartTimeUnix = prev_start AND NOT (${mono} AND fpC < qC)${and('vf')}${sameBounds}`,
    ),
    term(1, 'pk', 'has_pk'),
    term(-1, 'fp', `has_pk${and('vpk')}`),
    term(1, 'l', 'has_l'),
    term(-1, 'm', `${lastTaken} AND (has_pk OR NOT (${first}))`),
    term(1, 'total', 'delta'),
  ];
}

/** The fp, l, pk and m points of a group, each made where `needs(point)` holds (see ROLLED). */
function madePoints(kind: RolledKind, needs: (point: Term['point']) => string): string[] {
  const r = ROLLED[kind];
  return [
    r.point('fpS', 'fpT', 'fp', needs('fp')),
    r.point('ls', 'lT', 'l', needs('l')),
    r.point('ps', 'pT', 'pk', needs('pk')),
    r.point('if(has_pk, ps, fpS)', 'if(has_pk, pT, fpT)', 'm', needs('m')),
  ];
}

/**
 * Names the conditions of sets of terms once, as columns after the window (w0_0, w0_1,
 * ...), for a `late` type, whose points are then made there, only for the groups whose
 * terms take them: the columns to add and the sets of terms naming them. Written out in
 * each aggregate and point that reads them, the conditions took the engine longer to plan.
 * Other types' sets are returned as they are.
 */
function namedConditions(
  kind: RolledKind,
  sets: readonly Term[][],
): { columns: string[]; sets: Term[][] } {
  const r = ROLLED[kind];
  if (!r.late) return { columns: [], sets: [...sets] };
  const named = sets.map((set, s) => set.map((t, i) => ({ ...t, when: `w${s}_${i}` })));
  const needed = (point: Term['point']) =>
    named
      .flat()
      .filter((t) => t.point === point)
      .map((t) => t.when)
      .join(' OR ');
  return {
    columns: [
      ...sets.flatMap((set, s) => set.map((t, i) => `${t.when} AS w${s}_${i}`)),
      ...madePoints(kind, needed),
      r.point('qS', 'qT', 'q', needed('q')),
    ],
    sets: named,
  };
}

/** Whether a group with buckets holds a valid point the read keeps (see termConditions). */
const KEPT_BUCKETS = 'if(delta, vt, vf OR (has_pk AND vpk) OR (has_l AND vl))';

/** What windowedGroups groups and how. */
interface GroupSource {
  /** The rows, a table with its WHERE clause or a subquery. */
  rows: string;
  /** Keys grouped by before the series, each followed by a comma ('' for one metric). */
  keys: string;
  /** More aggregates of each group, such as its labels. */
  columns: string;
  /**
   * A column of `columns` naming the read's group of each row (its labels): an exponential
   * histogram's buckets are brought to the lowest scale of their group's rows.
   */
  group?: string;
}

/**
 * The groups of a rolled type's rows per series, start time, temporality, the type's key
 * and step (stepMs), with `inRange` for those from fromMs (the earlier ones only precede),
 * their scalars and, for types that are not `late`, their points; then, from a window over
 * each series' groups, the previous group's: has_lag (there is one), its start time
 * (prev_start), temporality (prev_delta), last counted value (qC) and time (qT), and its
 * last point (q; for a late type its stored form qS) and, with buckets, bounds.
 */
function windowedGroups(kind: RolledKind, source: GroupSource, buckets: boolean): string {
  const r = ROLLED[kind];
  const valid = (p: string) => `length(${p}.4) = length(eb) + 1`;
  // With buckets (explicit-bounds histograms, whose points are made before the window) the
  // validity of each point is read with them.
  if (buckets && r.late) {
    throw new Error(`bucket reads of ${kind} make their points after the window`);
  }
  const validity = buckets
    ? `\n          ${valid('fp')} AS vf, ${valid('pk')} AS vpk, ${valid('l')} AS vl, ${valid('total')} AS vt,`
    : '';
  // The previous group's last point (a delta group's totals are not continued, as in the
  // points' read); with buckets its bounds. An exponential histogram's buckets are brought
  // to the lowest scale of the rows read of their group (target), found by a window over
  // them: a scalar subquery scanning the rollup for it took the engine about 20 ms more to
  // prepare.
  const windowed = [
    'lagInFrame(delta) OVER w AS prev_delta',
    'lagInFrame(lC) OVER w AS qC',
    'lagInFrame(lT) OVER w AS qT',
    r.late ? 'lagInFrame(ls) OVER w AS qS' : 'lagInFrame(l) OVER w AS q',
  ];
  if (kind === 'histogram') windowed.push('lagInFrame(Bounds) OVER w AS prev_bounds');
  if (kind === 'exponential_histogram') {
    const by = source.group === undefined ? '' : `PARTITION BY ${source.group}`;
    windowed.push(`min(ms) OVER (${by}) AS target`);
  }
  // The conditions and the window read scalars (and the stored forms); the points are made
  // before the window, or with `late` after it, for the groups in range (see ROLLED).
  const before = r.late
    ? ''
    : `\n          ${madePoints(kind, () => '1').join(',\n          ')},${validity}`;
  return `(
      SELECT *,
        lagInFrame(toUInt8(1), 1, toUInt8(0)) OVER w AS has_lag,
        lagInFrame(StartTimeUnix) OVER w AS prev_start,
        ${windowed.join(',\n        ')}
      FROM (
        SELECT *, AggregationTemporality = 1 AS delta, ${r.scalars},
          NOT delta AND pT > fT AND ${r.dropsAfterPeak} AS has_pk,
          NOT delta AND lT > fT AS has_l,
          if(lT > fT, fT, lT) AS fpT, if(lT > fT, fs, ls) AS fpS, if(lT > fT, fC, lC) AS fpC,
          if(has_pk, pC, fpC) AS mC,${before}
          if(delta, lT, fpT) AS ord
        FROM (
          SELECT ${source.keys}Series, StartTimeUnix, AggregationTemporality, ${r.key},
            intDiv(toInt64(toUnixTimestamp(Minute)) * 1000, {stepMs:Int64}) AS step,
            Minute >= fromUnixTimestamp64Milli({fromMs:Int64}) AS inRange,
            ${source.columns}, ${r.states}
          FROM ${source.rows}
          GROUP BY ${source.keys}Series, StartTimeUnix, AggregationTemporality, ${r.key}, step, inRange
        )
      )
      WINDOW w AS (PARTITION BY ${source.keys}Series ORDER BY ord
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )`;
}

/**
 * Whether a group continues the previous group of its series in a read: that group ends
 * at most STALE_MS before the group's first point, as in the points' read (see `weighted`).
 */
export const CONTINUES = `(has_lag AND qT >= fpT - toIntervalMillisecond(${STALE_MS}))`;

/** A run starting at StartTimeUnix starts within the read (bound as startFromMs). */
const STARTS_IN_READ = 'StartTimeUnix >= fromUnixTimestamp64Milli({startFromMs:Int64})';

/**
 * The increase of a counter from the rollups, as `weighted` computes it from the points a
 * group stands for: its first point (fp: f, or l when the group holds one time), the peak
 * when the counter drops after it, and the last point, or one point of a delta group's
 * totals; a start time change is exact, a reset without one is exact unless the same step
 * resets again or climbs back to or above the pre-reset peak. The rules are applied per
 * group instead of per replayed point: within a group each point follows the one before it;
 * the first follows the previous group's last point (q) in the series when that lies at most
 * STALE_MS before it, found by a window over the groups, so no point is materialised
 * (a cumulative group does not continue a delta one).
 *
 * `aggregate(columns, groupBy)` is the SQL of a read over the groups in the range, per
 * `bucket` and `labels` (the SQL of the read's group labels over the rollup's columns)
 * and `groupBy` (more keys, such as `eb`, a histogram group's bounds): `columns` are
 * aggregates over the point columns and the terms' conditions; a step's increase of a
 * value is the sum of sign * value over the terms whose condition holds. The conditions
 * go straight into those aggregates: a subquery naming each as a column took the engine
 * about 5 ms more to plan. With `buckets`, the points' read's rules for counts that do
 * not match their bounds and for a change of bounds hold too (see termConditions), and a
 * group without a valid point gives no row.
 *
 * A read of the end of a longer one passes the longer one's scan start as `startFromMs`,
 * where runs count as starting within the read, and may scan from later than its own
 * lookback (`scanFromMs`): from STALE_MS before fromMs, or the longer one's scan start.
 */
export function rolledIncreases(
  kind: RolledKind,
  rolled: SeriesSelection,
  labels: string,
  opts: {
    buckets?: boolean;
    quarters?: readonly number[];
    startFromMs?: number;
    scanFromMs?: number;
  } = {},
): {
  aggregate: (columns: string, groupBy?: string) => string;
  params: Record<string, unknown>;
  terms: Term[];
} {
  const scanFromMs = opts.scanFromMs ?? rolled.fromMs - rolled.lookbackMs;
  const where = pointConditions({ ...rolled, fromMs: scanFromMs }, 'scanFromMs', 'Minute');
  const rows = rolledRows(kind, where.sql, opts.quarters ?? []);
  const b = opts.buckets === true;
  const windowed = windowedGroups(
    kind,
    { rows: rows.sql, keys: '', columns: `any(${labels}) AS labels`, group: 'labels' },
    b,
  );
  const named = namedConditions(kind, [termConditions(kind, b, CONTINUES, STARTS_IN_READ)]);
  const grouped =
    named.columns.length === 0
      ? windowed
      : `(
      SELECT *,
        ${named.columns.join(',\n        ')}
      FROM ${windowed}
      WHERE inRange
    )`;
  const kept = `inRange${b ? ` AND ${KEPT_BUCKETS}` : ''}`;
  const aggregate = (columns: string, groupBy = '') =>
    `SELECT step * {stepMs:Int64} AS bucket, labels, ${columns}
      FROM ${grouped}
      WHERE ${kept}
      GROUP BY bucket, labels${groupBy}`;
  return {
    aggregate,
    params: {
      ...where.params,
      ...rows.params,
      fromMs: rolled.fromMs,
      stepMs: rolled.stepMs,
      startFromMs: opts.startFromMs ?? scanFromMs,
    },
    terms: named.sets[0]!,
  };
}

/**
 * The three forms of a group's increase that a roll-up of increases keeps
 * (src/store/queries/histogram-increases.ts), as sets of terms: continuing the previous
 * group (cont), and without it, with a run that started within the read (started) and
 * before it (alone). A read picks one per group.
 */
export type IncreaseForm = 'cont' | 'started' | 'alone';

/**
 * The windowed minute groups of every metric of a rolled histogram type over `rows` (the
 * minute rollup with a WHERE clause), from fromMs, for a roll-up of their increases: with
 * the series' identity (MetricName, ServiceName, Series, ...), scope and attributes (scope,
 * attrs), and per IncreaseForm the terms, over columns of `sql` (with buckets,
 * `kept` says whether the group gives a row, see rolledIncreases).
 */
export function increaseGroups(
  kind: 'histogram' | 'exponential_histogram',
  rows: string,
): { sql: string; forms: Record<IncreaseForm, Term[]>; kept: string } {
  const b = kind === 'histogram';
  const windowed = windowedGroups(
    kind,
    {
      rows,
      keys: 'MetricName, ServiceName, ',
      columns: 'any(ScopeName) AS scope, any(Attributes) AS attrs',
    },
    b,
  );
  const named = namedConditions(kind, [
    termConditions(kind, b, 'has_lag', '1'),
    termConditions(kind, b, '0', '1'),
    termConditions(kind, b, '0', '0'),
  ]);
  const sql = `(
      SELECT *${named.columns.map((c) => `,\n        ${c}`).join('')}
      FROM ${windowed}
      WHERE inRange
    )`;
  const [cont, started, alone] = named.sets as [Term[], Term[], Term[]];
  return { sql, forms: { cont, started, alone }, kept: b ? KEPT_BUCKETS : '1' };
}
