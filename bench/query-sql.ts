/**
 * INSERT ... SELECT FROM numbers_mt() statements that generate the query benchmark's bulk
 * spans and log records inside the engine, with the shape of bench/query-shape.ts. Every
 * value derives from the row number through cityHash64, so a chunk is reproducible and
 * chunks never share ids. Times are spread over the 24 hours before `nowMs`.
 */
import type { Layout } from './query-shape.js';
import { SPAN_KINDS } from './query-shape.js';
import { AGENTS, ERRORS, METHODS, REGIONS, ROUTES, SERVICES, TABLES } from './vocabulary.js';

export const DATABASE = 'gridscope_default';
/** Spans in one repeated block of the layout. */
export const LAYOUT_ROWS = 2000;
/** The word the benchmark's log text search looks for; in about 3% of bodies. */
export const SEARCH_WORD = 'deadline';

const DAY_NS = 86_400_000_000_000;

/** A SQL literal of a string, number or array of them. */
export function lit(v: string | number | readonly (string | number)[]): string {
  if (Array.isArray(v)) return `[${v.map((x) => lit(x as string | number)).join(',')}]`;
  if (typeof v === 'number') return String(v);
  return `'${(v as string).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A uniform Float64 in [0, 1) from the hash of the arguments. */
export const unit = (...args: (string | number)[]) =>
  `(cityHash64(${args.join(', ')}) / 18446744073709551616.0)`;

/** 16 lower-case hex digits from the hash of the arguments (a span id; two make a trace id). */
export const hex16 = (...args: (string | number)[]) =>
  `lower(hex(reinterpretAsFixedString(cityHash64(${args.join(', ')}))))`;

/** A standard normal value from two hashes of the arguments (Box-Muller). */
const normal = (...args: (string | number)[]) =>
  `(sqrt(-2 * log(${unit(...args, 101)} + 1e-12)) * cos(2 * pi() * ${unit(...args, 102)}))`;

const LANGUAGES = ['java', 'nodejs', 'go', 'python', 'dotnet'];
const langOf = (svc: string) => `${lit(LANGUAGES)}[${svc} % 5 + 1]`;

/** Common WITH constants: the service names. */
export const SERVICE_NAMES = `${lit(SERVICES)} AS services`;

/** The resource attributes (14) of instance `inst` (0-2) of service `svc` (1-30). */
export function resourceSql(svc: string, inst: string): string {
  const id = hex16(svc, inst, 7);
  return `map('service.name', services[${svc}], 'service.namespace', 'shop',
    'service.version', concat('1.', toString(${svc} % 7), '.', toString(${svc} % 4)),
    'service.instance.id', ${id}, 'deployment.environment.name', 'production',
    'host.name', concat('node-', toString(cityHash64(${svc}, ${inst}, 8) % 40 + 1), '.cluster.local'),
    'host.arch', if(${svc} % 3 = 0, 'arm64', 'amd64'), 'os.type', 'linux',
    'telemetry.sdk.name', 'opentelemetry', 'telemetry.sdk.language', ${langOf(svc)},
    'telemetry.sdk.version', '1.29.0', 'k8s.namespace.name', 'shop',
    'k8s.pod.name', concat(services[${svc}], '-', substring(${id}, 1, 8), '-', substring(${id}, 9, 5)),
    'cloud.region', ${lit(REGIONS)}[(${svc} + ${inst}) % 5 + 1])`;
}

/** The instrumentation scope name of a service. */
export const scopeSql = (svc: string) =>
  `concat('io.opentelemetry.', ${langOf(svc)}, '.', services[${svc}])`;

/** Layout columns as WITH constants, 1-based like ClickHouse arrays. */
function layoutConstants(layout: Layout): string {
  const col = (f: (r: Layout['rows'][number]) => number) => lit(layout.rows.map(f));
  return `${lit(layout.names)} AS spanNames, ${lit(SPAN_KINDS)} AS kinds,
    ${col((r) => r.service)} AS lSvc, ${col((r) => r.name)} AS lName, ${col((r) => r.kind)} AS lKind,
    ${col((r) => r.parent)} AS lParent, ${col((r) => r.slot)} AS lSlot,
    ${col((r) => r.offsetUs)} AS lOffset, ${col((r) => r.medianUs)} AS lMedian`;
}

/** The trace id and start (ns) of trace `slot` of block `blk`. */
const traceIdSql = (blk: string, slot: string) =>
  `concat(${hex16(blk, slot, 11)}, ${hex16(blk, slot, 12)})`;
const traceStartSql = (nowNs: number, blk: string, slot: string) =>
  `toInt64(${nowNs} - 30e9 - ${DAY_NS - 60e9} * ${unit(blk, slot, 13)})`;
/** The span id of span row `row` (0-based, over the whole load). */
const spanIdSql = (row: string) => hex16(row, 21);

/** Per-service error rate in spans per thousand: about 1.5% overall. */
const ERROR_PERMILLE = SERVICES.map((s) =>
  s === 'payment' ? 60 : ['fraud-detection', 'shipping', 'search'].includes(s) ? 25 : 10,
);

export interface Chunk {
  /** First row number and number of rows. */
  start: number;
  count: number;
  nowMs: number;
}

/** Spans `start` .. `start + count - 1` of the repeated layout. */
export function spansInsert(layout: Layout, c: Chunk): string {
  const L = layout.rows.length;
  const nowNs = c.nowMs * 1e6;
  return `INSERT INTO ${DATABASE}.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName,
    SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration,
    StatusCode, StatusMessage, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`,
    \`Events.DroppedAttrCount\`, Flags)
  WITH ${SERVICE_NAMES}, ${layoutConstants(layout)}
  SELECT fromUnixTimestamp64Nano(startNs) AS ts, ${traceIdSql('blk', 'slot')}, ${spanIdSql('n')},
    if(parentRow < 0, '', ${spanIdSql(`blk * ${L} + parentRow`)}), spanNames[lName[o]],
    kinds[kind], services[svc], ${resourceSql('svc', `cityHash64(blk, slot, svc) % 3`)},
    ${scopeSql('svc')}, concat('1.', toString(svc % 7), '.0'),
    map('http.request.method', method, 'http.route', route, 'http.response.status_code', if(err, '500', '200'),
      'url.path', replaceOne(route, '{id}', toString(cityHash64(n, 31) % 99999)),
      'server.address', concat(services[svc], '.shop.internal'), 'server.port', '8080',
      'network.protocol.version', if(n % 3 = 0, '2', '1.1'),
      'user_agent.original', ${lit(AGENTS)}[cityHash64(n, 32) % ${AGENTS.length} + 1],
      'client.address', concat('10.', toString(n % 251), '.', toString(cityHash64(n, 33) % 255), '.', toString(n % 13 + 1)),
      'rpc.system', if(kind = 1, 'http', 'grpc'),
      'db.system.name', ${lit(['postgresql', 'redis', 'mongodb'])}[svc % 3 + 1],
      'db.collection.name', ${lit(TABLES)}[cityHash64(n, 34) % ${TABLES.length} + 1],
      'messaging.batch.message_count', toString(cityHash64(n, 35) % 50),
      'app.cache.hit', if(${unit('n', 36)} < 0.7, 'true', 'false'),
      'enduser.id', concat('user-', toString(cityHash64(blk, slot, 37) % 50000))),
    dur, if(err, 'STATUS_CODE_ERROR', if(kind = 1 AND n % 10 = 0, 'STATUS_CODE_OK', 'STATUS_CODE_UNSET')),
    if(err, 'upstream error', ''),
    if(err, [fromUnixTimestamp64Nano(startNs + toInt64(dur * 0.9))], []),
    if(err, ['exception'], []),
    if(err, [map('exception.type', errType, 'exception.message', concat('request failed: ', errType))], []),
    if(err, [toUInt32(0)], []), toUInt32(1)
  FROM (
    SELECT number AS n, intDiv(n, ${L}) AS blk, n % ${L} + 1 AS o, lSvc[o] AS svc,
      lKind[o] AS kind, lSlot[o] AS slot, lParent[o] AS parentRow,
      ${traceStartSql(nowNs, 'blk', 'slot')} + toInt64(lOffset[o] * 1000) AS startNs,
      ${unit('n', 41)} * 1000 < ${lit(ERROR_PERMILLE)}[svc] AS err,
      toUInt64(lMedian[o] * 1000 * exp(0.6 * ${normal('n', 42)})
        * if(${unit('n', 43)} < 0.01, 8, 1) * if(err, 3, 1)) AS dur,
      ${lit(METHODS)}[cityHash64(n, 44) % ${METHODS.length} + 1] AS method,
      ${lit(ROUTES)}[cityHash64(blk, slot, 45) % ${ROUTES.length} + 1] AS route,
      ${lit(ERRORS)}[cityHash64(n, 46) % ${ERRORS.length} + 1] AS errType
    FROM numbers_mt(${c.start}, ${c.count})
  )`;
}

const SEVERITY = `multiIf(sev < 60, 5, sev < 880, 9, sev < 960, 13, 17)`;
const SEVERITY_TEXT = `multiIf(sevNum = 5, 'DEBUG', sevNum = 9, 'INFO', sevNum = 13, 'WARN', 'ERROR')`;

/** Log bodies by severity: four templates each, words for text search. */
const BODY = `multiIf(
  sevNum <= 9 AND tpl = 0, concat(method, ' ', path, ' completed with status 200 in ', ms, ' ms for ', user),
  sevNum <= 9 AND tpl = 1, concat('order ', hexId, ' placed by ', user, ' with ', toString(n % 7 + 1), ' items'),
  sevNum <= 9 AND tpl = 2, concat('cache refreshed for key ', table, ':', toString(n % 99991), ' in ', ms, ' ms'),
  sevNum <= 9, concat('published event ', table, '.updated to topic ', table, ' partition ', toString(n % 12)),
  sevNum = 13 AND tpl = 0, concat('slow query on ', table, ' took ', ms, ' ms'),
  sevNum = 13 AND tpl = 1, concat('request to ', services[n % 30 + 1], ' exceeded deadline of 2000 ms, retrying'),
  sevNum = 13 AND tpl = 2, concat('connection pool for ', table, ' at ', toString(n % 30 + 70), '% capacity'),
  sevNum = 13, concat('retrying ', method, ' ', path, ' after status 503 (attempt ', toString(n % 3 + 1), ')'),
  concat(method, ' ', route, ' failed: ', ${lit(ERRORS)}[cityHash64(n, 51) % ${ERRORS.length} + 1],
    ' after ', ms, ' ms (attempt ', toString(n % 3 + 1), ', order ', hexId, ')'))`;

/** Services by how much they log: the busy ones appear more often. */
const LOG_SERVICE_WEIGHTS = SERVICES.flatMap((_, i) =>
  Array<number>(1 + ((i * 7) % 5)).fill(i + 1),
);

/**
 * Log records `start` .. `start + count - 1`: 40% carry the trace and span id of a span of
 * the first `spanBlocks` layout blocks, with its service and about its time.
 */
export function logsInsert(layout: Layout, spanBlocks: number, c: Chunk): string {
  const L = layout.rows.length;
  const nowNs = c.nowMs * 1e6;
  return `INSERT INTO ${DATABASE}.otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText,
    SeverityNumber, ServiceName, Body, ResourceAttributes, ScopeName, ScopeVersion, LogAttributes,
    ObservedTimestamp, Flags, BodyType)
  WITH ${SERVICE_NAMES}, ${layoutConstants(layout)}
  SELECT fromUnixTimestamp64Nano(tsNs), if(traced, ${traceIdSql('blk', 'slot')}, ''),
    if(traced, ${spanIdSql(`blk * ${L} + o - 1`)}, ''), toUInt8(traced), ${SEVERITY_TEXT}, sevNum,
    services[svc], ${BODY}, ${resourceSql('svc', 'n % 3')}, ${scopeSql('svc')}, '1.0.0',
    map('http.request.method', method, 'http.route', route, 'http.response.status_code',
      if(sevNum >= 17, '500', '200'), 'url.path', path,
      'client.address', concat('10.', toString(n % 251), '.', toString(cityHash64(n, 52) % 255), '.7'),
      'user_agent.original', ${lit(AGENTS)}[cityHash64(n, 53) % ${AGENTS.length} + 1],
      'code.function.name', ${lit(['handle', 'process', 'serve', 'dispatch', 'render'])}[n % 5 + 1],
      'thread.id', toString(n % 256 + 1), 'duration_ms', ms, 'enduser.id', user),
    fromUnixTimestamp64Nano(tsNs + toInt64(${unit('n', 54)} * 5e7)), toUInt32(traced), 'string'
  FROM (
    SELECT number AS n, ${spanBlocks} > 0 AND ${unit('n', 1)} < 0.4 AS traced,
      cityHash64(n, 2) % greatest(${spanBlocks}, 1) AS blk, cityHash64(n, 3) % ${L} + 1 AS o,
      lSlot[o] AS slot,
      if(traced, lSvc[o], ${lit(LOG_SERVICE_WEIGHTS)}[cityHash64(n, 4) % ${LOG_SERVICE_WEIGHTS.length} + 1]) AS svc,
      if(traced, ${traceStartSql(nowNs, 'blk', 'slot')} + toInt64(lOffset[o] * 1000 + 200000),
        toInt64(${nowNs} - 30e9 - ${DAY_NS - 60e9} * ${unit('n', 5)})) AS tsNs,
      cityHash64(n, 6) % 1000 AS sev, ${SEVERITY} AS sevNum, cityHash64(n, 7) % 4 AS tpl,
      ${lit(METHODS)}[n % ${METHODS.length} + 1] AS method,
      ${lit(ROUTES)}[cityHash64(n, 8) % ${ROUTES.length} + 1] AS route,
      replaceOne(route, '{id}', toString(cityHash64(n, 9) % 99999)) AS path,
      toString(round(40 * exp(1.2 * ${normal('n', 10)}), 2)) AS ms,
      concat('user-', toString(cityHash64(n, 11) % 50000)) AS user,
      ${hex16('n', 12)} AS hexId, ${lit(TABLES)}[n % ${TABLES.length} + 1] AS table
    FROM numbers_mt(${c.start}, ${c.count})
  )`;
}
