import type { RouteRegistrar } from '../../route.js';
import { registerListMetricLabels } from './list-metric-labels.js';
import { registerListMetricNames } from './list-metric-names.js';
import { registerPushMetricPoints } from './push-metric-points.js';
import { registerQueryMetrics } from './query-metrics.js';

/** The metrics endpoints under /api/v1/monitoring, one file each. */
export const METRIC_ROUTES: readonly RouteRegistrar[] = [
  registerListMetricNames,
  registerListMetricLabels,
  registerQueryMetrics,
  registerPushMetricPoints,
];
