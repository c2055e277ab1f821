import type { OpenAPIHono } from '@hono/zod-openapi';
import { parseDurationNanos } from '../../../lib/duration.js';
import { fieldError } from '../../../lib/errors.js';
import { searchTraces, TraceSearchResult } from '../../../query/traces/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import {
  AttrQuery,
  attributeFilters,
  repeated,
  timeRange,
  TimeRangeQuery,
} from '../query-params.js';
import { checkServiceNames, NameText } from './params.js';

const Query = z.object({
  ...TimeRangeQuery,
  service: repeated('service name (ServiceName), repeatable'),
  spanName: NameText.optional().openapi({ description: 'exact span name (operation)' }),
  minDuration: z
    .string()
    .max(32)
    .optional()
    .openapi({ description: 'a span lasting at least this: 250ms, 1.5s, 2m' }),
  maxDuration: z
    .string()
    .max(32)
    .optional()
    .openapi({ description: 'a span lasting at most this' }),
  status: z
    .enum(['unset', 'ok', 'error'])
    .optional()
    .openapi({ description: 'a span with this status' }),
  attr: AttrQuery,
  limit: z.coerce.number().int().min(1).max(500).default(20),
  cursor: z.string().max(500).optional(),
});

const searchRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/traces',
  tags: ['traces'],
  summary: 'Search traces',
  description:
    'Traces with at least one span matching every condition, newest first, each summarized over all its spans (root service and span, services, span count, errors, duration).',
  request: { query: Query },
  responses: {
    200: {
      description: 'trace summaries',
      content: { 'application/json': { schema: TraceSearchResult } },
    },
  },
});

export function registerSearchTraces(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(searchRoute, async (c) => {
    const q = c.req.valid('query');
    checkServiceNames(q.service);
    const range = timeRange(deps, q);
    const minDurationNs =
      q.minDuration === undefined ? undefined : parseDurationNanos(q.minDuration, 'minDuration');
    const maxDurationNs =
      q.maxDuration === undefined ? undefined : parseDurationNanos(q.maxDuration, 'maxDuration');
    if (minDurationNs !== undefined && maxDurationNs !== undefined && maxDurationNs < minDurationNs)
      throw fieldError('maxDuration', 'must not be less than minDuration', 'query');
    const result = await searchTraces(
      deps.store,
      orgOf(c),
      {
        ...range,
        services: q.service,
        spanName: q.spanName,
        minDurationNs,
        maxDurationNs,
        status: q.status,
        attributes: attributeFilters(q.attr),
        limit: q.limit,
        cursor: q.cursor,
      },
      { timeoutMs: deps.queryLimits.timeoutMs },
    );
    return c.json(result, 200);
  });
}
