import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { metricLabelKeys, metricLabelValues } from '../../store/queries/metrics.js';
import type { AttributeFilter } from '../attribute-filter.js';
import type { GroupKey } from './group-by.js';
import type { MetricLabels } from './schemas.js';

/** The most keys or values one answer lists. */
export const MAX_LABELS = 1000;

export interface LabelsRequest {
  metric: string;
  range: TimeRange;
  service?: string | undefined;
  attributes: readonly AttributeFilter[];
  /** List this key's values instead of the keys. */
  key?: GroupKey | undefined;
  limit: number;
}

/**
 * The attribute keys of a metric's points in the range (resource attributes as
 * `resource.KEY`), or with `key` the values of that key, sorted, up to `limit`.
 */
export async function listMetricLabels(
  store: Store,
  org: string,
  req: LabelsRequest,
  opts: QueryOptions,
): Promise<MetricLabels> {
  const selection = {
    metric: req.metric,
    fromMs: req.range.fromMs,
    toMs: req.range.toMs,
    service: req.service,
    attributes: req.attributes,
  };
  if (req.key !== undefined) {
    const values = await metricLabelValues(store, org, selection, req.key, req.limit + 1, opts);
    return {
      metric: req.metric,
      key: req.key.label,
      keys: [],
      values: values.slice(0, req.limit),
      truncated: values.length > req.limit,
    };
  }
  const found = await metricLabelKeys(store, org, selection, req.limit + 1, opts);
  const keys = [...found.item, ...found.resource.map((k) => `resource.${k}`)].sort();
  return {
    metric: req.metric,
    key: null,
    keys: keys.slice(0, req.limit),
    values: [],
    truncated: keys.length > req.limit,
  };
}
