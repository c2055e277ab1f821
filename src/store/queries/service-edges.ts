import { z } from 'zod';
import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../store.js';
import { BUCKET_KEY_SQL, histogramQuantiles } from './latency-buckets.js';
import { STATUS_ERROR } from './traces.js';

/**
 * Calls between services, for the service map: a span whose parent span belongs to another
 * service is a call from the parent's service (caller) to the span's (callee), in the
 * minute the span starts. Parents are looked for from a lead time before the calls, since
 * a parent starts before its children.
 *
 * Ten-minute chunks of calls are rolled up into gridscope_service_edges_1m
 * (schema/0011_service_edges.sql) once their spans have arrived, and again when late spans
 * arrive, which mark their chunks in gridscope_service_edge_marks (schema/0015); a read
 * takes the rolled minutes from there and joins spans for the rest.
 *
 * Spans are matched to parents on a 64-bit hash of (trace id, span id) rather than the two
 * strings: the join's table of parents is then a table of integers, and a day of 10
 * million spans took 2.2 s instead of 7 to 10. Two pairs with the same hash would add one
 * call to an edge; among 10 million spans and their parents the chance that any does is
 * about one in 200,000.
 *
 * A span stored twice (a sender retried its batch) is two calls, as the service list
 * counts it, but a parent stored twice is still one: the parents are grouped by their
 * hash before the join, so each call joins one. (A LEFT ANY join did it for less, but
 * under load it once counted two calls of one parent as one, as an INNER ANY join does;
 * the grouping does not depend on how the engine plans the join.)
 */

const MINUTE_MS = 60_000;
/** Minutes rolled up together, in one insert; chunks start on multiples of this. */
export const EDGE_CHUNK_MS = 10 * MINUTE_MS;
/** A read whose unrolled minutes fall into more runs than this joins spans for all of it. */
const MAX_SPAN_RUNS = 8;

const TABLE = '{db:Identifier}.gridscope_service_edges_1m';
const MARKS = '{db:Identifier}.gridscope_service_edge_marks';
/** The rows marking a rolled minute. */
const MARKER = "Caller = '' AND Callee = ''";

/** The whole minutes inside a range (empty when toMs <= fromMs). */
const wholeMinutes = (range: TimeRange): TimeRange => ({
  fromMs: Math.ceil(range.fromMs / MINUTE_MS) * MINUTE_MS,
  toMs: Math.floor(range.toMs / MINUTE_MS) * MINUTE_MS,
});

/**
 * Calls whose span starts in one of `spans`, per caller and callee (with `minute`, also per
 * Minute): `calls`, `errors` and `latency`, the calls per latency bucket. A call's parent is
 * looked for from `parentLeadMs` before the chunk holding the call to that chunk's end, as
 * when the chunk is rolled up, so that a call counts alike read from the roll-up or from
 * its spans.
 */
function joinedCalls(
  spans: readonly TimeRange[],
  parentLeadMs: number,
  minute: boolean,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { parentLeadMs };
  spans.forEach((s, i) => {
    params[`callsFrom${i}`] = s.fromMs;
    params[`parentsFrom${i}`] = Math.floor(s.fromMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS - parentLeadMs;
    params[`callsTo${i}`] = s.toMs;
    params[`parentsTo${i}`] = Math.ceil(s.toMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
  });
  const within = (side: 'calls' | 'parents') =>
    spans
      .map(
        (_, i) =>
          `(Timestamp >= fromUnixTimestamp64Milli({${side}From${i}:Int64}) AND Timestamp < fromUnixTimestamp64Milli({${side}To${i}:Int64}))`,
      )
      .join(' OR ');
  const byMinute = minute ? 'Minute, ' : '';
  const sql = `SELECT ${byMinute}caller, callee, sum(n) AS calls, sum(e) AS errors,
      CAST(mapFromArrays(groupArray(k), groupArray(n)), 'Map(Int16, UInt64)') AS latency
    FROM (
      SELECT ${minute ? 'toStartOfMinute(c.Timestamp) AS Minute, ' : ''}p.service AS caller,
        c.ServiceName AS callee, c.k AS k, count() AS n, countIf(c.err) AS e
      FROM (
        SELECT cityHash64(TraceId, ParentSpanId) AS h, Timestamp, ServiceName,
          StatusCode = '${STATUS_ERROR}' AS err, ${BUCKET_KEY_SQL} AS k,
          toStartOfInterval(Timestamp, toIntervalSecond(${EDGE_CHUNK_MS / 1000})) AS chunk,
          chunk - toIntervalMillisecond({parentLeadMs:Int64}) AS parentsFrom,
          chunk + toIntervalSecond(${EDGE_CHUNK_MS / 1000}) AS parentsTo
        FROM {db:Identifier}.otel_traces
        WHERE ParentSpanId != '' AND (${within('calls')})
      ) AS c
      INNER JOIN (
        SELECT cityHash64(TraceId, SpanId) AS h, any(ServiceName) AS service,
          min(Timestamp) AS startedAt
        FROM {db:Identifier}.otel_traces
        WHERE ${within('parents')}
        GROUP BY h
      ) AS p ON c.h = p.h
      WHERE p.service != c.ServiceName AND p.startedAt >= c.parentsFrom
        AND p.startedAt < c.parentsTo
      GROUP BY ${byMinute}caller, callee, k
    )
    GROUP BY ${byMinute}caller, callee`;
  return { sql, params };
}

/**
 * Rolls up the calls of the ten-minute chunk starting at `chunkMs` (a multiple of
 * EDGE_CHUNK_MS) with a marker row per minute, in one insert. The rows replace those of an
 * earlier roll-up of the chunk (`rolledAtMs` is their version), so rolling a chunk again
 * counts nothing twice.
 */
export async function rollEdgeChunk(
  store: Store,
  org: string,
  chunkMs: number,
  parentLeadMs: number,
  rolledAtMs: number,
): Promise<void> {
  if (chunkMs % EDGE_CHUNK_MS !== 0) throw new Error(`not a chunk start: ${chunkMs}`);
  const calls = joinedCalls(
    [{ fromMs: chunkMs, toMs: chunkMs + EDGE_CHUNK_MS }],
    parentLeadMs,
    true,
  );
  await store.command(
    org,
    `INSERT INTO ${TABLE} (Minute, Caller, Callee, Calls, Errors, Latency, RolledAt)
    SELECT Minute, caller, callee, calls, errors, latency, fromUnixTimestamp64Milli({rolledAtMs:Int64})
    FROM (
      SELECT toDateTime(Minute) AS Minute, caller, callee, calls, errors, latency
      FROM (${calls.sql})
      UNION ALL
      SELECT toDateTime(intDiv({chunkMs:Int64}, 1000) + number * 60), '', '', 0, 0,
        CAST(map(), 'Map(Int16, UInt64)')
      FROM numbers({minutes:UInt32})
    )`,
    { ...calls.params, chunkMs, minutes: EDGE_CHUNK_MS / MINUTE_MS, rolledAtMs },
  );
}

const MinuteRow = z.object({ m: z.coerce.number() });

/** The rolled-up minutes in [fromMs, toMs), as Unix milliseconds. */
export async function rolledMinutes(
  store: Store,
  org: string,
  range: TimeRange,
  opts: QueryOptions = {},
): Promise<Set<number>> {
  const rows = await store.query(
    org,
    `SELECT DISTINCT toInt64(toUnixTimestamp(Minute)) * 1000 AS m FROM ${TABLE}
    WHERE ${MARKER} AND Minute >= fromUnixTimestamp64Milli({fromMs:Int64})
      AND Minute < fromUnixTimestamp64Milli({toMs:Int64})`,
    { fromMs: range.fromMs, toMs: range.toMs },
    opts,
  );
  return new Set(
    z
      .array(MinuteRow)
      .parse(rows)
      .map((r) => r.m),
  );
}

/**
 * The chunks not rolled up yet that end after `fromMs` and by `toMs`, newest first: those
 * whose first minute has no marker.
 */
export async function pendingEdgeChunks(
  store: Store,
  org: string,
  range: TimeRange,
  opts: QueryOptions = {},
): Promise<number[]> {
  const first = Math.floor(range.fromMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
  const end = Math.floor(range.toMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
  if (end <= first) return [];
  const rolled = await rolledMinutes(store, org, { fromMs: first, toMs: end }, opts);
  const pending: number[] = [];
  for (let chunk = end - EDGE_CHUNK_MS; chunk >= first; chunk -= EDGE_CHUNK_MS) {
    if (!rolled.has(chunk)) pending.push(chunk);
  }
  return pending;
}

/**
 * Marks chunks (Unix ms, multiples of EDGE_CHUNK_MS) to be rolled up again: spans for them
 * were stored by `markedAtMs`, after they had settled.
 */
export async function markEdgeChunks(
  store: Store,
  org: string,
  chunks: readonly number[],
  markedAtMs: number,
): Promise<void> {
  await chunkMarks(store, org, chunks, markedAtMs, 0);
}

/**
 * Records that a roll-up of marked chunks started reading spans at `rolledAtMs`: marks up
 * to then are done.
 */
export async function edgeChunksRolled(
  store: Store,
  org: string,
  chunks: readonly number[],
  rolledAtMs: number,
): Promise<void> {
  await chunkMarks(store, org, chunks, 0, rolledAtMs);
}

async function chunkMarks(
  store: Store,
  org: string,
  chunks: readonly number[],
  markedAtMs: number,
  rolledAtMs: number,
): Promise<void> {
  if (chunks.length === 0) return;
  for (const c of chunks) if (c % EDGE_CHUNK_MS !== 0) throw new Error(`not a chunk start: ${c}`);
  await store.command(
    org,
    `INSERT INTO ${MARKS} (Chunk, MarkedAt, RolledAt)
    SELECT toDateTime(intDiv(c, 1000)), fromUnixTimestamp64Milli({markedAtMs:Int64}),
      fromUnixTimestamp64Milli({rolledAtMs:Int64})
    FROM (SELECT arrayJoin({chunks:Array(Int64)}) AS c)`,
    { chunks, markedAtMs, rolledAtMs },
  );
}

const ChunkRow = z.object({ c: z.coerce.number() });

/** The chunks from `fromMs` on marked since their last roll-up, newest first. */
export async function markedEdgeChunks(
  store: Store,
  org: string,
  fromMs: number,
): Promise<number[]> {
  const rows = await store.query(
    org,
    `SELECT toInt64(toUnixTimestamp(Chunk)) * 1000 AS c FROM ${MARKS}
    WHERE Chunk >= fromUnixTimestamp64Milli({fromMs:Int64})
    GROUP BY Chunk HAVING max(MarkedAt) > max(RolledAt)
    ORDER BY Chunk DESC`,
    { fromMs: Math.floor(fromMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS },
  );
  return z
    .array(ChunkRow)
    .parse(rows)
    .map((r) => r.c);
}

/**
 * What a read over `range` takes from where: the rolled minutes wholly inside it (a run of
 * them, `rolled`, or none) and the spans of the rest (`spans`, merged runs). A range with
 * more than MAX_SPAN_RUNS unrolled runs is read from the spans alone.
 */
export function planEdgeRead(
  range: TimeRange,
  rolled: ReadonlySet<number>,
): { rolled: TimeRange | null; spans: TimeRange[] } {
  const inner = wholeMinutes(range);
  const spans: TimeRange[] = [];
  const add = (fromMs: number, toMs: number) => {
    if (toMs <= fromMs) return;
    const last = spans.at(-1);
    if (last && last.toMs === fromMs) last.toMs = toMs;
    else spans.push({ fromMs, toMs });
  };
  if (inner.toMs <= inner.fromMs) return { rolled: null, spans: [{ ...range }] };
  add(range.fromMs, inner.fromMs);
  for (let m = inner.fromMs; m < inner.toMs; m += MINUTE_MS) {
    if (!rolled.has(m)) add(m, m + MINUTE_MS);
  }
  add(inner.toMs, range.toMs);
  if (spans.length > MAX_SPAN_RUNS) return { rolled: null, spans: [{ ...range }] };
  return { rolled: inner, spans };
}

const EdgeRow = z.object({
  caller: z.string(),
  callee: z.string(),
  calls: z.coerce.number(),
  errors: z.coerce.number(),
  latency: z.record(z.string(), z.coerce.number()),
});

export interface ServiceEdge {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  /** 95th percentile of the callee spans' durations, ns, within 1% (latency-buckets.ts). */
  p95: number;
}

/** Calls between services in the range, per caller and callee, sorted by both. */
export async function serviceEdges(
  store: Store,
  org: string,
  range: TimeRange,
  parentLeadMs: number,
  opts: QueryOptions,
): Promise<ServiceEdge[]> {
  const inner = wholeMinutes(range);
  const rolled =
    inner.toMs > inner.fromMs ? await rolledMinutes(store, org, inner, opts) : new Set<number>();
  const plan = planEdgeRead(range, rolled);
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (plan.rolled && rolled.size > 0) {
    // Only the minutes found rolled, that is none of the spans' runs: a chunk rolled up
    // since the lookup is read from its spans alone. (The runs, at most MAX_SPAN_RUNS, keep
    // the statement short where a list of a month's minutes would not be.)
    const skipped = plan.spans.map((run, i) => {
      params[`skipFromMs${i}`] = run.fromMs;
      params[`skipToMs${i}`] = run.toMs;
      return `AND NOT (Minute >= fromUnixTimestamp64Milli({skipFromMs${i}:Int64})
          AND Minute < fromUnixTimestamp64Milli({skipToMs${i}:Int64}))`;
    });
    parts.push(`SELECT Caller AS caller, Callee AS callee, Calls AS calls, Errors AS errors,
        Latency AS latency
      FROM ${TABLE} FINAL
      WHERE Minute >= fromUnixTimestamp64Milli({rollFromMs:Int64})
        AND Minute < fromUnixTimestamp64Milli({rollToMs:Int64}) AND NOT (${MARKER})
        ${skipped.join('\n        ')}`);
    params.rollFromMs = plan.rolled.fromMs;
    params.rollToMs = plan.rolled.toMs;
  }
  if (plan.spans.length > 0) {
    const calls = joinedCalls(plan.spans, parentLeadMs, false);
    parts.push(calls.sql);
    Object.assign(params, calls.params);
  }
  const rows = await store.query(
    org,
    `SELECT caller, callee, sum(calls) AS calls, sum(errors) AS errors, sumMap(latency) AS latency
    FROM (${parts.join('\nUNION ALL\n')})
    GROUP BY caller, callee
    ORDER BY caller, callee`,
    params,
    opts,
  );
  return z
    .array(EdgeRow)
    .parse(rows)
    .map(({ latency, ...r }) => ({
      ...r,
      p95:
        histogramQuantiles(Object.keys(latency).map(Number), Object.values(latency), [0.95])[0] ??
        0,
    }));
}
