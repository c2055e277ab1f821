import type { OpenAPIHono } from '@hono/zod-openapi';
import { collectorInputs } from '../../../collectors/index.js';
import { changeContext, orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { CollectorBody, CollectorParam, NOT_FOUND, TAGS } from './collector-params.js';

export function registerUpdateCollector(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { update } = collectorInputs(deps.collectors.limits);
  const updateCollector = route('editor', {
    method: 'patch',
    path: '/api/v1/monitoring/collectors/{collectorId}',
    tags: TAGS,
    summary: 'Change a collector',
    description:
      'Changes the fields given; `labels` replaces every label, `timeoutMs: null` returns to the default. A new url is scraped right away.',
    request: {
      params: CollectorParam,
      body: {
        required: true,
        content: { 'application/json': { schema: update.openapi('UpdateCollector') } },
      },
    },
    responses: {
      200: { description: 'updated', content: { 'application/json': { schema: CollectorBody } } },
      404: NOT_FOUND,
    },
  });
  app.openapi(updateCollector, async (c) =>
    c.json(
      await deps.collectors.update(
        orgOf(c),
        c.req.valid('param').collectorId,
        c.req.valid('json'),
        changeContext(c),
      ),
      200,
    ),
  );
}
