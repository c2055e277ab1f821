import type { OpenAPIHono } from '@hono/zod-openapi';
import { dashboard, Dashboard } from '../../../query/dashboard/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { timeRange, TimeRangeQuery } from '../query-params.js';

const dashboardRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/dashboard',
  tags: ['monitoring'],
  summary: 'Home-screen overview',
  description:
    'Ingest rates per signal over the last five minutes, the five services with the highest error rate and the highest p95 latency over the range (default: the last hour), and the ten newest error logs in it.',
  request: { query: z.object(TimeRangeQuery) },
  responses: {
    200: { description: 'the overview', content: { 'application/json': { schema: Dashboard } } },
  },
});

export function registerDashboard(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(dashboardRoute, async (c) => {
    const range = timeRange(deps, c.req.valid('query'));
    const result = await dashboard(deps.store, orgOf(c), range, deps.clock.now(), {
      timeoutMs: deps.queryLimits.timeoutMs,
    });
    return c.json(result, 200);
  });
}
