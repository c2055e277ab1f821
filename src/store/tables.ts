/**
 * The telemetry tables the writers fill, with the column order of the rows the converters
 * produce. Columns after the Collector exporter's own are Gridscope's additions for OTLP
 * fields the exporter schema drops; the DDL in schema/ declares them all.
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
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
  // additions
  'Flags',
  'DroppedAttrCount',
  'DroppedEventsCount',
  'DroppedLinksCount',
  'Events.DroppedAttrCount',
  'Links.Flags',
  'Links.DroppedAttrCount',
  'ResourceSchemaUrl',
  'ResourceDroppedAttrCount',
  'ScopeSchemaUrl',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
] as const;

export const LOGS_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'LogAttributes',
  'EventName',
  // additions
  'ObservedTimestamp',
  'Flags',
  'BodyType',
  'DroppedAttrCount',
  'ResourceDroppedAttrCount',
  'ScopeDroppedAttrCount',
] as const;

/** Columns every metrics table starts with, in this order. */
export const METRIC_HEAD_COLUMNS = [
  'ResourceAttributes',
  'ResourceSchemaUrl',
  'ResourceDroppedAttrCount',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
  'ScopeSchemaUrl',
  'ServiceName',
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'MetricMetadata',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
  'Flags',
] as const;

const EXEMPLAR_COLUMNS = [
  'Exemplars.FilteredAttributes',
  'Exemplars.TimeUnix',
  'Exemplars.Value',
  'Exemplars.SpanId',
  'Exemplars.TraceId',
] as const;

export const GAUGE_COLUMNS = [...METRIC_HEAD_COLUMNS, 'Value', ...EXEMPLAR_COLUMNS] as const;

export const SUM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  'Value',
  ...EXEMPLAR_COLUMNS,
  'AggregationTemporality',
  'IsMonotonic',
] as const;

export const HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  'Count',
  'Sum',
  'BucketCounts',
  'ExplicitBounds',
  ...EXEMPLAR_COLUMNS,
  'Min',
  'Max',
  'AggregationTemporality',
] as const;

export const EXPONENTIAL_HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  'Count',
  'Sum',
  'Scale',
  'ZeroCount',
  'PositiveOffset',
  'PositiveBucketCounts',
  'NegativeOffset',
  'NegativeBucketCounts',
  ...EXEMPLAR_COLUMNS,
  'Min',
  'Max',
  'AggregationTemporality',
  'ZeroThreshold',
] as const;

export const SUMMARY_COLUMNS = [
  ...METRIC_HEAD_COLUMNS,
  'Count',
  'Sum',
  'ValueAtQuantiles.Quantile',
  'ValueAtQuantiles.Value',
] as const;

export const TABLE_COLUMNS: Record<TableName, readonly string[]> = {
  otel_traces: TRACES_COLUMNS,
  otel_logs: LOGS_COLUMNS,
  otel_metrics_gauge: GAUGE_COLUMNS,
  otel_metrics_sum: SUM_COLUMNS,
  otel_metrics_histogram: HISTOGRAM_COLUMNS,
  otel_metrics_exponential_histogram: EXPONENTIAL_HISTOGRAM_COLUMNS,
  otel_metrics_summary: SUMMARY_COLUMNS,
};

export const TABLE_NAMES = Object.keys(TABLE_COLUMNS) as TableName[];
