import type { OpenAPIHono } from '@hono/zod-openapi';
import { listMetricNames, MAX_NAMES_PAGE, MetricNames } from '../../../query/metrics/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { timeRange, TimeRangeQuery } from '../query-params.js';
import { FilterText, readOptions, ServiceParam } from './metric-params.js';

const NamesQuery = z.object({
  ...TimeRangeQuery,
  service: ServiceParam,
  q: FilterText(256).optional().openapi({ description: 'a substring of the name (any case)' }),
  limit: z.coerce.number().int().min(1).max(MAX_NAMES_PAGE).default(1000),
  cursor: z.string().max(2000).optional(),
});

const listNames = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/metrics/names',
  tags: ['metrics'],
  summary: 'Metric names',
  description:
    'Every metric with points in the range, by name then type, with its unit, description and services.',
  request: { query: NamesQuery },
  responses: {
    200: {
      description: 'the metrics',
      content: { 'application/json': { schema: MetricNames.openapi('MetricNames') } },
    },
  },
});

export function registerListMetricNames(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listNames, async (c) => {
    const q = c.req.valid('query');
    const req = { ...q, range: timeRange(deps, q) };
    return c.json(await listMetricNames(deps.store, orgOf(c), req, readOptions(deps)), 200);
  });
}
