// Public API of the metric reads and the plain JSON push.
export {
  MetricType,
  MetricName,
  MetricNameText,
  METRIC_NAME,
  Aggregation,
  AGGREGATIONS_BY_TYPE,
  PERCENTILES,
  MetricInfo,
  MetricNames,
  MetricLabels,
  Series,
  SeriesResult,
  PushPoint,
  PushRequest,
  PushResult,
  MAX_PUSH_POINTS,
} from './schemas.js';
export { parseStep, TARGET_POINTS, MAX_POINTS } from './step.js';
export { parseGroupBy, parseAttributeKey, MAX_GROUP_BY, type GroupKey } from './group-by.js';
export {
  histogramQuantile,
  exponentialQuantile,
  exponentialBound,
  type BoundCount,
  type IndexCount,
  type ExponentialBuckets,
} from './quantile.js';
export { querySeries, LOOKBACK_MS, type SeriesRequest } from './query-series.js';
export { MetricTypes, type MetricTypesOptions } from './metric-types.js';
export { listMetricNames, MAX_NAMES_PAGE, type NamesRequest } from './list-names.js';
export { listMetricLabels, MAX_LABELS, type LabelsRequest } from './list-labels.js';
export {
  pushPoints,
  pointsToOtlp,
  PUSH_SCOPE,
  type MetricsConverter,
  type ConvertedRows,
  type OtlpMetricsRequest,
  type PushTimes,
} from './push-points.js';
