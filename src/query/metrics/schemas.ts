import { z } from 'zod';
import { isNameText, nameRule } from '../attribute-filter.js';

/** The OTLP point types, one table each. */
export const MetricType = z.enum(['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary']);
export type MetricType = z.infer<typeof MetricType>;

/**
 * Metric names as OpenTelemetry instruments and Prometheus write them: a letter or `_`, then
 * letters, digits and `_ . - / :`, at most 255. Anything else is refused before any query.
 */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.\-/:]{0,254}$/;
export const MetricName = z
  .string()
  .max(255, 'longer than 255 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.\-/:]*$/,
    'must be a metric name (a letter or _, then letters, digits, _ . - / :)',
  );

/**
 * A metric name to read: any name a sender can have stored (OTLP carries any text), but
 * for the characters isNameText refuses as hostile.
 */
export const MetricNameText = z
  .string()
  .refine((s) => isNameText(s, 255), `must be a metric name (${nameRule(255)})`);

/** What a series query computes per step. */
export const Aggregation = z.enum([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'rate',
  'increase',
  'p50',
  'p90',
  'p95',
  'p99',
  'quantile',
]);
export type Aggregation = z.infer<typeof Aggregation>;

/** The quantile each named percentile stands for. */
export const PERCENTILES: Partial<Record<Aggregation, number>> = {
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

/** The aggregations each metric type supports; the first is the default. */
export const AGGREGATIONS_BY_TYPE: Record<MetricType, readonly Aggregation[]> = {
  gauge: ['avg', 'sum', 'min', 'max', 'count'],
  sum: ['rate', 'increase', 'avg', 'sum', 'min', 'max', 'count'],
  histogram: ['p95', 'p50', 'p90', 'p99', 'quantile', 'avg', 'count', 'sum', 'rate', 'increase'],
  exponential_histogram: [
    'p95',
    'p50',
    'p90',
    'p99',
    'quantile',
    'avg',
    'count',
    'sum',
    'rate',
    'increase',
  ],
  summary: ['avg', 'count', 'sum', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99', 'quantile'],
};

export const MetricInfo = z.object({
  name: z.string(),
  type: MetricType,
  unit: z.string(),
  description: z.string(),
  services: z.array(z.string()).describe('ServiceName of the points, sorted'),
});
export type MetricInfo = z.infer<typeof MetricInfo>;

export const MetricNames = z.object({
  items: z.array(MetricInfo),
  nextCursor: z.string().nullable(),
});
export type MetricNames = z.infer<typeof MetricNames>;

export const MetricLabels = z.object({
  metric: z.string(),
  key: z.string().nullable().describe('the key whose values are listed; null for the key list'),
  keys: z
    .array(z.string())
    .describe('point attribute keys, and resource attribute keys as resource.KEY; sorted'),
  values: z.array(z.string()).describe("the key's values, sorted (empty for the key list)"),
  truncated: z.boolean().describe('more keys or values exist than `limit`'),
});
export type MetricLabels = z.infer<typeof MetricLabels>;

export const SeriesPoint = z.object({
  time: z.string().describe('start of the step, RFC 3339'),
  value: z
    .number()
    .nullable()
    .describe('null where the value is undefined (a quantile of a step without observations)'),
});

export const Series = z.object({
  labels: z.record(z.string(), z.string()),
  points: z.array(SeriesPoint),
});
export type Series = z.infer<typeof Series>;

export const SeriesResult = z.object({
  metric: z.string(),
  type: MetricType.nullable().describe('null when the metric has no points in the range'),
  unit: z.string(),
  aggregation: Aggregation,
  quantile: z.number().nullable(),
  step: z.number().int().describe('seconds'),
  from: z.string(),
  to: z.string(),
  series: z.array(Series),
});
export type SeriesResult = z.infer<typeof SeriesResult>;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** The most bucket bounds a pushed histogram point may have. */
export const MAX_PUSH_BOUNDS = 256;

/** One point of the plain JSON push. */
export const PushPoint = z
  .object({
    name: MetricName,
    type: z.enum(['gauge', 'sum', 'histogram']).default('gauge'),
    value: finite.optional().describe('gauge and sum: the value'),
    bounds: z
      .array(finite)
      .max(MAX_PUSH_BOUNDS)
      .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'must be strictly increasing')
      .optional()
      .describe('histogram: the upper bounds of its finite buckets'),
    counts: z
      .array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
      .optional()
      .describe('histogram: one count per bucket, the last for values above every bound'),
    sum: finite.optional().describe('histogram: the sum of its values'),
    min: finite.optional().describe('histogram: its smallest value'),
    max: finite.optional().describe('histogram: its largest value'),
    attributes: z
      .record(
        z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.\-/:@]{0,255}$/, 'must be an attribute key'),
        z.union([z.string().max(4096), z.number().refine(Number.isFinite), z.boolean()]),
      )
      .refine((a) => Object.keys(a).length <= 64, 'at most 64 attributes')
      .default({}),
    time: z
      .union([z.string().max(64), z.number().int().min(1)])
      .optional()
      .describe('RFC 3339 or Unix milliseconds; default now'),
    service: z.string().min(1).max(256).optional(),
    unit: z.string().max(64).optional(),
    description: z.string().max(1024).optional(),
    monotonic: z.boolean().optional().describe('sum only; default true'),
    temporality: z
      .enum(['cumulative', 'delta'])
      .optional()
      .describe('sum and histogram; default cumulative'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const issue = (field: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message });
    const histogram = p.type === 'histogram';
    const fields: Record<string, unknown> = p;
    const own = histogram ? ['bounds', 'counts'] : ['value'];
    const foreign = histogram ? ['value', 'monotonic'] : ['bounds', 'counts', 'sum', 'min', 'max'];
    for (const f of own) if (fields[f] === undefined) issue(f, `required for a ${p.type}`);
    for (const f of foreign) if (fields[f] !== undefined) issue(f, `not used by a ${p.type}`);
    if (histogram && p.bounds && p.counts && p.counts.length !== p.bounds.length + 1) {
      issue('counts', `must have one more entry than bounds (${p.bounds.length + 1})`);
    }
  });
export type PushPoint = z.infer<typeof PushPoint>;

/** The most points one push may carry. */
export const MAX_PUSH_POINTS = 10_000;

export const PushRequest = z
  .object({
    points: z.array(PushPoint).min(1).max(MAX_PUSH_POINTS),
  })
  .strict();
export type PushRequest = z.infer<typeof PushRequest>;

export const PushResult = z.object({ accepted: z.number().int() });
export type PushResult = z.infer<typeof PushResult>;
