import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';
import { exactBounds } from './exact-bounds.js';
import { attributeConditions, containsText, type AttributeCondition } from './attribute-sql.js';

/**
 * Severity texts, lower-case, that count as a severity number for records whose
 * SeverityNumber is 0 (unset): each level's lowest number, as OpenTelemetry maps
 * syslog, log4j and similar level names. Any other text is "unknown" (0).
 */
export const SEVERITY_TEXT_NUMBERS: Readonly<Record<string, number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  informational: 9,
  notice: 9,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  fatal: 21,
  critical: 21,
  crit: 21,
  alert: 21,
  emerg: 21,
  emergency: 21,
  panic: 21,
};

/**
 * A record's effective severity number: SeverityNumber when set, else the number of its
 * SeverityText (trimmed, any case) in SEVERITY_TEXT_NUMBERS, else 0.
 */
const EFFECTIVE_SEVERITY = `if(SeverityNumber > 0, SeverityNumber,
    transform(lowerUTF8(trimBoth(SeverityText)), {sevTexts:Array(String)}, {sevNumbers:Array(UInt8)}, toUInt8(0)))`;

/**
 * Tie-break of records with the same Timestamp: a hash of everything else stored, so only
 * identical records share a position (the page logic counts those).
 */
const ROW_HASH = `cityHash64(TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName,
    Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion,
    ScopeAttributes, LogAttributes, EventName, ObservedTimestamp, Flags, BodyType,
    DroppedAttrCount, ResourceDroppedAttrCount, ScopeDroppedAttrCount)`;

/** What a log read is narrowed by. Every value is bound as a parameter. */
export interface LogFilter {
  /** Records with fromMs <= Timestamp < toMs (Unix milliseconds). */
  fromMs: number;
  toMs: number;
  /** When given, the exact bounds (Unix nanoseconds) within those milliseconds. */
  fromNs?: bigint | undefined;
  toNs?: bigint | undefined;
  /** Any of these ServiceName values; empty for all. */
  services: readonly string[];
  /** Only records whose effective severity number is at least this (1-24). */
  minSeverity?: number | undefined;
  /** Only records whose Body contains this text, case-insensitively (UTF-8). */
  text?: string | undefined;
  attributes: readonly AttributeCondition[];
  /** Lower-case hex. */
  traceId?: string | undefined;
}

/** A place in the newest-first order: records after it sort below (timeUnixNano, hash). */
export interface LogPosition {
  /** Timestamp in Unix nanoseconds, decimal. */
  timeUnixNano: string;
  /** The tie-break hash (UInt64), decimal. */
  hash: string;
}

/** A log record as read; 64-bit values as decimal strings. */
export const LogRow = z.object({
  timeUnixNano: z.string(),
  observedTimeUnixNano: z.string(),
  traceId: z.string(),
  spanId: z.string(),
  traceFlags: z.coerce.number().int(),
  flags: z.coerce.number().int(),
  severityText: z.string(),
  severityNumber: z.coerce.number().int(),
  effectiveSeverity: z.coerce.number().int(),
  serviceName: z.string(),
  body: z.string(),
  bodyType: z.string(),
  resourceSchemaUrl: z.string(),
  resourceAttributes: z.record(z.string(), z.string()),
  scopeSchemaUrl: z.string(),
  scopeName: z.string(),
  scopeVersion: z.string(),
  scopeAttributes: z.record(z.string(), z.string()),
  attributes: z.record(z.string(), z.string()),
  eventName: z.string(),
  droppedAttributesCount: z.coerce.number().int(),
  hash: z.string(),
});
export type LogRow = z.infer<typeof LogRow>;

const LOG_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano,
    toString(toUnixTimestamp64Nano(ObservedTimestamp)) AS observedTimeUnixNano,
    TraceId AS traceId, SpanId AS spanId, TraceFlags AS traceFlags, Flags AS flags,
    SeverityText AS severityText, SeverityNumber AS severityNumber,
    ${EFFECTIVE_SEVERITY} AS effectiveSeverity,
    ServiceName AS serviceName, Body AS body, BodyType AS bodyType,
    ResourceSchemaUrl AS resourceSchemaUrl, ResourceAttributes AS resourceAttributes,
    ScopeSchemaUrl AS scopeSchemaUrl, ScopeName AS scopeName, ScopeVersion AS scopeVersion,
    ScopeAttributes AS scopeAttributes, LogAttributes AS attributes, EventName AS eventName,
    DroppedAttrCount AS droppedAttributesCount, ${ROW_HASH} AS rowHash, toString(rowHash) AS hash`;

const NANOS_PER_SECOND = 1_000_000_000n;

/** Whole seconds of a nanosecond time, for conditions on TimestampTime (the primary key). */
function seconds(nanos: string): string {
  return (BigInt(nanos) / NANOS_PER_SECOND).toString();
}

/**
 * The WHERE conditions and parameters of a filter, apart from its time range. The
 * severity conditions name only SeverityNumber and SeverityText, so they hold on the
 * per-minute rollup as on the records.
 */
function recordConditions(f: LogFilter): {
  conditions: string[];
  params: Record<string, unknown>;
} {
  const texts = Object.keys(SEVERITY_TEXT_NUMBERS);
  const params: Record<string, unknown> = {
    sevTexts: texts,
    sevNumbers: texts.map((t) => SEVERITY_TEXT_NUMBERS[t]),
  };
  const conditions: string[] = [];
  if (f.services.length > 0) {
    conditions.push('ServiceName IN {services:Array(String)}');
    params.services = f.services;
  }
  if (f.minSeverity !== undefined) {
    conditions.push(`${EFFECTIVE_SEVERITY} >= {minSeverity:UInt8}`);
    params.minSeverity = f.minSeverity;
  }
  if (f.text !== undefined) {
    conditions.push(containsText('Body', 'text', f.text));
    params.text = f.text;
  }
  if (f.traceId !== undefined) {
    conditions.push('TraceId = {traceId:String}');
    params.traceId = f.traceId;
  }
  if (f.attributes.length > 0) {
    const attrs = attributeConditions(f.attributes, {
      resource: 'ResourceAttributes',
      item: 'LogAttributes',
    });
    conditions.push(attrs.sql);
    Object.assign(params, attrs.params);
  }
  return { conditions, params };
}

/** The WHERE conditions and parameters of a filter over the records. */
function filterConditions(f: LogFilter): { conditions: string[]; params: Record<string, unknown> } {
  const own = recordConditions(f);
  const params: Record<string, unknown> = {
    ...own.params,
    fromMs: f.fromMs,
    toMs: f.toMs,
    fromSec: Math.floor(f.fromMs / 1000),
    toSec: Math.floor(f.toMs / 1000),
  };
  // TimestampTime bounds let the engine skip partitions and granules; Timestamp is exact.
  const conditions = [
    'TimestampTime >= toDateTime({fromSec:Int64})',
    'TimestampTime <= toDateTime({toSec:Int64})',
    'Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})',
    'Timestamp < fromUnixTimestamp64Milli({toMs:Int64})',
    ...exactBounds(f, params),
    ...own.conditions,
  ];
  return { conditions, params };
}

/** The first probe for a page's oldest record covers this much of the range, newest end. */
const FIRST_WINDOW_MS = 60_000;
/** Each further probe covers this many times more than the one before. */
const WINDOW_GROWTH = 10;

/**
 * Up to `limit` records matching the filter, newest first, ordered by (Timestamp, hash)
 * descending; with `after`, only records at or below that position (the caller skips the
 * identical records it has already returned).
 *
 * First the floor: the Timestamp of the `limit`-th newest record strictly older than
 * `after`, read with only the filter's columns. The sort key starts with ServiceName, so
 * the engine cannot read the range newest first and stop; instead the floor is looked for
 * in growing windows at the newest end of the range (1 minute, 10, 100, ...), each read
 * skipping the rest of the range by the primary key, until one holds `limit` records or
 * the window is the whole range. Then whole records are read from the floor on, so the
 * tie-break hash is computed for about `limit` records, not the whole range.
 */
export async function selectLogs(
  store: Store,
  org: string,
  f: LogFilter,
  page: { after?: LogPosition | undefined; limit: number; maxBytes?: number | undefined },
  opts: QueryOptions,
): Promise<{ rows: LogRow[]; cut: boolean }> {
  const { conditions, params } = filterConditions(f);
  params.limit = page.limit;
  const older = [...conditions];
  let newestMs = f.toMs;
  if (page.after) {
    params.afterNanos = page.after.timeUnixNano;
    params.afterSec = seconds(page.after.timeUnixNano);
    params.afterHash = page.after.hash;
    older.push(
      'TimestampTime <= toDateTime({afterSec:Int64})',
      'Timestamp < fromUnixTimestamp64Nano({afterNanos:Int64})',
    );
    newestMs = Math.min(newestMs, Number(BigInt(page.after.timeUnixNano) / 1_000_000n) + 1);
  }
  let floor: { timeUnixNano: string } | undefined;
  for (let span = FIRST_WINDOW_MS; ; span *= WINDOW_GROWTH) {
    const windowFromMs = newestMs - span;
    const whole = windowFromMs <= f.fromMs;
    const window = whole
      ? []
      : [
          'TimestampTime >= toDateTime({windowFromSec:Int64})',
          'Timestamp >= fromUnixTimestamp64Milli({windowFromMs:Int64})',
        ];
    const floorRows = await store.query(
      org,
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano
     FROM {db:Identifier}.otel_logs
     WHERE ${[...older, ...window].join('\n       AND ')}
     ORDER BY Timestamp DESC
     LIMIT 1 OFFSET {floorOffset:UInt32}`,
      {
        ...params,
        floorOffset: page.limit - 1,
        ...(whole ? {} : { windowFromMs, windowFromSec: Math.floor(windowFromMs / 1000) }),
      },
      opts,
    );
    floor = z.array(z.object({ timeUnixNano: z.string() })).parse(floorRows)[0];
    if (floor || whole) break;
  }

  const where = [...conditions];
  if (floor) {
    params.floorNanos = floor.timeUnixNano;
    params.floorSec = seconds(floor.timeUnixNano);
    where.push(
      'TimestampTime >= toDateTime({floorSec:Int64})',
      'Timestamp >= fromUnixTimestamp64Nano({floorNanos:Int64})',
    );
  }
  if (page.after) {
    where.push(
      'TimestampTime <= toDateTime({afterSec:Int64})',
      'Timestamp <= fromUnixTimestamp64Nano({afterNanos:Int64})',
      // (Timestamp, hash) <= (after, afterHash), given the line above: the hash matters only
      // for records at the cursor's exact time, which the engine's lazy OR can limit it to.
      `(Timestamp < fromUnixTimestamp64Nano({afterNanos:Int64})
        OR ${ROW_HASH} <= {afterHash:UInt64})`,
    );
  }
  // The inner read keeps the newest `limit` records by time, and those tied with the last,
  // a superset of the page; the hash is computed only for them. Computed in the same read
  // as the filter, it cost a hash over every record of the granules read (about half the
  // time of a page).
  //
  // The page ends before a record that would take its records past `maxBytes` (their
  // bodies and attributes as the engine holds them), the first record always kept: a page
  // of large records would otherwise be built whole in memory, however large.
  params.maxBytes = page.maxBytes ?? Number.MAX_SAFE_INTEGER;
  // The records at the cursor's position were on the page before (the caller passes over
  // them): they count for nothing, so the page's first new record is always kept.
  const atCursor = page.after
    ? 'Timestamp = fromUnixTimestamp64Nano({afterNanos:Int64}) AND rowHash = {afterHash:UInt64}'
    : '0';
  const rows = (await store.query(
    org,
    `SELECT * FROM (
       SELECT *, sum(size) OVER (ORDER BY sortTime DESC, rowHash DESC
         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
         count() OVER () AS total
       FROM (
         SELECT ${LOG_COLUMNS}, Timestamp AS sortTime,
           if(${atCursor}, 0, byteSize(Body, LogAttributes, ResourceAttributes, ScopeAttributes)) AS size
         FROM (
           SELECT *
           FROM {db:Identifier}.otel_logs
           WHERE ${where.join('\n             AND ')}
           ORDER BY Timestamp DESC
           LIMIT {limit:UInt32} WITH TIES
         )
         ORDER BY Timestamp DESC, rowHash DESC
         LIMIT {limit:UInt32}
       )
     )
     WHERE before < {maxBytes:UInt64}
     ORDER BY sortTime DESC, rowHash DESC`,
    params,
    opts,
  )) as { total?: unknown }[];
  const total = Number(rows[0]?.total ?? 0);
  return { rows: z.array(LogRow).parse(rows), cut: rows.length < total };
}

/** Records in one time bucket with one effective severity number. */
export const LogCountRow = z.object({
  /** Bucket start, Unix seconds. */
  bucket: z.coerce.number().int(),
  severity: z.coerce.number().int(),
  count: z.coerce.number().int(),
});
export type LogCountRow = z.infer<typeof LogCountRow>;

/**
 * Whether a histogram can read the per-minute rollup: it keeps ServiceName and severity
 * only, so a filter on anything else needs the records, and a step that is not whole
 * minutes would split its minutes.
 */
function rollupCovers(f: LogFilter, stepSeconds: number): boolean {
  return (
    f.text === undefined &&
    f.traceId === undefined &&
    f.attributes.length === 0 &&
    stepSeconds % 60 === 0
  );
}

/**
 * Counts of the filter's records per bucket of `stepSeconds` (aligned to the Unix epoch)
 * and effective severity number; buckets without records are absent.
 *
 * When the rollup covers the filter, the whole minutes of the range are read from it and
 * only the partial minutes at its ends from the records, so the counts are exact (the
 * same as reading the records) whatever the range's ends. Otherwise every count comes from
 * the records.
 */
export async function countLogs(
  store: Store,
  org: string,
  f: LogFilter,
  stepSeconds: number,
  opts: QueryOptions,
): Promise<LogCountRow[]> {
  const { conditions, params } = filterConditions(f);
  params.step = stepSeconds;
  const coreFrom = Math.ceil(f.fromMs / 60_000) * 60;
  const coreTo = Math.floor(f.toMs / 60_000) * 60;
  const useRollup = rollupCovers(f, stepSeconds) && coreTo > coreFrom;
  const raw = [...conditions];
  if (useRollup) {
    params.coreFrom = coreFrom;
    params.coreTo = coreTo;
    raw.push(
      // Whole seconds, so TimestampTime (the primary key) marks the same records as Timestamp.
      `(TimestampTime < toDateTime({coreFrom:UInt32}) OR TimestampTime >= toDateTime({coreTo:UInt32}))`,
    );
  }
  const fromRecords = `SELECT intDiv(toUnixTimestamp(TimestampTime), {step:UInt32}) * {step:UInt32} AS bucket,
            ${EFFECTIVE_SEVERITY} AS severity,
            count() AS count
     FROM {db:Identifier}.otel_logs
     WHERE ${raw.join('\n       AND ')}
     GROUP BY bucket, severity`;
  if (!useRollup) {
    const rows = await store.query(
      org,
      `${fromRecords}\n     ORDER BY bucket, severity`,
      params,
      opts,
    );
    return z.array(LogCountRow).parse(rows);
  }
  const rollup = [
    'Minute >= toDateTime({coreFrom:UInt32})',
    'Minute < toDateTime({coreTo:UInt32})',
    ...recordConditions(f).conditions,
  ];
  const rows = await store.query(
    org,
    `SELECT bucket, severity, sum(count) AS count
     FROM (
       SELECT intDiv(toUnixTimestamp(Minute), {step:UInt32}) * {step:UInt32} AS bucket,
              ${EFFECTIVE_SEVERITY} AS severity,
              sum(Records) AS count
       FROM {db:Identifier}.gridscope_log_rollup_1m
       WHERE ${rollup.join('\n         AND ')}
       GROUP BY bucket, severity
       UNION ALL
       ${fromRecords}
     )
     GROUP BY bucket, severity
     ORDER BY bucket, severity`,
    params,
    opts,
  );
  return z.array(LogCountRow).parse(rows);
}
