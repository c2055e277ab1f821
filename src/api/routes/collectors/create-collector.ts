import type { OpenAPIHono } from '@hono/zod-openapi';
import { collectorInputs } from '../../../collectors/index.js';
import { changeContext, orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { CollectorBody, TAGS } from './collector-params.js';

export function registerCreateCollector(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  // The shortest interval is configuration, so the body schema is built with it.
  const { create } = collectorInputs(deps.collectors.limits);
  const createCollector = route('editor', {
    method: 'post',
    path: '/api/v1/monitoring/collectors',
    tags: TAGS,
    summary: 'Create a collector (scrape job)',
    description:
      'Gridscope scrapes the target (Prometheus text format or OpenMetrics) right away and then every interval, storing the samples as OpenTelemetry metrics.',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: create.openapi('CreateCollector') } },
      },
    },
    responses: {
      201: { description: 'created', content: { 'application/json': { schema: CollectorBody } } },
      404: {
        description: 'no such organization',
        content: { 'application/json': { schema: ErrorBody } },
      },
      409: {
        description: 'the organization has the most collectors allowed',
        content: { 'application/json': { schema: ErrorBody } },
      },
    },
  });
  app.openapi(createCollector, async (c) =>
    c.json(await deps.collectors.create(orgOf(c), c.req.valid('json'), changeContext(c)), 201),
  );
}
