import { hasControlCharacter } from '../../../query/attribute-filter.js';
import {
  Aggregation,
  MetricNameText,
  MetricType,
  parseGroupBy,
  type SeriesRequest,
} from '../../../query/metrics/index.js';
import type { QueryOptions } from '../../../store/index.js';
import type { ApiDeps } from '../../deps.js';
import { z } from '../../route.js';
import {
  attributeFilters,
  AttrQuery,
  repeated,
  ServiceNameText,
  timeRange,
  TimeRangeQuery,
} from '../query-params.js';

/** Free text bound as a parameter (a service name, a substring): any text but control characters. */
export const FilterText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters');

export const ServiceParam = ServiceNameText.optional().openapi({
  description: 'only points of this service (ServiceName)',
});

export const MetricParam = MetricNameText.openapi({
  description: 'the metric name',
  example: 'http.server.request.duration',
});

const GROUP_BY_TEXT =
  'attribute keys to group by (repeatable or comma-separated, up to 5); service.name and resource.KEY for resource attributes';
const STEP_TEXT =
  'step: 30s, 1m, 5m, 1h, 1d or seconds (default: at most ~120 points; at most 2000)';
const AGGREGATION_TEXT =
  'gauge: avg (default), sum, min, max, count; sum: rate (default when monotonic), increase, avg, sum, min, max, count; histograms: p95 (default), p50, p90, p99, quantile, avg, count, sum, rate, increase; summary: avg (default), count, sum, rate, increase, and p50, p90, p95, p99, quantile of the quantiles it reports';

const QUANTILE_TEXT =
  'with aggregation=quantile: 0 < q < 1, or 0 <= q <= 1 for a summary (one of the quantiles it reports)';

/** The series query as query parameters (GET). */
export const SeriesQuery = z.object({
  ...TimeRangeQuery,
  metric: MetricParam,
  type: MetricType.optional().openapi({
    description:
      "the point type, when the metric has several in the range; without it, a metric's types are those kept from a read in the last --metric-types-ttl-ms",
  }),
  aggregation: Aggregation.optional().openapi({ description: AGGREGATION_TEXT }),
  // Not z.coerce alone, which reads an empty value as 0.
  quantile: z
    .string()
    .trim()
    .min(1, 'must be a number')
    .pipe(z.coerce.number())
    .optional()
    .openapi({ description: QUANTILE_TEXT }),
  attr: AttrQuery,
  service: ServiceParam,
  groupBy: repeated(GROUP_BY_TEXT),
  step: z.string().max(16).optional().openapi({ description: STEP_TEXT }),
});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

const TimeValue = z.union([z.string().max(64), z.number().int().min(0)]);

/** A list of texts in a JSON body, or one text alone as the query string form takes it. */
const oneOrMany = (max: number) =>
  z
    .union([z.string().max(max), z.array(z.string().max(max)).max(20)])
    .default([])
    .transform((v) => (typeof v === 'string' ? [v] : v));

/** The series query as a JSON body (POST). */
export const SeriesBody = z
  .object({
    from: TimeValue.optional().openapi({ description: 'RFC 3339, Unix ms or now-1h' }),
    to: TimeValue.optional().openapi({ description: 'RFC 3339, Unix ms or now' }),
    metric: MetricParam,
    type: MetricType.optional(),
    aggregation: Aggregation.optional().openapi({ description: AGGREGATION_TEXT }),
    quantile: z.number().optional().openapi({ description: QUANTILE_TEXT }),
    attr: oneOrMany(2048).openapi({
      description: 'attribute filters: key=value, key!=value, key~=substring, key',
    }),
    service: ServiceParam,
    groupBy: oneOrMany(300).openapi({ description: GROUP_BY_TEXT }),
    step: z
      .union([z.string().max(16), z.number().int().min(1)])
      .optional()
      .openapi({ description: STEP_TEXT }),
  })
  .strict()
  .openapi('MetricSeriesQuery');
export type SeriesBody = z.infer<typeof SeriesBody>;

const text = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

/** A validated series request from either form. */
export function seriesRequest(deps: ApiDeps, q: SeriesQuery | SeriesBody): SeriesRequest {
  return {
    metric: q.metric,
    type: q.type,
    aggregation: q.aggregation,
    quantile: q.quantile,
    attributes: attributeFilters(q.attr),
    service: q.service,
    groupBy: parseGroupBy(q.groupBy),
    range: timeRange(deps, { from: text(q.from), to: text(q.to) }),
    step: text(q.step),
  };
}

/** The limits of every metric read. */
export function readOptions(deps: ApiDeps): QueryOptions {
  return { timeoutMs: deps.queryLimits.timeoutMs };
}
