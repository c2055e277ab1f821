import {
  isNameText,
  nameRule,
  parseAttributeFilters,
  type AttributeFilter,
} from '../../query/attribute-filter.js';
import { parseTimeRange, type TimeRange } from '../../lib/time-range.js';
import type { ApiDeps } from '../deps.js';
import { z } from '../route.js';

/** `from` and `to` of a read: RFC 3339, Unix milliseconds or now-relative. */
export const TimeRangeQuery = {
  from: z.string().max(64).optional().openapi({
    description: 'start: RFC 3339, Unix ms, or now-1h (default: one hour before `to`)',
  }),
  to: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: 'end: RFC 3339, Unix ms, or now (default: now)' }),
};

/** A query parameter that may be repeated (`?attr=a&attr=b`); always an array after parsing. */
export function repeated(description: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .openapi({ description });
}

/** The `attr` filters: `key=value`, `key!=value`, `key~=substring`, `key`; `resource.` for resource attributes. */
export const AttrQuery = repeated(
  'attribute filter, repeatable: key=value, key!=value, key~=substring (case-insensitive) or key (present); prefix resource. for resource attributes',
);

/** The time range of a request, checked against the configured longest range. */
export function timeRange(
  deps: ApiDeps,
  q: { from?: string | undefined; to?: string | undefined },
  defaultSpanMs = 3_600_000,
): TimeRange {
  return parseTimeRange(q.from, q.to, {
    nowMs: deps.clock.now(),
    defaultSpanMs,
    maxSpanMs: deps.queryLimits.maxRangeMs,
  });
}

/** Parsed attribute filters of the `attr` parameter. */
export function attributeFilters(values: readonly string[]): AttributeFilter[] {
  return parseAttributeFilters(values, 'attr');
}

/** Why a text is refused as a service name. */
export const NOT_A_SERVICE = `must be a service name (${nameRule()})`;

/** A service name in a filter or a path: what any route takes as one (isNameText). */
export const ServiceNameText = z.string().refine((s) => isNameText(s), NOT_A_SERVICE);
