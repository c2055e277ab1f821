import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';
import {
  attributeConditions,
  comparison,
  containsText,
  type AttributeCondition,
  type SqlFragment,
} from './attribute-sql.js';

/** The metric point types, and the table holding each. */
export const METRIC_TABLES = {
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
  exponential_histogram: 'otel_metrics_exponential_histogram',
  summary: 'otel_metrics_summary',
} as const;
export type MetricKind = keyof typeof METRIC_TABLES;

/**
 * The per-minute rollup of each point type that has one (schema/0007_metric_rollups.sql,
 * 0010_histogram_stats.sql for histograms, 0016_exp_histogram_stats.sql for exponential
 * histograms).
 */
export const ROLLUP_TABLES = {
  gauge: 'gridscope_gauge_rollup_1m',
  sum: 'gridscope_sum_rollup_1m',
  histogram: 'gridscope_histogram_stats_1m',
  exponential_histogram: 'gridscope_exp_histogram_stats_1m',
  summary: 'gridscope_summary_stats_1m',
} as const;

const KINDS = Object.keys(METRIC_TABLES) as MetricKind[];

/** The attribute columns of every metric table. */
const ATTRIBUTE_COLUMNS = { resource: 'ResourceAttributes', item: 'Attributes' } as const;

/** Which points of one metric a read covers. */
export interface PointSelection {
  metric: string;
  fromMs: number;
  toMs: number;
  service?: string | undefined;
  attributes: readonly AttributeCondition[];
}

/**
 * How long a series may be silent and still continue: a counted point (a counter's or a
 * histogram's) whose series' previous point lies further back starts over, as Prometheus
 * takes a series it has not seen for a while as gone. A read's increases then depend on
 * the points of at most this long before each of its own.
 */
export const STALE_MS = 3_600_000;

/** OTLP's DataPointFlags bit FLAG_NO_RECORDED_VALUE. */
const NO_RECORDED_VALUE = 1;

/**
 * A gauge or sum point whose value is a number: NaN and infinities are a gap, as a point
 * with no recorded value is, in the reads of the points and in the roll-ups (schema/0019).
 */
export const FINITE_VALUE = 'isFinite(Value)';

/**
 * The WHERE conditions of a metric's points in [fromMs, toMs) (Unix ms, bound as `fromMs`,
 * `toMs`), with the service and attribute filters, leaving out points with no recorded
 * value. `time` is the time column (a rollup's is Minute).
 */
export function pointConditions(
  s: PointSelection,
  fromParam = 'fromMs',
  time: 'TimeUnix' | 'Minute' = 'TimeUnix',
): SqlFragment {
  const parts = [
    'MetricName = {metric:String}',
    `${time} >= fromUnixTimestamp64Milli({${fromParam}:Int64})`,
    `${time} < fromUnixTimestamp64Milli({toMs:Int64})`,
  ];
  // A point flagged as having no recorded value (a staleness marker) is a gap, not a value;
  // the roll-ups leave such points out as they are written (schema/0018).
  if (time === 'TimeUnix') parts.push(`bitAnd(Flags, ${NO_RECORDED_VALUE}) = 0`);
  const params: Record<string, unknown> = { metric: s.metric, toMs: s.toMs };
  params[fromParam] = s.fromMs;
  if (s.service !== undefined) {
    parts.push('ServiceName = {service:String}');
    params.service = s.service;
  }
  // `service.name` names the service, as it does in groupBy and labels (see group-by.ts).
  const isService = (a: AttributeCondition) => a.scope === 'item' && a.key === 'service.name';
  s.attributes.filter(isService).forEach((a, i) => {
    if (a.op === 'exists') {
      parts.push("ServiceName != ''");
      return;
    }
    params[`svc${i}`] = a.value;
    parts.push(comparison('ServiceName', a.op, `svc${i}`, a.value));
  });
  const attributes = s.attributes.filter((a) => !isService(a));
  if (attributes.length > 0) {
    const f = attributeConditions(attributes, ATTRIBUTE_COLUMNS);
    parts.push(f.sql);
    Object.assign(params, f.params);
  }
  return { sql: parts.join(' AND '), params };
}

const MetricKindRow = z.object({
  type: z.enum(KINDS as [MetricKind, ...MetricKind[]]),
  unit: z.string(),
  monotonic: z.coerce.number(),
});
export type MetricKindRow = z.infer<typeof MetricKindRow>;

/**
 * The point types a metric has in a time range (usually one), with a unit and, for sums,
 * whether it is monotonic. Reads at most one row of each type's minute rollup (the minutes
 * holding the range's ends count whole).
 */
export async function metricKinds(
  store: Store,
  org: string,
  s: Pick<PointSelection, 'metric' | 'fromMs' | 'toMs' | 'service'>,
  opts: QueryOptions,
): Promise<MetricKindRow[]> {
  const minutes = pointConditions(
    { ...s, fromMs: Math.floor(s.fromMs / 60_000) * 60_000, attributes: [] },
    'minuteFromMs',
    'Minute',
  );
  const parts = KINDS.map(
    (kind) => `(SELECT '${kind}' AS type, MetricUnit AS unit,
      ${kind === 'sum' ? 'toUInt8(IsMonotonic)' : '0'} AS monotonic
    FROM {db:Identifier}.${ROLLUP_TABLES[kind]} WHERE ${minutes.sql} LIMIT 1)`,
  );
  const params = minutes.params;
  // Five reads of at most one row: one thread skips the set-up of a parallel read, which
  // costs more than they do. A SETTINGS clause holds for this statement only.
  const sql = `${parts.join('\nUNION ALL\n')}\nSETTINGS max_threads = 1`;
  const rows = await store.query(org, sql, params, opts);
  // The parts of a UNION ALL answer in any order; callers (and errors) list them in KINDS'.
  const rank = (r: MetricKindRow) => KINDS.indexOf(r.type);
  return z
    .array(MetricKindRow)
    .parse(rows)
    .sort((a, b) => rank(a) - rank(b));
}

const NameRow = z.object({
  name: z.string(),
  type: z.enum(KINDS as [MetricKind, ...MetricKind[]]),
  unit: z.string(),
  description: z.string(),
  services: z.array(z.string()),
});
export type NameRow = z.infer<typeof NameRow>;

export interface NameSearch {
  fromMs: number;
  toMs: number;
  service?: string | undefined;
  /** Case-insensitive substring of the name. */
  contains?: string | undefined;
  /** Only names after this (name, type), for paging. */
  after?: { name: string; type: string } | undefined;
  limit: number;
}

/** Every (metric name, type) with points in the range, sorted by name then type. */
export async function metricNames(
  store: Store,
  org: string,
  s: NameSearch,
  opts: QueryOptions,
): Promise<NameRow[]> {
  const where = [
    'TimeUnix >= fromUnixTimestamp64Milli({fromMs:Int64})',
    'TimeUnix < fromUnixTimestamp64Milli({toMs:Int64})',
  ];
  const params: Record<string, unknown> = { fromMs: s.fromMs, toMs: s.toMs, limit: s.limit };
  if (s.service !== undefined) {
    where.push('ServiceName = {service:String}');
    params.service = s.service;
  }
  if (s.contains !== undefined) {
    where.push(containsText('MetricName', 'contains', s.contains));
    params.contains = s.contains;
  }
  if (s.after !== undefined) {
    where.push('MetricName >= {afterName:String}');
    params.afterName = s.after.name;
    params.afterType = s.after.type;
  }
  // Grouped per table first, so each table is read once and only one row per name is merged.
  const parts = KINDS.map(
    (kind) => `SELECT MetricName AS name, '${kind}' AS type, any(MetricUnit) AS unit,
      any(MetricDescription) AS description, groupUniqArray(ServiceName) AS services
    FROM {db:Identifier}.${METRIC_TABLES[kind]} WHERE ${where.join(' AND ')}
    GROUP BY MetricName`,
  );
  const after =
    s.after === undefined ? '' : 'WHERE (name, type) > ({afterName:String}, {afterType:String})';
  const sql = `SELECT name, type, unit, description, arraySort(services) AS services
    FROM (${parts.join('\nUNION ALL\n')})
    ${after}
    ORDER BY name, type
    LIMIT {limit:UInt32}`;
  return z.array(NameRow).parse(await store.query(org, sql, params, opts));
}

/** One attribute key of a metric: a point attribute, or a resource attribute. */
export interface LabelKey {
  column: 'service' | 'resource' | 'item';
  key: string;
}

/** The union of the metric's tables, with the columns a label read needs. */
function metricPoints(where: string): string {
  return KINDS.map(
    (kind) =>
      `SELECT ServiceName, ResourceAttributes, Attributes FROM {db:Identifier}.${METRIC_TABLES[kind]} WHERE ${where}`,
  ).join('\nUNION ALL\n');
}

const KeysRow = z.object({ item: z.array(z.string()), resource: z.array(z.string()) });

/** Point and resource attribute keys of a metric's points in the range, up to `limit` each. */
export async function metricLabelKeys(
  store: Store,
  org: string,
  s: PointSelection,
  limit: number,
  opts: QueryOptions,
): Promise<{ item: string[]; resource: string[] }> {
  const where = pointConditions(s);
  const sql = `SELECT arraySort(groupUniqArrayArray({limit:UInt32})(mapKeys(Attributes))) AS item,
      arraySort(groupUniqArrayArray({limit:UInt32})(mapKeys(ResourceAttributes))) AS resource
    FROM (${metricPoints(where.sql)})`;
  const rows = await store.query(org, sql, { ...where.params, limit }, opts);
  return z.array(KeysRow).parse(rows)[0] ?? { item: [], resource: [] };
}

const ValueRow = z.object({ value: z.string() });

/** The distinct values of one key of a metric's points in the range, sorted, up to `limit`. */
export async function metricLabelValues(
  store: Store,
  org: string,
  s: PointSelection,
  key: LabelKey,
  limit: number,
  opts: QueryOptions,
): Promise<string[]> {
  const where = pointConditions(s);
  const value = labelExpression(key, 'lk');
  const present =
    key.column === 'service' ? '1' : `mapContains(${ATTRIBUTE_COLUMNS[key.column]}, {lk:String})`;
  const sql = `SELECT ${value} AS value
    FROM (${metricPoints(where.sql)})
    WHERE ${present}
    GROUP BY value ORDER BY value LIMIT {limit:UInt32}`;
  const rows = await store.query(org, sql, { ...where.params, lk: key.key, limit }, opts);
  return z
    .array(ValueRow)
    .parse(rows)
    .map((r) => r.value);
}

/** The SQL of one label's value: the key is bound as parameter `param`, never inlined. */
export function labelExpression(key: LabelKey, param: string): string {
  if (key.column === 'service') return 'ServiceName';
  return `${ATTRIBUTE_COLUMNS[key.column]}[{${param}:String}]`;
}
