import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';
import { attributeConditions, type AttributeCondition } from './attribute-sql.js';
import { exactBounds } from './exact-bounds.js';
import { BUCKET_KEY_SQL, histogramQuantiles } from './latency-buckets.js';

/** Span kinds whose spans are a service's own requests: what it serves and consumes. */
export const ENTRY_KINDS = ['SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER'] as const;
export const STATUS_ERROR = 'STATUS_CODE_ERROR';

const ATTRIBUTE_COLUMNS = { resource: 'ResourceAttributes', item: 'SpanAttributes' };
const ENTRY = `SpanKind IN ('SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER')`;
const IS_ERROR = `StatusCode = '${STATUS_ERROR}'`;
const IN_RANGE = `Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
  AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})`;

const count = z.coerce.number();
const nanosText = z.string().regex(/^\d+$/);
const StringMap = z.record(z.string(), z.string());

export interface SpanSearch {
  fromMs: number;
  toMs: number;
  /** When given, the exact bounds (Unix nanoseconds) within those milliseconds. */
  fromNs?: bigint | undefined;
  toNs?: bigint | undefined;
  services: readonly string[];
  spanName?: string | undefined;
  minDurationNs?: bigint | undefined;
  maxDurationNs?: bigint | undefined;
  status?: string | undefined;
  attributes: readonly AttributeCondition[];
  /** Only traces starting before this point (newest-first paging): start nanos and id. */
  before?: { startNs: string; traceId: string } | undefined;
  limit: number;
}

const TraceHit = z.object({ traceId: z.string(), startNs: nanosText });
export type TraceHit = z.infer<typeof TraceHit>;

/** A search's span conditions other than the time range, and their parameters. */
function spanConditions(s: SpanSearch): SqlConditions {
  const params: Record<string, unknown> = {};
  const where = ["TraceId != ''", ...exactBounds(s, params)];
  if (s.services.length > 0) {
    where.push('ServiceName IN {services:Array(String)}');
    params.services = s.services;
  }
  if (s.spanName !== undefined) {
    where.push('SpanName = {spanName:String}');
    params.spanName = s.spanName;
  }
  if (s.minDurationNs !== undefined) {
    where.push('Duration >= {minNs:UInt64}');
    params.minNs = s.minDurationNs.toString();
  }
  if (s.maxDurationNs !== undefined) {
    where.push('Duration <= {maxNs:UInt64}');
    params.maxNs = s.maxDurationNs.toString();
  }
  if (s.status !== undefined) {
    where.push('StatusCode = {status:String}');
    params.status = s.status;
  }
  if (s.attributes.length > 0) {
    const f = attributeConditions(s.attributes, ATTRIBUTE_COLUMNS);
    where.push(f.sql);
    Object.assign(params, f.params);
  }
  return { where, params };
}

interface SqlConditions {
  where: string[];
  params: Record<string, unknown>;
}

/**
 * Widths of the windows a search reads first, each ending where its range (or page) ends,
 * before it reads the whole range: most searches fill a page from the newest spans, and
 * reading those alone keeps a search over a day about as cheap as one over minutes.
 */
export const SEARCH_WINDOWS_MS: readonly number[] = [
  15 * 60_000,
  3_600_000,
  4 * 3_600_000,
  16 * 3_600_000,
];

/**
 * Traces with at least one span matching every condition, newest first by the start of
 * their first matching span.
 *
 * The newest windows are read first. In a window, a trace ranks by its first matching span
 * there; that is its true start unless it has matching spans before the window, and those
 * traces rank after every trace that starts in the window. So a window answers once it
 * holds `limit` traces without matching spans before it; otherwise a wider one is read
 * (sized by how many the window held), and finally the whole range.
 */
export async function findTraces(
  store: Store,
  org: string,
  s: SpanSearch,
  opts: QueryOptions,
): Promise<TraceHit[]> {
  const match = spanConditions(s);
  // A later page needs no span after its cursor: its traces start at or before it.
  const endMs =
    s.before === undefined
      ? s.toMs
      : Math.min(s.toMs, Number(BigInt(s.before.startNs) / 1_000_000n) + 1);
  let next = 0;
  while (next < SEARCH_WINDOWS_MS.length) {
    const width = SEARCH_WINDOWS_MS[next]!;
    const startMs = endMs - width;
    if (startMs <= s.fromMs) break;
    const hits = await tracesStartingIn(store, org, s, match, startMs, endMs, opts);
    if (hits.length < s.limit) {
      // None: the next window (recent spans may be missing, as when a service stopped).
      // Some: a window that should hold twice a page at this window's rate, if any.
      const wanted = hits.length === 0 ? 0 : (width * s.limit * 2) / hits.length;
      next = SEARCH_WINDOWS_MS.findIndex((w) => w > width && w >= wanted);
      if (next < 0) break;
      continue;
    }
    const ids = hits.map((h) => h.traceId);
    const earlier = await tracesMatchingIn(store, org, match, ids, s.fromMs, startMs, opts);
    const exact = hits.filter((h) => !earlier.has(h.traceId));
    if (exact.length === s.limit) return exact;
    next++;
  }
  return tracesStartingIn(store, org, s, match, s.fromMs, endMs, opts);
}

/** The first `limit` traces by their first matching span in [fromMs, toMs), newest first. */
async function tracesStartingIn(
  store: Store,
  org: string,
  s: SpanSearch,
  match: SqlConditions,
  fromMs: number,
  toMs: number,
  opts: QueryOptions,
): Promise<TraceHit[]> {
  const params: Record<string, unknown> = { ...match.params, fromMs, toMs, limit: s.limit };
  let having = '';
  if (s.before) {
    having =
      'HAVING (min(Timestamp), TraceId) < (fromUnixTimestamp64Nano({beforeNs:Int64}), {beforeId:String})';
    params.beforeNs = s.before.startNs;
    params.beforeId = s.before.traceId;
  }
  const rows = await store.query(
    org,
    `SELECT TraceId AS traceId, toString(toUnixTimestamp64Nano(min(Timestamp))) AS startNs
     FROM {db:Identifier}.otel_traces
     WHERE ${[IN_RANGE, ...match.where].join('\n  AND ')}
     GROUP BY TraceId
     ${having}
     ORDER BY min(Timestamp) DESC, TraceId DESC
     LIMIT {limit:UInt32}`,
    params,
    opts,
  );
  return z.array(TraceHit).parse(rows);
}

const TraceIdRow = z.object({ traceId: z.string() });

/** Which of the traces `ids` have a matching span in [fromMs, toMs). */
async function tracesMatchingIn(
  store: Store,
  org: string,
  match: SqlConditions,
  ids: readonly string[],
  fromMs: number,
  toMs: number,
  opts: QueryOptions,
): Promise<Set<string>> {
  const rows = await store.query(
    org,
    `SELECT DISTINCT TraceId AS traceId
     FROM {db:Identifier}.otel_traces
     WHERE TraceId IN {ids:Array(String)} AND ${TRACE_START}
       AND ${[IN_RANGE, ...match.where].join('\n  AND ')}`,
    { ...match.params, ids, fromMs, toMs },
    opts,
  );
  return new Set(
    z
      .array(TraceIdRow)
      .parse(rows)
      .map((r) => r.traceId),
  );
}

/**
 * The earliest start of the traces `ids` in the lookup table. Its times are DateTime
 * (seconds) and are compared with Timestamp as DateTime64(9): ClickHouse 26.7's part pruning
 * reads `Timestamp < t`, for a DateTime t, as `Timestamp <= t - 1 s`, and skipped parts whose
 * spans lay in that last second (a trace within one second, first in its part, was not
 * found). The same holds for every DateTime bound on Timestamp in this file.
 */
const TRACE_START = `Timestamp >= (SELECT toDateTime64(min(Start), 9) FROM {db:Identifier}.otel_traces_trace_id_ts WHERE TraceId IN {ids:Array(String)})`;

/** Bounds the scan of a trace's spans by the trace-id lookup table's start and end. */
const TRACE_BOUNDS = `${TRACE_START}
  AND Timestamp < (SELECT toDateTime64(addSeconds(max(End), 1), 9) FROM {db:Identifier}.otel_traces_trace_id_ts WHERE TraceId IN {ids:Array(String)})`;

const TraceSummaryRow = z.object({
  traceId: z.string(),
  startNs: nanosText,
  endNs: nanosText,
  spanCount: count,
  errorCount: count,
  services: z.array(z.string()),
  rootService: z.string(),
  rootSpan: z.string(),
  hasRoot: z.coerce.boolean(),
});
export type TraceSummaryRow = z.infer<typeof TraceSummaryRow>;

/** Summaries of whole traces (every span, not only those that matched a search). */
export async function traceSummaries(
  store: Store,
  org: string,
  ids: readonly string[],
  opts: QueryOptions,
): Promise<TraceSummaryRow[]> {
  if (ids.length === 0) return [];
  const rows = await store.query(
    org,
    `SELECT TraceId AS traceId,
       toString(toUnixTimestamp64Nano(min(Timestamp))) AS startNs,
       toString(max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration))) AS endNs,
       count() AS spanCount,
       countIf(${IS_ERROR}) AS errorCount,
       arraySort(groupUniqArray(ServiceName)) AS services,
       countIf(ParentSpanId = '') > 0 AS hasRoot,
       if(hasRoot, argMinIf(ServiceName, Timestamp, ParentSpanId = ''), argMin(ServiceName, Timestamp)) AS rootService,
       if(hasRoot, argMinIf(SpanName, Timestamp, ParentSpanId = ''), argMin(SpanName, Timestamp)) AS rootSpan
     FROM {db:Identifier}.otel_traces
     WHERE TraceId IN {ids:Array(String)} AND ${TRACE_BOUNDS}
     GROUP BY TraceId`,
    { ids },
    opts,
  );
  return z.array(TraceSummaryRow).parse(rows);
}

const SpanRow = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string(),
  traceState: z.string(),
  name: z.string(),
  kind: z.string(),
  serviceName: z.string(),
  resourceAttributes: StringMap,
  scopeName: z.string(),
  scopeVersion: z.string(),
  attributes: StringMap,
  startNs: nanosText,
  durationNs: nanosText,
  statusCode: z.string(),
  statusMessage: z.string(),
  eventTimesNs: z.array(nanosText),
  eventNames: z.array(z.string()),
  eventAttributes: z.array(StringMap),
  linkTraceIds: z.array(z.string()),
  linkSpanIds: z.array(z.string()),
  linkTraceStates: z.array(z.string()),
  linkAttributes: z.array(StringMap),
  flags: count,
});
export type SpanRow = z.infer<typeof SpanRow>;

/**
 * Bounds the scan of one trace's spans by its start and end in the trace-id lookup table,
 * looked up once; the bounds become constants before the scan, so partitions and the
 * primary key prune by them, and the primary key (on databases sorted by service, the
 * TraceId bloom filter) by the id.
 */
const ONE_TRACE = `WITH (SELECT (toDateTime64(min(Start), 9), toDateTime64(addSeconds(max(End), 1), 9)) FROM {db:Identifier}.otel_traces_trace_id_ts WHERE TraceId = {id:String}) AS bounds
  SELECT %COLUMNS% FROM {db:Identifier}.otel_traces
  WHERE TraceId = {id:String} AND Timestamp >= bounds.1 AND Timestamp < bounds.2`;

/**
 * Every span of one trace in start order, at most `limit`. Keep `limit` at most 10,000
 * (query_plan_max_limit_for_lazy_materialization's default): up to it the engine reads
 * the wide columns (attributes, events, links) lazily, after the sort and only for the
 * rows kept; most of the read's cost is decoding them (about a fifth faster on the query
 * benchmark's data).
 */
export async function traceSpans(
  store: Store,
  org: string,
  traceId: string,
  limit: number,
  opts: QueryOptions,
): Promise<SpanRow[]> {
  const columns = `TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId,
       TraceState AS traceState, SpanName AS name, SpanKind AS kind, ServiceName AS serviceName,
       ResourceAttributes AS resourceAttributes, ScopeName AS scopeName,
       ScopeVersion AS scopeVersion, SpanAttributes AS attributes,
       toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
       StatusCode AS statusCode, StatusMessage AS statusMessage,
       arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimesNs,
       Events.Name AS eventNames, Events.Attributes AS eventAttributes,
       Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds,
       Links.TraceState AS linkTraceStates, Links.Attributes AS linkAttributes,
       Flags AS flags`;
  const rows = await store.query(
    org,
    `${ONE_TRACE.replace('%COLUMNS%', columns)}
     ORDER BY Timestamp, SpanId
     LIMIT {limit:UInt32}`,
    { id: traceId, limit },
    opts,
  );
  return z.array(SpanRow).parse(rows);
}

const TotalsRow = z.object({
  spans: count,
  errors: count,
  endNs: z.string(),
  services: z.array(z.string()),
});
export type TraceTotals = z.infer<typeof TotalsRow>;

/**
 * One trace's totals over all its spans: how many, how many errors, its last end (Unix ns)
 * and its services, sorted.
 */
export async function traceTotals(
  store: Store,
  org: string,
  traceId: string,
  opts: QueryOptions,
): Promise<TraceTotals> {
  const rows = await store.query(
    org,
    ONE_TRACE.replace(
      '%COLUMNS%',
      `count() AS spans, countIf(StatusCode = 'STATUS_CODE_ERROR') AS errors,
        toString(max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration))) AS endNs,
        arraySort(groupUniqArray(ServiceName)) AS services`,
    ),
    { id: traceId },
    opts,
  );
  const r = z.array(TotalsRow).parse(rows)[0];
  return r ?? { spans: 0, errors: 0, endNs: '0', services: [] };
}

/** A latency histogram as read: bucket key (a JSON object key) to count. */
const Histogram = z.record(z.string(), z.coerce.number());
const RedFields = { calls: count, errors: count, latency: Histogram };

/** Replaces a row's latency histogram by its p50, p95, p99 in nanoseconds (empty without calls). */
function withQuantiles<T extends { latency: Record<string, number> }>({
  latency,
  ...row
}: T): Omit<T, 'latency'> & { quantiles: number[] } {
  const keys = Object.keys(latency).map(Number);
  return { ...row, quantiles: histogramQuantiles(keys, Object.values(latency), [0.5, 0.95, 0.99]) };
}

const ENTRY_KIND = `k IN ('SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER')`;

interface Range {
  fromMs: number;
  toMs: number;
}

/** Ranges at least this long are read from the rollups alone, in whole minutes. */
export const WHOLE_MINUTES_FROM_MS = 3_600_000;

/**
 * The span times a services read of `range` counts: the range, or for one of an hour or
 * more the whole minutes holding it (see spanAggregates).
 */
export function spanReadRange(range: Range): Range {
  if (range.toMs - range.fromMs < WHOLE_MINUTES_FROM_MS) return range;
  return {
    fromMs: Math.floor(range.fromMs / 60_000) * 60_000,
    toMs: Math.ceil(range.toMs / 60_000) * 60_000,
  };
}

/**
 * What spanAggregates selects: `stats` rows (service, operation, k (the span kind), bucket,
 * c, e, l) with `l` a latency histogram (latency-buckets.ts), so all parts merge exactly;
 * with `byOperation: false` operation is '' (fewer histograms to merge); or, for
 * `presence`, only the distinct services that have spans.
 */
type Shape = { kind: 'stats'; byOperation: boolean } | { kind: 'presence' };

/**
 * Rows covering a range: the whole hours in it from the hourly rollup, the other whole
 * minutes from the per-minute rollup, the partial minutes at its ends from the spans (for
 * a range of an hour or more, the minutes holding its ends are taken whole instead). A step
 * that is not a whole number of minutes reads the spans only, one that is not a whole
 * number of hours no hourly rows. `where` holds conditions on ServiceName, SpanName or
 * SpanKind, which all three tables have.
 */
function spanAggregates(
  range: Range,
  stepSeconds: number | null,
  where: string,
  shape: Shape = { kind: 'stats', byOperation: true },
): { sql: string; params: Record<string, unknown> } {
  // A range of an hour or more is read in whole minutes, widened to the minutes holding
  // its ends: the partial minutes would cost a scan of the spans for under 2% of the range.
  const read = spanReadRange(range);
  const whole = read !== range;
  const coreFrom = (whole ? read.fromMs : Math.ceil(range.fromMs / 60_000) * 60_000) / 1000;
  const coreTo = (whole ? read.toMs : Math.floor(range.toMs / 60_000) * 60_000) / 1000;
  const useRollup = coreTo > coreFrom && (stepSeconds === null || stepSeconds % 60 === 0);
  const edges = useRollup && !whole;
  // The whole hours inside the minutes; the minute rollup reads the minutes around them.
  let hourFrom = Math.ceil(coreFrom / 3600) * 3600;
  let hourTo = Math.floor(coreTo / 3600) * 3600;
  const useHours = useRollup && hourTo > hourFrom && (stepSeconds ?? 3600) % 3600 === 0;
  if (!useHours) hourFrom = hourTo = coreTo;
  const bucket = (time: string) =>
    stepSeconds === null
      ? '0'
      : `toUnixTimestamp(toStartOfInterval(${time}, toIntervalSecond({step:UInt32})))`;
  const extra = where ? ` AND ${where}` : '';
  const operation = shape.kind === 'stats' && shape.byOperation ? 'SpanName' : "''";
  const rawTime = useRollup
    ? `((Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < toDateTime64({coreFrom:UInt32}, 9))
        OR (Timestamp >= toDateTime64({coreTo:UInt32}, 9) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})))`
    : IN_RANGE;
  // Spans are counted per latency bucket first, then each group's buckets become one map:
  // cheaper than a map per span.
  const raw =
    shape.kind === 'presence'
      ? `SELECT DISTINCT ServiceName AS service FROM {db:Identifier}.otel_traces WHERE ${rawTime}${extra}`
      : `SELECT service, operation, k, bucket, sum(n) AS c, sum(ne) AS e,
      mapFromArrays(groupArray(key), groupArray(n)) AS l
    FROM (
      SELECT ServiceName AS service, ${operation} AS operation, SpanKind AS k,
        ${bucket('toDateTime(Timestamp)')} AS bucket, ${BUCKET_KEY_SQL} AS key,
        count() AS n, countIf(${IS_ERROR}) AS ne
      FROM {db:Identifier}.otel_traces
      WHERE ${rawTime}${extra}
      GROUP BY service, operation, k, bucket, key
    )
    GROUP BY service, operation, k, bucket`;
  const rollup = (table: string, time: string, cond: string) =>
    shape.kind === 'presence'
      ? `SELECT DISTINCT ServiceName AS service FROM {db:Identifier}.${table} WHERE ${cond}${extra}`
      : `SELECT ServiceName AS service, ${operation} AS operation, SpanKind AS k,
      ${bucket(time)} AS bucket, sum(Calls) AS c, sum(Errors) AS e, sumMap(Latency) AS l
    FROM {db:Identifier}.${table}
    WHERE ${cond}${extra}
    GROUP BY service, operation, k, bucket`;
  const minutes = rollup(
    'gridscope_span_stats_1m',
    'Minute',
    `((Minute >= toDateTime({coreFrom:UInt32}) AND Minute < toDateTime({hourFrom:UInt32}))
      OR (Minute >= toDateTime({hourTo:UInt32}) AND Minute < toDateTime({coreTo:UInt32})))`,
  );
  const hours = rollup(
    'gridscope_span_stats_1h',
    'Hour',
    'Hour >= toDateTime({hourFrom:UInt32}) AND Hour < toDateTime({hourTo:UInt32})',
  );
  const params: Record<string, unknown> = {
    // A step of whole minutes reads the rollups; any other reads the spans, of the same
    // minutes when the range is read in whole minutes.
    fromMs: read.fromMs,
    toMs: read.toMs,
    coreFrom,
    coreTo,
    hourFrom,
    hourTo,
  };
  if (stepSeconds !== null) params.step = stepSeconds;
  if (!useRollup) return { sql: raw, params };
  const parts = [minutes];
  if (useHours) parts.push(hours);
  if (edges) parts.push(raw);
  return { sql: parts.join('\n    UNION ALL\n    '), params };
}

/** Calls, errors and latency histogram of entry spans (server, consumer) over aggregate rows. */
const RED = `sumIf(c, ${ENTRY_KIND}) AS calls, sumIf(e, ${ENTRY_KIND}) AS errors,
  sumMapIf(l, ${ENTRY_KIND}) AS latency`;

const ServiceRow = z.object({ service: z.string(), ...RedFields }).transform(withQuantiles);
export type ServiceRow = z.infer<typeof ServiceRow>;

/** Every service with spans in the range, with the calls, errors and latency of its entry spans. */
export async function services(
  store: Store,
  org: string,
  range: Range,
  opts: QueryOptions,
): Promise<ServiceRow[]> {
  // Histograms are read for entry spans only, per service; which services have spans at
  // all is read apart, from the service names alone.
  const entry = spanAggregates(range, null, ENTRY, { kind: 'stats', byOperation: false });
  const all = spanAggregates(range, null, '', { kind: 'presence' });
  const rows = await store.query(
    org,
    `SELECT service, sum(c) AS calls, sum(e) AS errors, sumMap(l) AS latency
     FROM (
       SELECT service, c, e, l FROM (${entry.sql})
       UNION ALL
       SELECT service, toUInt64(0) AS c, toUInt64(0) AS e, CAST(map(), 'Map(Int16, UInt64)') AS l
       FROM (${all.sql})
     )
     GROUP BY service
     ORDER BY service`,
    { ...entry.params, ...all.params },
    opts,
  );
  return z.array(ServiceRow).parse(rows);
}

const SeriesRow = z.object({ bucket: count, ...RedFields }).transform(withQuantiles);
export type SeriesRow = z.infer<typeof SeriesRow>;

/** One service's entry spans per time bucket of `stepSeconds` (buckets with no spans are absent). */
export async function serviceSeries(
  store: Store,
  org: string,
  service: string,
  range: Range,
  stepSeconds: number,
  opts: QueryOptions,
): Promise<SeriesRow[]> {
  const src = spanAggregates(range, stepSeconds, `ServiceName = {service:String} AND ${ENTRY}`);
  const rows = await store.query(
    org,
    `SELECT bucket, ${RED}
     FROM (${src.sql})
     GROUP BY bucket
     ORDER BY bucket`,
    { ...src.params, service },
    opts,
  );
  return z.array(SeriesRow).parse(rows);
}

const OperationRow = z
  .object({ operation: z.string(), kind: z.string(), ...RedFields })
  .transform(withQuantiles);
export type OperationRow = z.infer<typeof OperationRow>;

/**
 * One service's entry operations (span names, apart per span kind: a name used by server
 * and consumer spans alike is two operations), busiest first, at most `limit`.
 */
export async function serviceOperations(
  store: Store,
  org: string,
  service: string,
  range: Range,
  limit: number,
  opts: QueryOptions,
): Promise<OperationRow[]> {
  const src = spanAggregates(range, null, `ServiceName = {service:String} AND ${ENTRY}`);
  const rows = await store.query(
    org,
    `SELECT operation, k AS kind, ${RED}
     FROM (${src.sql})
     GROUP BY operation, k
     ORDER BY calls DESC, operation, kind
     LIMIT {limit:UInt32}`,
    { ...src.params, service, limit },
    opts,
  );
  return z.array(OperationRow).parse(rows);
}

const OldestRow = z.object({ ms: z.coerce.number().nullable() });

/** The start of the organization's oldest stored span, Unix ms, or null without spans. */
export async function oldestSpanMs(store: Store, org: string): Promise<number | null> {
  // The parts' time ranges answer this without reading the spans.
  const rows = await store.query(
    org,
    `SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(min(Timestamp))) AS ms
    FROM {db:Identifier}.otel_traces`,
  );
  return z.array(OldestRow).parse(rows)[0]?.ms ?? null;
}
