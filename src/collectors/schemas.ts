import { z } from 'zod';
import { DisplayName } from '../orgs/schemas.js';
import { isNameText, nameRule } from '../query/attribute-filter.js';

/** Collector ids: `col_` and 16 hex digits. */
export const COLLECTOR_ID = /^col_[0-9a-f]{16}$/;

export const CollectorId = z.string().regex(COLLECTOR_ID, 'not a collector id');

/** A Prometheus label name; names starting with `__` are reserved by Prometheus. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The longest and shortest scrape interval; the shortest is configurable (--collector-min-interval-ms). */
export interface IntervalLimits {
  minIntervalMs: number;
  maxIntervalMs: number;
}

export const DEFAULT_INTERVAL_LIMITS: IntervalLimits = {
  minIntervalMs: 5_000,
  maxIntervalMs: 3_600_000,
};

/** A scrape's timeout when none is set: 10 s, or the interval when that is shorter. */
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MIN_TIMEOUT_MS = 100;
export const MAX_LABELS = 32;

/** The timeout a job runs with. */
export function effectiveTimeoutMs(intervalMs: number, timeoutMs: number | null): number {
  return timeoutMs ?? Math.min(DEFAULT_TIMEOUT_MS, intervalMs);
}

const TargetUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048)
  .refine((u) => {
    // Zod runs this after a failed URL check too; that one has already said why.
    if (!URL.canParse(u)) return true;
    const url = new URL(u);
    return url.username === '' && url.password === '';
  }, 'must not carry credentials')
  .describe('the target serving the Prometheus text format or OpenMetrics text');

const Labels = z
  .record(
    z
      .string()
      .regex(LABEL_NAME, 'label names are letters, digits and _, not starting with a digit')
      .refine((k) => !k.startsWith('__'), 'label names starting with __ are reserved'),
    z
      .string()
      .min(1, 'an empty value is no label (as in Prometheus): leave the label out')
      .max(1024),
  )
  .refine((l) => Object.keys(l).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`)
  .describe('added to every scraped point as attributes');

/** The scraped metrics' service.name, so a name every read takes as a service. */
const Name = DisplayName.refine(
  (s) => isNameText(s),
  `must be a service name (${nameRule()})`,
).describe('service.name of the scraped metrics');

/** A collector as the API shows it. Times are RFC 3339. */
export const CollectorStatus = z.object({
  lastScrapeAt: z.iso.datetime().nullable().describe('start of the last scrape, null before one'),
  lastSuccessAt: z.iso.datetime().nullable().describe('start of the last scrape without error'),
  durationMs: z
    .number()
    .int()
    .nullable()
    .describe('the last scrape, from the request until its points were stored'),
  samples: z.number().int().nullable().describe('samples in the last scrape'),
  error: z.string().nullable().describe("the last scrape's error; null when it succeeded"),
});
export type CollectorStatus = z.infer<typeof CollectorStatus>;

export const Collector = z.object({
  id: CollectorId,
  name: z.string(),
  url: z.string(),
  intervalMs: z.number().int(),
  timeoutMs: z
    .number()
    .int()
    .nullable()
    .describe('null: the default, 10 s or the interval if that is shorter'),
  labels: z.record(z.string(), z.string()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  createdBy: z.string(),
  status: CollectorStatus,
});
export type Collector = z.infer<typeof Collector>;

/** The schemas of a new collector and of a change, for the configured interval limits. */
export function collectorInputs(limits: IntervalLimits) {
  const interval = z
    .number()
    .int()
    .min(limits.minIntervalMs)
    .max(limits.maxIntervalMs)
    .describe('milliseconds between scrapes');
  const timeout = z.number().int().min(MIN_TIMEOUT_MS).describe('milliseconds; at most intervalMs');
  const create = z
    .object({
      url: TargetUrl,
      intervalMs: interval,
      timeoutMs: timeout.optional(),
      labels: Labels.default({}),
      name: Name.optional().describe(
        'service.name of the scraped metrics; default: the label job, else the host:port of the url',
      ),
    })
    .strict()
    .superRefine((c, ctx) => {
      if (c.timeoutMs !== undefined && c.timeoutMs > c.intervalMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeoutMs'],
          message: 'must be at most intervalMs',
        });
      }
    });
  const update = z
    .object({
      url: TargetUrl.optional(),
      intervalMs: interval.optional(),
      timeoutMs: timeout.nullable().optional().describe('null returns to the default'),
      labels: Labels.optional().describe('replaces every label'),
      name: Name.optional(),
    })
    .strict()
    .refine((u) => Object.values(u).some((v) => v !== undefined), {
      message: 'nothing to change',
      // Said only of a body with nothing else wrong: an unknown field says enough.
      when: (payload) => payload.issues.length === 0,
    });
  return { create, update };
}

type Inputs = ReturnType<typeof collectorInputs>;
export type CreateCollector = z.infer<Inputs['create']>;
export type UpdateCollector = z.infer<Inputs['update']>;
