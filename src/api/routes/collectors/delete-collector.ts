import type { OpenAPIHono } from '@hono/zod-openapi';
import { changeContext, orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { CollectorParam, NOT_FOUND, TAGS } from './collector-params.js';

const deleteCollector = route('editor', {
  method: 'delete',
  path: '/api/v1/monitoring/collectors/{collectorId}',
  tags: TAGS,
  summary: 'Delete a collector',
  description: 'Scraping stops at once; a scrape in flight is abandoned. Stored metrics stay.',
  request: { params: CollectorParam },
  responses: { 204: { description: 'deleted' }, 404: NOT_FOUND },
});

export function registerDeleteCollector(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(deleteCollector, async (c) => {
    await deps.collectors.delete(orgOf(c), c.req.valid('param').collectorId, changeContext(c));
    return c.body(null, 204);
  });
}
