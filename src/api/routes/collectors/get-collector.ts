import type { OpenAPIHono } from '@hono/zod-openapi';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { CollectorBody, CollectorParam, NOT_FOUND, TAGS } from './collector-params.js';

const getCollector = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/collectors/{collectorId}',
  tags: TAGS,
  summary: 'Get a collector',
  description: 'The definition and the state of its last scrape (time, duration, samples, error).',
  request: { params: CollectorParam },
  responses: {
    200: {
      description: 'the collector',
      content: { 'application/json': { schema: CollectorBody } },
    },
    404: NOT_FOUND,
  },
});

export function registerGetCollector(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(getCollector, async (c) =>
    c.json(await deps.collectors.get(orgOf(c), c.req.valid('param').collectorId), 200),
  );
}
