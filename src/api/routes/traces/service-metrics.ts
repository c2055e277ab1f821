import type { OpenAPIHono } from '@hono/zod-openapi';
import { parseStepSeconds } from '../../../lib/duration.js';
import { serviceMetrics, ServiceMetrics } from '../../../query/traces/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { timeRange, TimeRangeQuery } from '../query-params.js';
import { ServiceParam } from './params.js';

const metricsRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/service-metrics/{service}',
  tags: ['services'],
  summary: "A service's rate, errors and latency over time",
  description:
    "Calls, errors and p50/p95/p99 of the service's server and consumer spans per step (every step present), and the same per operation over the whole range.",
  request: {
    params: ServiceParam,
    query: z.object({
      ...TimeRangeQuery,
      step: z
        .string()
        .max(16)
        .optional()
        .openapi({ description: '30s, 1m, 5m, 1h or seconds; default gives at most 120 steps' }),
    }),
  },
  responses: {
    200: {
      description: 'the series and operations',
      content: { 'application/json': { schema: ServiceMetrics } },
    },
  },
});

export function registerServiceMetrics(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(metricsRoute, async (c) => {
    const q = c.req.valid('query');
    const range = timeRange(deps, q);
    const step = parseStepSeconds(q.step, range.toMs - range.fromMs, {
      targetPoints: 120,
      maxPoints: 2000,
    });
    const result = await serviceMetrics(
      deps.store,
      orgOf(c),
      c.req.valid('param').service,
      range,
      step,
      {
        timeoutMs: deps.queryLimits.timeoutMs,
      },
    );
    return c.json(result, 200);
  });
}
