import type { OpenAPIHono } from '@hono/zod-openapi';
import { listServices, ServiceList } from '../../../query/traces/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { timeRange, TimeRangeQuery } from '../query-params.js';

const servicesRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/services',
  tags: ['services'],
  summary: 'List services',
  description:
    'Every service with spans in the range, with the request rate, error rate and p50/p95/p99 latency of its server and consumer spans.',
  request: { query: z.object(TimeRangeQuery) },
  responses: {
    200: { description: 'the services', content: { 'application/json': { schema: ServiceList } } },
  },
});

export function registerListServices(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(servicesRoute, async (c) => {
    const range = timeRange(deps, c.req.valid('query'));
    const items = await listServices(deps.store, orgOf(c), range, {
      timeoutMs: deps.queryLimits.timeoutMs,
    });
    return c.json({ items }, 200);
  });
}
