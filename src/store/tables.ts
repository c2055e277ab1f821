import type { NativeType } from './native-writer.js';

/**
 * The telemetry tables the writers fill, with the column order of the rows the converters
 * produce and the type each column is written in (plain String where the table has
 * LowCardinality(String)). Columns after the Collector exporter's own are Gridscope's
 * additions for OTLP fields the exporter schema drops; the DDL in schema/ declares them all.
 */

export type TableName =
  | 'otel_traces'
  | 'otel_logs'
  | 'otel_metrics_gauge'
  | 'otel_metrics_sum'
  | 'otel_metrics_histogram'
  | 'otel_metrics_exponential_histogram'
  | 'otel_metrics_summary';

export const TRACES_COLUMNS = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'String'],
  ['SpanKind', 'String'],
  ['ServiceName', 'String'],
  ['ResourceAttributes', 'Map(String, String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(String, String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'String'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(String)'],
  ['Events.Attributes', 'Array(Map(String, String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(String, String))'],
  // additions
  ['Flags', 'UInt32'],
  ['DroppedAttrCount', 'UInt32'],
  ['DroppedEventsCount', 'UInt32'],
  ['DroppedLinksCount', 'UInt32'],
  ['Events.DroppedAttrCount', 'Array(UInt32)'],
  ['Links.Flags', 'Array(UInt32)'],
  ['Links.DroppedAttrCount', 'Array(UInt32)'],
  ['ResourceSchemaUrl', 'String'],
  ['ResourceDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ScopeAttributes', 'Map(String, String)'],
  ['ScopeDroppedAttrCount', 'UInt32'],
] as const;

export const LOGS_COLUMNS = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['TraceFlags', 'UInt8'],
  ['SeverityText', 'String'],
  ['SeverityNumber', 'UInt8'],
  ['ServiceName', 'String'],
  ['Body', 'String'],
  ['ResourceSchemaUrl', 'String'],
  ['ResourceAttributes', 'Map(String, String)'],
  ['ScopeSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', 'Map(String, String)'],
  ['LogAttributes', 'Map(String, String)'],
  ['EventName', 'String'],
  // additions
  ['ObservedTimestamp', 'DateTime64(9)'],
  ['Flags', 'UInt32'],
  ['BodyType', 'String'],
  ['DroppedAttrCount', 'UInt32'],
  ['ResourceDroppedAttrCount', 'UInt32'],
  ['ScopeDroppedAttrCount', 'UInt32'],
] as const;

/** Columns every metrics table starts with, in this order. */
export const METRIC_HEAD_COLUMNS = [
  ['ResourceAttributes', 'Map(String, String)'],
  ['ResourceSchemaUrl', 'String'],
  ['ResourceDroppedAttrCount', 'UInt32'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', 'Map(String, String)'],
  ['ScopeDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ServiceName', 'String'],
  ['MetricName', 'String'],
  ['MetricDescription', 'String'],
  ['MetricUnit', 'String'],
  ['MetricMetadata', 'Map(String, String)'],
  ['Attributes', 'Map(String, String)'],
  ['StartTimeUnix', 'DateTime64(9)'],
  ['TimeUnix', 'DateTime64(9)'],
  ['Flags', 'UInt32'],
] as const;

const EXEMPLAR_COLUMNS = [
  ['Exemplars.FilteredAttributes', 'Array(Map(String, String))'],
  ['Exemplars.TimeUnix', 'Array(DateTime64(9))'],
  ['Exemplars.Value', 'Array(Float64)'],
  ['Exemplars.SpanId', 'Array(String)'],
  ['Exemplars.TraceId', 'Array(String)'],
] as const;

export const GAUGE_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  ['Value', 'Float64'],
  ...EXEMPLAR_COLUMNS,
] as const;

export const SUM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  ['Value', 'Float64'],
  ...EXEMPLAR_COLUMNS,
  ['AggregationTemporality', 'Int32'],
  ['IsMonotonic', 'Bool'],
] as const;

export const HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  ['Count', 'UInt64'],
  ['Sum', 'Float64'],
  ['BucketCounts', 'Array(UInt64)'],
  ['ExplicitBounds', 'Array(Float64)'],
  ...EXEMPLAR_COLUMNS,
  ['Min', 'Float64'],
  ['Max', 'Float64'],
  ['AggregationTemporality', 'Int32'],
] as const;

export const EXPONENTIAL_HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  ['Count', 'UInt64'],
  ['Sum', 'Float64'],
  ['Scale', 'Int32'],
  ['ZeroCount', 'UInt64'],
  ['PositiveOffset', 'Int32'],
  ['PositiveBucketCounts', 'Array(UInt64)'],
  ['NegativeOffset', 'Int32'],
  ['NegativeBucketCounts', 'Array(UInt64)'],
  ...EXEMPLAR_COLUMNS,
  ['Min', 'Float64'],
  ['Max', 'Float64'],
  ['AggregationTemporality', 'Int32'],
  ['ZeroThreshold', 'Float64'],
] as const;

export const SUMMARY_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  ['Count', 'UInt64'],
  ['Sum', 'Float64'],
  ['ValueAtQuantiles.Quantile', 'Array(Float64)'],
  ['ValueAtQuantiles.Value', 'Array(Float64)'],
] as const;

/** A column's name and the type the writers' Native blocks declare for it. */
export type ColumnSpec = readonly [name: string, type: NativeType];

export const TABLE_SCHEMAS: Record<TableName, readonly ColumnSpec[]> = {
  otel_traces: TRACES_COLUMNS,
  otel_logs: LOGS_COLUMNS,
  otel_metrics_gauge: GAUGE_COLUMNS,
  otel_metrics_sum: SUM_COLUMNS,
  otel_metrics_histogram: HISTOGRAM_COLUMNS,
  otel_metrics_exponential_histogram: EXPONENTIAL_HISTOGRAM_COLUMNS,
  otel_metrics_summary: SUMMARY_COLUMNS,
};

export const TABLE_NAMES = Object.keys(TABLE_SCHEMAS) as TableName[];

/** Each table's column names, in the order rows are written. */
export const TABLE_COLUMNS = {} as Record<TableName, readonly string[]>;
for (const t of TABLE_NAMES) TABLE_COLUMNS[t] = TABLE_SCHEMAS[t].map(([name]) => name);
