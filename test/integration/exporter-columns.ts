/**
 * The columns of the OpenTelemetry Collector ClickHouse exporter's tables as of v0.151, in
 * its order, with their types as ClickHouse reports them (system.columns). Gridscope's
 * tables must hold every one with the same type; they may hold more.
 */

type Columns = readonly (readonly [string, string])[];

/** The leading columns of every metric table: resource, scope, metric and point times. */
const METRIC_HEAD: Columns = [
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ResourceSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ServiceName', 'LowCardinality(String)'],
  ['MetricName', 'String'],
  ['MetricDescription', 'String'],
  ['MetricUnit', 'String'],
  ['Attributes', 'Map(LowCardinality(String), String)'],
  ['StartTimeUnix', 'DateTime64(9)'],
  ['TimeUnix', 'DateTime64(9)'],
];

/** A metric point's exemplars. */
const EXEMPLARS: Columns = [
  ['Exemplars.FilteredAttributes', 'Array(Map(LowCardinality(String), String))'],
  ['Exemplars.TimeUnix', 'Array(DateTime64(9))'],
  ['Exemplars.Value', 'Array(Float64)'],
  ['Exemplars.SpanId', 'Array(String)'],
  ['Exemplars.TraceId', 'Array(String)'],
];

export const EXPORTER_COLUMNS: Record<string, Columns> = {
  otel_logs: [
    ['Timestamp', 'DateTime64(9)'],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['TraceFlags', 'UInt8'],
    ['SeverityText', 'LowCardinality(String)'],
    ['SeverityNumber', 'UInt8'],
    ['ServiceName', 'LowCardinality(String)'],
    ['Body', 'String'],
    ['ResourceSchemaUrl', 'LowCardinality(String)'],
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeSchemaUrl', 'LowCardinality(String)'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'LowCardinality(String)'],
    ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
    ['LogAttributes', 'Map(LowCardinality(String), String)'],
    ['EventName', 'String'],
    ['__otel_materialized_k8s.cluster.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.container.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.deployment.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.namespace.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.node.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.pod.name', 'LowCardinality(String)'],
    ['__otel_materialized_k8s.pod.uid', 'LowCardinality(String)'],
    ['__otel_materialized_deployment.environment.name', 'LowCardinality(String)'],
  ],
  otel_traces: [
    ['Timestamp', 'DateTime64(9)'],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['ParentSpanId', 'String'],
    ['TraceState', 'String'],
    ['SpanName', 'LowCardinality(String)'],
    ['SpanKind', 'LowCardinality(String)'],
    ['ServiceName', 'LowCardinality(String)'],
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'String'],
    ['SpanAttributes', 'Map(LowCardinality(String), String)'],
    ['Duration', 'UInt64'],
    ['StatusCode', 'LowCardinality(String)'],
    ['StatusMessage', 'String'],
    ['Events.Timestamp', 'Array(DateTime64(9))'],
    ['Events.Name', 'Array(LowCardinality(String))'],
    ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
    ['Links.TraceId', 'Array(String)'],
    ['Links.SpanId', 'Array(String)'],
    ['Links.TraceState', 'Array(String)'],
    ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ],
  otel_traces_trace_id_ts: [
    ['TraceId', 'String'],
    ['Start', 'DateTime'],
    ['End', 'DateTime'],
  ],
  otel_metrics_gauge: [...METRIC_HEAD, ['Value', 'Float64'], ['Flags', 'UInt32'], ...EXEMPLARS],
  otel_metrics_sum: [
    ...METRIC_HEAD,
    ['Value', 'Float64'],
    ['Flags', 'UInt32'],
    ...EXEMPLARS,
    ['AggregationTemporality', 'Int32'],
    ['IsMonotonic', 'Bool'],
  ],
  otel_metrics_histogram: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['BucketCounts', 'Array(UInt64)'],
    ['ExplicitBounds', 'Array(Float64)'],
    ...EXEMPLARS,
    ['Flags', 'UInt32'],
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  otel_metrics_exponential_histogram: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['Scale', 'Int32'],
    ['ZeroCount', 'UInt64'],
    ['PositiveOffset', 'Int32'],
    ['PositiveBucketCounts', 'Array(UInt64)'],
    ['NegativeOffset', 'Int32'],
    ['NegativeBucketCounts', 'Array(UInt64)'],
    ...EXEMPLARS,
    ['Flags', 'UInt32'],
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  otel_metrics_summary: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['ValueAtQuantiles.Quantile', 'Array(Float64)'],
    ['ValueAtQuantiles.Value', 'Array(Float64)'],
    ['Flags', 'UInt32'],
  ],
};

/**
 * Where Gridscope's type differs on purpose: its trace id lookup table keeps one row per
 * trace (AggregatingMergeTree, as the exporter's later versions do), so Start and End are
 * the minimum and maximum of their rows. They read as the exporter's DateTime.
 */
export const EXPORTER_TYPE_EXCEPTIONS: Record<string, string> = {
  'otel_traces_trace_id_ts.Start': 'SimpleAggregateFunction(min, DateTime)',
  'otel_traces_trace_id_ts.End': 'SimpleAggregateFunction(max, DateTime)',
};
