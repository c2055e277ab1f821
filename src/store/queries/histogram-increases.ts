import { z } from 'zod';
import type { Store } from '../store.js';
import { INCREASE_LOOKBACK_MS, QUARTER_MS } from './histogram-quarters.js';
import { ROLLUP_TABLES, pointConditions } from './metrics.js';
import { CONTINUES, increaseGroups, type IncreaseForm, type Term } from './metrics-rollup.js';
import type { SeriesSelection } from './metrics-series.js';

/**
 * Per-minute histogram increases (schema/0020_histogram_increases.sql): computed a quarter
 * hour at a time from the minute stats with the rules of rolledIncreases, in the three
 * forms a read chooses from per group, and read back as plain sums. A read takes them for
 * the quarters whose increases are up to date (firstUnrolledQuarter) and the minute stats
 * for the rest (src/store/queries/metrics-histograms.ts).
 */

/** The tables of each histogram kind's increases, per minute and per quarter hour. */
export const INCREASE_TABLES = {
  histogram: 'gridscope_histogram_increases_1m',
  exponential_histogram: 'gridscope_exp_histogram_increases_1m',
} as const;
const SUM_TABLES = {
  histogram: 'gridscope_histogram_increases_15m',
  exponential_histogram: 'gridscope_exp_histogram_increases_15m',
} as const;
/** Exponential histogram quarter sums pooled across series (schema/0021). */
const POOLED_TABLE = 'gridscope_exp_histogram_pooled_15m';

const MINUTE_MS = 60_000;

/**
 * The key of the zero bucket among an exponential histogram's bucket keys. Bucket keys are
 * twice a bucket index (plus one on the negative side), and an index is far smaller: a
 * double's largest exponent at the highest scale, 20, is about 2^30.
 */
export const ZERO_KEY = -(2 ** 53 - 1);

/**
 * A term's exponential histogram buckets as keys and counts: each bucket of its point
 * keyed by its index brought from the point's scale to `target` (doubled on the positive
 * side, doubled plus one on the negative), and the zero count keyed ZERO_KEY, the counts
 * with the term's sign. A point's side is the index of its first bucket and the counts; a
 * delta group's total's, indexes and counts.
 */
export function expTermEntries(t: Term, target: string): { keys: string; counts: string } {
  const p = t.point;
  const keys = (at: 6 | 8) => {
    const key = `2 * bitShiftRight(${p === 'total' ? 'k' : `${p}.${at} + k - 1`}, ${p}.5 - ${target})${at === 8 ? ' + 1' : ''}`;
    return p === 'total'
      ? `arrayMap(k -> ${key}, ${p}.${at})`
      : `arrayMap(k -> ${key}, arrayEnumerate(${p}.${at + 1}))`;
  };
  return {
    keys: `arrayConcat(${keys(6)}, ${keys(8)}, [toInt64(${ZERO_KEY})])`,
    counts: `arrayMap(c -> ${t.sign} * toInt64(c), arrayConcat(${p}.7, ${p}.9, [${p}.4]))`,
  };
}

/**
 * An explicit-bounds group's increase in one form: its terms' counts summed bucket by
 * bucket, each brought to the group's number of buckets (a point whose counts do not match
 * its bounds holds none). The lambda takes the count arrays as its arguments: indexing
 * them inside it (`c[i]` over a range) had the engine copy each for every bucket, square
 * memory in the buckets (a point of 1,000,000 buckets asked for 25 GiB).
 */
function bucketIncrease(terms: readonly Term[]): string {
  const args = terms.map((_, i) => `c${i}`).join(', ');
  const signed = terms.map((t, i) => `${t.sign < 0 ? '-' : '+'} if(${t.when}, toInt64(c${i}), 0)`);
  const counts = terms.map((t) => `arrayResize(${t.point}.4, length(eb) + 1, 0)`).join(', ');
  return `arrayMap((${args}) -> toInt64(0) ${signed.join(' ')}, ${counts})`;
}

/**
 * An exponential histogram group's increase in one form at scale `target`, as a tuple of
 * keys and counts: the buckets of the terms whose condition holds, summed key by key.
 */
function expIncrease(terms: readonly Term[], target: string): string {
  const entries = terms.map((t) => ({ t, e: expTermEntries(t, target) }));
  const where = (part: 'keys' | 'counts') =>
    `arrayConcat(${entries.map(({ t, e }) => `if(${t.when}, ${e[part]}, [])`).join(', ')})`;
  return `arrayReduce('sumMap', [${where('keys')}], [${where('counts')}])`;
}

/** The column (or column prefix) of each form. */
const FORM_COLUMNS: Record<IncreaseForm, string> = {
  cont: 'Cont',
  started: 'Started',
  alone: 'Alone',
};

/** QuarterPrev and MinPrev of a quarter without a minute continuing a group before it. */
const NO_PREV = "toDateTime64('2262-01-01 00:00:00', 9)";

/** Bucket keys brought down by `d` scales (d >= 0): each index halved d times, its side kept. */
function shifted(keys: string, d: string): string {
  return `if(${d} = 0, ${keys}, arrayMap(k -> if(k = ${ZERO_KEY}, k,
    bitShiftLeft(bitShiftRight(bitShiftRight(k, 1), ${d}), 1) + bitAnd(k, 1)), ${keys}))`;
}

/**
 * Computes the increases of every histogram minute of the quarter starting at `quarterMs`,
 * of both kinds, from the minute stats of the quarter and the INCREASE_LOOKBACK_MS before
 * it, then their quarter-hour sums, replacing the rows computed before.
 */
export async function rollIncreases(store: Store, org: string, quarterMs: number): Promise<void> {
  const params = {
    scanFromMs: quarterMs - INCREASE_LOOKBACK_MS,
    fromMs: quarterMs,
    toMs: quarterMs + QUARTER_MS,
    stepMs: MINUTE_MS,
  };
  const identity = 'MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality';
  const rows = (kind: keyof typeof INCREASE_TABLES) =>
    `{db:Identifier}.${ROLLUP_TABLES[kind]}
      WHERE Minute >= fromUnixTimestamp64Milli({scanFromMs:Int64})
        AND Minute < fromUnixTimestamp64Milli({toMs:Int64})`;
  const common = `MetricName, ServiceName, Series,
      toDateTime(intDiv(step * {stepMs:Int64}, 1000)) AS Minute, StartTimeUnix,
      AggregationTemporality`;
  // The group before, when it continues it (it ended at most INCREASE_LOOKBACK_MS before
  // this one began), and the earliest such of the group's minutes in the quarter (NO_PREV
  // for none).
  const prevTime = `if(${CONTINUES}, qT, toDateTime64(0, 9))`;
  const quarterPrev = (key: string) =>
    `min(if(${CONTINUES}, qT, ${NO_PREV})) OVER (PARTITION BY MetricName, Series,
      StartTimeUnix, AggregationTemporality, ${key}, intDiv(step, 15))`;
  // The quarter's minutes, with whether each continues a group before it (`cont`), which
  // its quarter sums add up apart from the others.
  const quarterMinutes = (kind: keyof typeof INCREASE_TABLES, where = '1') =>
    `(SELECT *, toStartOfFifteenMinutes(Minute) AS Quarter, PrevTime > toDateTime64(0, 9) AS cont
      FROM {db:Identifier}.${INCREASE_TABLES[kind]} FINAL
      WHERE Minute >= fromUnixTimestamp64Milli({fromMs:Int64})
        AND Minute < fromUnixTimestamp64Milli({toMs:Int64}) AND ${where})`;

  const h = increaseGroups('histogram', rows('histogram'));
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.${INCREASE_TABLES.histogram} (${identity}, Bounds, ScopeName,
      Attributes, ExplicitBounds, FirstTime, PrevTime, QuarterPrev, Kept, Cont, Started, Alone,
      RolledAt)
    SELECT ${common}, Bounds, scope, attrs, eb, fpT, ${prevTime}, ${quarterPrev('Bounds')}, ${h.kept},
      ${bucketIncrease(h.forms.cont)}, ${bucketIncrease(h.forms.started)},
      ${bucketIncrease(h.forms.alone)}, now64(3)
    FROM ${h.sql}`,
    params,
  );
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.${SUM_TABLES.histogram} (${identity}, Bounds, ScopeName,
      Attributes, ExplicitBounds, MinPrev, Started, Alone, RolledAt)
    SELECT MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality,
      Bounds, any(ScopeName), any(Attributes), any(ExplicitBounds), min(QuarterPrev),
      sumForEach(if(cont, Cont, Started)), sumForEach(if(cont, Cont, Alone)), now64(3)
    FROM ${quarterMinutes('histogram', 'Kept')}
    GROUP BY MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality,
      Bounds`,
    params,
  );

  // A group continuing the one before it takes that one's last point (q) at its scale
  // when that is lower.
  const e = increaseGroups('exponential_histogram', rows('exponential_histogram'));
  const takesQ = e.forms.cont
    .filter((t) => t.point === 'q')
    .map((t) => t.when)
    .join(' OR ');
  const forms = Object.entries(FORM_COLUMNS) as [IncreaseForm, string][];
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.${INCREASE_TABLES.exponential_histogram} (${identity}, Scale,
      ScopeName, Attributes, MinScale, ContScale, ZeroThreshold, FirstTime, PrevTime,
      QuarterPrev, ${forms.map(([, c]) => `${c}Keys, ${c}Counts`).join(', ')}, RolledAt)
    SELECT ${common}, Scale, scope, attrs, ms, contScale, zt, fpT, ${prevTime},
      ${quarterPrev('Scale')},
      ${forms.map(([f]) => `${f}_buckets.1, ${f}_buckets.2`).join(', ')}, now64(3)
    FROM (
      SELECT *, if(${takesQ}, least(ms, q.5), ms) AS contScale,
        ${forms
          .map(
            ([f]) =>
              `${expIncrease(e.forms[f], f === 'cont' ? 'contScale' : 'ms')} AS ${f}_buckets`,
          )
          .join(',\n        ')}
      FROM ${e.sql}
    )`,
    params,
  );
  // A quarter's sums are at the lowest scale of the forms they add up.
  const group =
    'MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality, Scale';
  const sums = (form: 'Started' | 'Alone', as: string) => {
    const keys = shifted(`if(cont, ContKeys, ${form}Keys)`, 'rowScale - qs');
    return `tupleElement(sumMap(${keys}, if(cont, ContCounts, ${form}Counts)) AS ${as}, 1), ${as}.2`;
  };
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.${SUM_TABLES.exponential_histogram} (${identity}, Scale,
      ScopeName, Attributes, MinScale, SumScale, MinPrev, ZeroThreshold, StartedKeys,
      StartedCounts, AloneKeys, AloneCounts, RolledAt)
    SELECT MetricName, ServiceName, Series, Quarter, StartTimeUnix, AggregationTemporality,
      Scale, any(ScopeName), any(Attributes), min(MinScale), any(qs), min(QuarterPrev),
      max(ZeroThreshold),
      ${sums('Started', 's')}, ${sums('Alone', 'a')}, now64(3)
    FROM (
      SELECT *, if(cont, ContScale, MinScale) AS rowScale,
        min(rowScale) OVER (PARTITION BY ${group}) AS qs
      FROM ${quarterMinutes('exponential_histogram')}
    )
    GROUP BY ${group}`,
    params,
  );
  await rollPool(store, org, params);
}

/**
 * Pools the exponential histogram quarter sums of the quarter [fromMs, toMs) just computed,
 * per metric (schema/0021): those whose two forms agree, brought to the lowest scale among
 * them and added up, in slot 0; the others copied, one per slot from 1. Every row of the
 * computation has the same RolledAt.
 */
async function rollPool(
  store: Store,
  org: string,
  params: { fromMs: number; toMs: number },
): Promise<void> {
  const [at] = z
    .array(z.object({ t: z.coerce.number() }))
    .parse(await store.query(org, 'SELECT toUnixTimestamp64Milli(now64(3)) AS t', {}));
  const sums = `{db:Identifier}.${SUM_TABLES.exponential_histogram} FINAL
      WHERE Minute >= fromUnixTimestamp64Milli({fromMs:Int64})
        AND Minute < fromUnixTimestamp64Milli({toMs:Int64})`;
  const agree = 'StartedKeys = AloneKeys AND StartedCounts = AloneCounts';
  const rolledAt = 'fromUnixTimestamp64Milli({rolledAtMs:Int64})';
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.${POOLED_TABLE} (MetricName, Minute, Slot, Groups,
      StartTimeUnix, Scale, MinScale, ZeroThreshold, StartedKeys, StartedCounts, AloneKeys,
      AloneCounts, RolledAt)
    SELECT MetricName, Minute, 0, count(), toDateTime64(0, 9), any(ps), min(MinScale),
      max(ZeroThreshold),
      tupleElement(sumMap(${shifted('StartedKeys', 'SumScale - ps')}, StartedCounts) AS m, 1),
      m.2, m.1, m.2, ${rolledAt}
    FROM (
      SELECT *, min(SumScale) OVER (PARTITION BY MetricName) AS ps FROM ${sums} AND ${agree}
    )
    GROUP BY MetricName, Minute
    UNION ALL
    SELECT MetricName, Minute,
      toUInt32(row_number() OVER (PARTITION BY MetricName ORDER BY ServiceName, Series,
        StartTimeUnix, AggregationTemporality, Scale)),
      1, StartTimeUnix, SumScale, MinScale, ZeroThreshold, StartedKeys, StartedCounts,
      AloneKeys, AloneCounts, ${rolledAt}
    FROM ${sums} AND NOT (${agree})`,
    { ...params, rolledAtMs: at!.t },
  );
}

/** The quarter hours a read in whole quarters takes from the quarter sums, as Unix ms. */
interface QuarterSpan {
  fromMs: number;
  toMs: number;
}

/**
 * The quarters of a read's minutes [fromMs, toMs) that it may take from the quarter sums:
 * those wholly in range, when the step is whole quarters; null for none. Of these, it
 * takes a group's quarter from the sums when the read's scan starts at or before MinPrev.
 */
function quarterSpan(rolled: SeriesSelection): QuarterSpan | null {
  if (rolled.stepMs % QUARTER_MS !== 0) return null;
  const span = {
    fromMs: Math.ceil(rolled.fromMs / QUARTER_MS) * QUARTER_MS,
    toMs: Math.floor(rolled.toMs / QUARTER_MS) * QUARTER_MS,
  };
  return span.toMs > span.fromMs ? span : null;
}

/**
 * The form a read takes of a minute: continuing the group before it when that lies within
 * the read's scan (from `scanFromMs`, bound; PrevTime is set only for a group at most
 * INCREASE_LOOKBACK_MS before, as rolledIncreases decides), else started when its run
 * started within the scan (also the form a read takes of a quarter sum).
 */
const CONTINUED = 'PrevTime >= fromUnixTimestamp64Milli({scanFromMs:Int64})';
const STARTED = 'StartTimeUnix >= fromUnixTimestamp64Milli({scanFromMs:Int64})';
const pick = (column: (form: IncreaseForm) => string) =>
  `multiIf(${CONTINUED}, ${column('cont')}, ${STARTED}, ${column('started')}, ${column('alone')})`;

const BUCKET = 'intDiv(toInt64(toUnixTimestamp(Minute)) * 1000, {stepMs:Int64}) * {stepMs:Int64}';

/**
 * The first quarter whose minutes all continue, if they continue a group, one within a scan
 * from `scanFromMs` (Unix ms): the first starting INCREASE_LOOKBACK_MS or more after it.
 */
const continuedWithin = (scanFromMs: number) =>
  Math.ceil((scanFromMs + INCREASE_LOOKBACK_MS) / QUARTER_MS) * QUARTER_MS;

/**
 * The WHERE conditions of a stored read's minutes from `from` (a parameter name) and of its
 * quarter sums: with quarters, the groups' quarters in them that the read takes from the
 * sums, and the minutes of the others.
 */
function storedConditions(
  rolled: SeriesSelection,
  from: 'fromMs' | 'scanFromMs',
  fromMs: number,
  scanFromMs: number,
  quarters: QuarterSpan | null,
): { minutes: string; quarters: string; params: Record<string, unknown> } {
  const where = pointConditions({ ...rolled, fromMs }, from, 'Minute');
  if (quarters === null) return { minutes: where.sql, quarters: '0', params: where.params };
  const inSpan = `Minute >= fromUnixTimestamp64Milli({qFromMs:Int64})
      AND Minute < fromUnixTimestamp64Milli({qToMs:Int64})`;
  const scanned = (prev: string) => `${prev} >= fromUnixTimestamp64Milli({scanFromMs:Int64})`;
  // A quarter's minutes continue groups at most INCREASE_LOOKBACK_MS before them, so only
  // the quarters starting within that after the scan's start can need their minutes: stated
  // as a bound on Minute (the end of the last such quarter), so that the scan reads no more
  // of the table than those.
  const early = 'Minute < fromUnixTimestamp64Milli({earlyToMs:Int64})';
  return {
    minutes: `${where.sql} AND (Minute < fromUnixTimestamp64Milli({qFromMs:Int64})
      OR Minute >= fromUnixTimestamp64Milli({qToMs:Int64})
      OR (${early} AND NOT ${scanned('QuarterPrev')}))`,
    quarters: `${where.sql} AND ${inSpan} AND ${scanned('MinPrev')}`,
    params: {
      ...where.params,
      qFromMs: quarters.fromMs,
      qToMs: quarters.toMs,
      earlyToMs: continuedWithin(scanFromMs),
    },
  };
}

/**
 * A read of explicit-bounds histogram buckets from the increases, for the minutes of
 * `rolled` (whole minutes) of a read scanning from `scanFromMs`: per step, group and set
 * of bounds, the observations per bucket (`counts`). `labels` is the SQL of the read's
 * group labels.
 */
export function storedHistogramBuckets(
  rolled: SeriesSelection,
  labels: string,
  scanFromMs: number,
): { sql: string; params: Record<string, unknown> } {
  const quarters = quarterSpan(rolled);
  const w = storedConditions(rolled, 'fromMs', rolled.fromMs, scanFromMs, quarters);
  const part = (table: string, counts: string, where: string) =>
    `SELECT ${BUCKET} AS bucket, ${labels} AS labels, ExplicitBounds AS bounds, ${counts} AS c
        FROM {db:Identifier}.${table} FINAL WHERE ${where}`;
  const parts = [
    part(
      INCREASE_TABLES.histogram,
      pick((f) => FORM_COLUMNS[f]),
      `${w.minutes} AND Kept`,
    ),
  ];
  // One part for the sums, picking a form per row: a second part costs more to plan than
  // the copies (see storedExponentialBuckets).
  if (quarters !== null) {
    parts.push(part(SUM_TABLES.histogram, `if(${STARTED}, Started, Alone)`, w.quarters));
  }
  return {
    sql: `SELECT bucket, labels, bounds, sumForEach(c) AS counts
      FROM (${parts.join('\n      UNION ALL ')})
      GROUP BY bucket, labels, bounds`,
    params: { ...w.params, stepMs: rolled.stepMs, scanFromMs },
  };
}

/**
 * A read of exponential histogram buckets from the increases, as storedHistogramBuckets:
 * per step, group and scale, one map of bucket keys to counts (`buckets`, keyed as
 * expTermEntries) at that scale, with the zero threshold, the lowest scale of the groups
 * scanned (`lowest`, from the scan's start on: the caller brings every map to the lowest
 * of all, as rolledIncreases does) and whether any minute lies in the range (`kept`).
 * Each part of the query costs the engine about 5 ms to plan, and each form a part picks
 * per row costs copying that row's buckets. Without whole quarters, the minutes continuing
 * a group before them and the others are read by parts of their own: picking a form per
 * minute copied every minute's buckets, which took a third of an hour's read. With whole
 * quarters, the minutes read are few (the range's edges and the quarters with groups that
 * continue one before the scan), and the sums one row per series and quarter: one part
 * each, picking per row, cost the day's read a fifth less than two each.
 */
export function storedExponentialBuckets(
  rolled: SeriesSelection,
  labels: string,
  scanFromMs: number,
): { sql: string; params: Record<string, unknown> } {
  const quarters = quarterSpan(rolled);
  const w = storedConditions(rolled, 'scanFromMs', scanFromMs, scanFromMs, quarters);
  const pooled = quarters === null ? null : poolSpan(rolled, quarters, scanFromMs);
  const other = (c: string) => `if(${STARTED}, Started${c}, Alone${c})`;
  const part = (table: string, scale: string, keys: string, counts: string, where: string) =>
    `SELECT ${BUCKET} AS bucket, ${labels} AS labels, ZeroThreshold, MinScale,
          Minute >= fromUnixTimestamp64Milli({fromMs:Int64}) AS inRange,
          ${scale} AS scale, ${keys} AS keys, ${counts} AS counts
        FROM {db:Identifier}.${table} FINAL WHERE ${where}`;
  const minutes = INCREASE_TABLES.exponential_histogram;
  const parts =
    quarters === null
      ? [
          part(minutes, 'ContScale', 'ContKeys', 'ContCounts', `${w.minutes} AND ${CONTINUED}`),
          part(
            minutes,
            'MinScale',
            other('Keys'),
            other('Counts'),
            `${w.minutes} AND NOT ${CONTINUED}`,
          ),
        ]
      : [
          part(
            minutes,
            `if(${CONTINUED}, ContScale, MinScale)`,
            `multiIf(${CONTINUED}, ContKeys, ${STARTED}, StartedKeys, AloneKeys)`,
            `multiIf(${CONTINUED}, ContCounts, ${STARTED}, StartedCounts, AloneCounts)`,
            w.minutes,
          ),
        ];
  // With pools, the sums of the quarters before the first pooled one, if any.
  if (quarters !== null && (pooled === null || pooled > quarters.fromMs)) {
    const unpooled = pooled === null ? '' : ` AND ${beforePools}`;
    parts.push(
      part(
        SUM_TABLES.exponential_histogram,
        'SumScale',
        other('Keys'),
        other('Counts'),
        `${w.quarters}${unpooled}`,
      ),
    );
  }
  if (pooled !== null) {
    const pools = `MetricName = {metric:String} AND NOT ${beforePools}
          AND Minute < fromUnixTimestamp64Milli({qToMs:Int64})`;
    parts.push(
      part(
        POOLED_TABLE,
        'Scale',
        other('Keys'),
        other('Counts'),
        `${pools} AND (Minute, RolledAt) IN (
          SELECT Minute, max(RolledAt) FROM {db:Identifier}.${POOLED_TABLE}
          WHERE ${pools} GROUP BY Minute)`,
      ),
    );
  }
  return {
    sql: `SELECT bucket, labels, scale, min(MinScale) AS lowest, max(inRange) AS kept,
        [sumMapIf(keys, counts, inRange)] AS buckets, max(ZeroThreshold) AS zeroThreshold
      FROM (${parts.join('\n        UNION ALL ')})
      GROUP BY bucket, labels, scale`,
    params: {
      ...w.params,
      fromMs: rolled.fromMs,
      stepMs: rolled.stepMs,
      scanFromMs,
      ...(pooled === null ? {} : { poolFromMs: pooled }),
    },
  };
}

/** Quarters before the first a read takes pooled. */
const beforePools = 'Minute < fromUnixTimestamp64Milli({poolFromMs:Int64})';

/**
 * Where a read of exponential histogram buckets scanning from `scanFromMs` starts taking
 * its whole quarters' pooled sums (schema/0021), or null when it takes none: only a read
 * with no filter and no grouping may, and only from the first quarter none of whose minutes
 * can continue a group before the scan (continuedWithin), where every series' quarter sum
 * is taken and its form depends on the read only for the series left out of the pool.
 */
function poolSpan(
  rolled: SeriesSelection,
  quarters: QuarterSpan,
  scanFromMs: number,
): number | null {
  const unfiltered =
    rolled.service === undefined && rolled.attributes.length === 0 && rolled.groupBy.length === 0;
  const fromMs = Math.max(quarters.fromMs, continuedWithin(scanFromMs));
  return unfiltered && fromMs < quarters.toMs ? fromMs : null;
}
