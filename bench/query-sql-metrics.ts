/**
 * INSERT ... SELECT FROM numbers_mt() statements for the query benchmark's bulk metric points:
 * gauges, monotonic cumulative sums (counters that grow per series and restart every six
 * hours), cumulative explicit-bucket and exponential histograms and summaries, over 720
 * series (30 services, 12 metrics, 2 attribute sets each), each series sampled at an even
 * interval over 24 hours.
 */
import {
  DATABASE,
  lit,
  resourceSql,
  scopeSql,
  SERVICE_NAMES,
  unit,
  type Chunk,
} from './query-sql.js';
import { SERVICES } from './vocabulary.js';

export type PointTable = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

interface MetricDef {
  name: string;
  unit: string;
  /** A gauge's typical value, a counter's growth per point, a histogram's median (s). */
  scale: number;
  /** The two attribute sets of the metric's series, as SQL map() arguments. */
  attrs: [string, string];
}

const http = (method: string, route: string) =>
  `'http.request.method', '${method}', 'http.route', '${route}', 'http.response.status_code', '200'`;
const one = (key: string, a: string, b: string): [string, string] => [
  `'${key}', '${a}'`,
  `'${key}', '${b}'`,
];

/** The metrics of each table; the one the benchmark queries comes first. */
export const METRICS: Record<PointTable | 'updown', MetricDef[]> = {
  gauge: [
    {
      name: 'system.cpu.utilization',
      unit: '1',
      scale: 0.35,
      attrs: one('cpu.mode', 'user', 'system'),
    },
    {
      name: 'process.memory.usage',
      unit: 'By',
      scale: 3e8,
      attrs: one('memory.type', 'heap', 'non_heap'),
    },
    {
      name: 'jvm.thread.count',
      unit: '{thread}',
      scale: 80,
      attrs: one('thread.state', 'runnable', 'waiting'),
    },
    {
      name: 'queue.depth',
      unit: '{message}',
      scale: 20,
      attrs: one('messaging.destination.name', 'orders', 'emails'),
    },
  ],
  sum: [
    {
      name: 'http.server.request.count',
      unit: '{request}',
      scale: 10,
      attrs: [http('GET', '/api/products/{id}'), http('POST', '/api/checkout')],
    },
    { name: 'process.cpu.time', unit: 's', scale: 0.2, attrs: one('cpu.mode', 'user', 'system') },
  ],
  updown: [
    {
      name: 'db.client.connection.count',
      unit: '{connection}',
      scale: 20,
      attrs: one('db.client.connection.state', 'used', 'idle'),
    },
  ],
  histogram: [
    {
      name: 'http.server.request.duration',
      unit: 's',
      scale: 0.08,
      attrs: [http('GET', '/api/products/{id}'), http('POST', '/api/checkout')],
    },
    {
      name: 'http.client.request.duration',
      unit: 's',
      scale: 0.03,
      attrs: [http('GET', '/api/cart'), http('POST', '/api/payments/{id}')],
    },
    {
      name: 'db.client.operation.duration',
      unit: 's',
      scale: 0.004,
      attrs: one('db.operation.name', 'SELECT', 'INSERT'),
    },
  ],
  exponential_histogram: [
    {
      name: 'rpc.server.duration',
      unit: 's',
      scale: 0.05,
      attrs: one('rpc.method', 'GetQuote', 'PlaceOrder'),
    },
  ],
  summary: [
    {
      name: 'rpc.client.duration',
      unit: 's',
      scale: 0.02,
      attrs: one('rpc.method', 'GetRates', 'SendTrade'),
    },
  ],
};

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The cumulative distribution of a log-normal distribution of median `m`, sigma 0.9. */
function logNormalCdf(m: number): (x: number) => number {
  return (x: number) => {
    const z = Math.log(x / m) / (0.9 * Math.SQRT2);
    // Abramowitz-Stegun 7.1.26 erf.
    const t = 1 / (1 + 0.3275911 * Math.abs(z));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-z * z);
    return 0.5 * (1 + Math.sign(z) * y);
  };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** The quantiles each summary point reports. */
const SUMMARY_QUANTILES = [0.5, 0.9, 0.95, 0.99];

/** The value of a log-normal distribution (median `m`, sigma 0.9) at each SUMMARY_QUANTILES. */
function summaryValues(m: number): number[] {
  // The standard normal's quantiles at 0.5, 0.9, 0.95 and 0.99.
  const z = [0, 1.2816, 1.6449, 2.3263];
  return z.map((v) => round6(m * Math.exp(0.9 * v)));
}

/** Share of a log-normal distribution (median `m`, sigma 0.9) in each bucket of BOUNDS. */
function bucketWeights(m: number): number[] {
  const c = BOUNDS.map(logNormalCdf(m));
  return [...c, 1].map((v, i) => round6(v - (i === 0 ? 0 : c[i - 1]!)));
}

/** The scale of the exponential histograms: 8 buckets per doubling. */
const EXP_SCALE = 3;
/** Their buckets: from an eighth of the median up to 64 times it. */
const EXP_BUCKETS = 48;

/** The index of the first exponential bucket of a histogram of median `m`. */
const expOffset = (m: number) => Math.floor(Math.log2(m / 8) * 2 ** EXP_SCALE);

/** Share of the same distribution in each of EXP_BUCKETS buckets from expOffset(m). */
function expWeights(m: number): number[] {
  const cdf = logNormalCdf(m);
  const lower = (i: number) => 2 ** ((expOffset(m) + i) / 2 ** EXP_SCALE);
  return Array.from({ length: EXP_BUCKETS }, (_, i) => round6(cdf(lower(i + 1)) - cdf(lower(i))));
}

/** Series of a table: service fastest, then attribute set, then metric. */
export function seriesCount(table: PointTable): number {
  const defs = table === 'sum' ? [...METRICS.sum, ...METRICS.updown] : METRICS[table];
  return SERVICES.length * 2 * defs.length;
}

/** Points `start` .. `start + count - 1` of `total` points of one table. */
export function pointsInsert(table: PointTable, total: number, c: Chunk): string {
  const defs = table === 'sum' ? [...METRICS.sum, ...METRICS.updown] : METRICS[table];
  const S = seriesCount(table);
  const perSeries = Math.ceil(total / S);
  const intervalNs = Math.floor(86_340e9 / perSeries);
  const epoch = Math.ceil(perSeries / 4);
  const firstNs = c.nowMs * 1e6 - 86_370e9;
  const col = (f: (d: MetricDef) => string | number) => lit(defs.map(f));
  const attrs = `[${defs.flatMap((d) => d.attrs.map((a) => `map(${a})`)).join(', ')}]`;
  const head = `ResourceAttributes, ServiceName, ScopeName, ScopeVersion, MetricName,
    MetricDescription, MetricUnit, Attributes, StartTimeUnix, TimeUnix`;
  const common = `${resourceSql('svc', 'set % 3')}, services[svc], ${scopeSql('svc')}, '1.29.0',
    names[m], concat('The ', replaceAll(names[m], '.', ' '), '.'), units[m], attrs[m * 2 - 1 + set],
    fromUnixTimestamp64Nano(toInt64(startNs)), fromUnixTimestamp64Nano(toInt64(tNs))`;
  const body = {
    gauge: {
      columns: 'Value',
      select: `least(scales[m] * (0.5 + ${unit('s', 1)}) * (1 + 0.25 * sin(2 * pi() * tNs / 86400e9 + s))
        * (1 + 0.1 * (${unit('n', 2)} - 0.5)), if(m = 1, 1, 1e18))`,
    },
    sum: {
      columns: 'Value, AggregationTemporality, IsMonotonic',
      select: `multiIf(m = ${defs.length}, toFloat64(5 + cityHash64(n, 3) % 20),
        m = 1, floor(kIn * (1 + s % 20) + ${unit('n', 4)}),
        kIn * ${intervalNs / 1e9} * scales[m] * (0.5 + ${unit('s', 5)})), 2, m != ${defs.length}`,
    },
    histogram: {
      columns: 'BucketCounts, Count, Sum, ExplicitBounds, Min, Max, AggregationTemporality',
      select: `arrayMap(w -> toUInt64(floor(kIn * (1 + s % 10) * w)), weights[m]) AS buckets,
        arraySum(buckets) AS cnt, cnt * scales[m] * 1.4, ${lit(BOUNDS)}, scales[m] / 20,
        scales[m] * 40, 2`,
    },
    exponential_histogram: {
      columns: `PositiveBucketCounts, Count, Sum, Scale, ZeroCount, PositiveOffset, NegativeOffset,
        NegativeBucketCounts, Min, Max, AggregationTemporality, ZeroThreshold`,
      select: `arrayMap(w -> toUInt64(floor(kIn * (1 + s % 10) * w)), weights[m]) AS buckets,
        arraySum(buckets) AS cnt, cnt * scales[m] * 1.4, ${EXP_SCALE}, 0,
        ${col((d) => expOffset(d.scale))}[m], 0, [], scales[m] / 20, scales[m] * 40, 2, 0`,
    },
    summary: {
      columns: 'Count, Sum, ValueAtQuantiles.Quantile, ValueAtQuantiles.Value',
      select: `toUInt64(kIn * (1 + s % 10) * 50) AS cnt, cnt * scales[m] * 1.4,
        ${lit(SUMMARY_QUANTILES)}, arrayMap(v -> v * (0.8 + 0.4 * ${unit('n', 6)}), weights[m])`,
    },
  }[table];
  const weights =
    table === 'exponential_histogram'
      ? expWeights
      : table === 'summary'
        ? summaryValues
        : bucketWeights;
  return `INSERT INTO ${DATABASE}.otel_metrics_${table} (${head}, ${body.columns})
  WITH ${SERVICE_NAMES}, ${col((d) => d.name)} AS names, ${col((d) => d.unit)} AS units,
    ${col((d) => d.scale)} AS scales, ${attrs} AS attrs,
    [${defs.map((d) => lit(weights(d.scale))).join(', ')}] AS weights
  SELECT ${common}, ${body.select}
  FROM (
    SELECT number AS n, n % ${S} AS s, intDiv(n, ${S}) AS k, s % ${SERVICES.length} + 1 AS svc,
      intDiv(s, ${SERVICES.length}) % 2 AS set, intDiv(s, ${SERVICES.length * 2}) + 1 AS m,
      k % ${epoch} AS kIn, ${firstNs} + k * ${intervalNs} + s * ${Math.floor(intervalNs / S)} AS tNs,
      tNs - kIn * ${intervalNs} - 1e9 AS startNs
    FROM numbers_mt(${c.start}, ${c.count})
  )`;
}
