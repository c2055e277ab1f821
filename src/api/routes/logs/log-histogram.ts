import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  DEFAULT_BUCKETS,
  LogHistogram,
  logHistogram,
  MAX_BUCKETS,
} from '../../../query/logs/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { LogFilterQuery, logFilterInput } from './log-query.js';

const LogHistogramQuery = z.object({
  ...LogFilterQuery,
  step: z
    .string()
    .max(16)
    .optional()
    .openapi({
      description: `bucket width: 30s, 5m, 1h, 1d or seconds. Default: the smallest of 1s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d, 2d, 7d giving at most ${DEFAULT_BUCKETS} buckets; more than ${MAX_BUCKETS} buckets is refused`,
      example: '5m',
    }),
});

const histogram = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/logs/histogram',
  tags: ['logs'],
  summary: 'Count log records per time bucket and severity',
  description:
    'Counts of the records matching the filters (as for the log search) per time bucket, aligned to the Unix epoch in UTC, and severity level. Every bucket of the range is present, empty ones with zeros.',
  request: { query: LogHistogramQuery },
  responses: {
    200: {
      description: 'the buckets, oldest first',
      content: { 'application/json': { schema: LogHistogram } },
    },
  },
});

export function registerLogHistogram(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(histogram, async (c) => {
    const q = c.req.valid('query');
    const result = await logHistogram(
      deps.store,
      orgOf(c),
      { ...logFilterInput(deps, q), step: q.step },
      { timeoutMs: deps.queryLimits.timeoutMs },
    );
    return c.json(result, 200);
  });
}
