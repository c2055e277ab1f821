import type { OpenAPIHono } from '@hono/zod-openapi';
import { serviceMap, ServiceMap } from '../../../query/traces/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { timeRange, TimeRangeQuery } from '../query-params.js';

const mapRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/services/map',
  tags: ['services'],
  summary: 'Service dependency map',
  description:
    "Calls between services in the range: a span whose parent belongs to another service is a call from the parent's service (caller) to its own (callee), counted in the minute the span starts; errors and p95 (within 1%) are the callee spans'. Minutes are rolled up in the background once --service-map-delay-ms has passed; spans arriving later for them count once they are rolled up again, within about a minute.",
  request: { query: z.object(TimeRangeQuery) },
  responses: {
    200: {
      description: 'nodes and edges',
      content: { 'application/json': { schema: ServiceMap } },
    },
  },
});

export function registerServiceMap(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(mapRoute, async (c) => {
    const range = timeRange(deps, c.req.valid('query'));
    return c.json(
      await serviceMap(deps.store, orgOf(c), range, { timeoutMs: deps.queryLimits.timeoutMs }),
      200,
    );
  });
}
