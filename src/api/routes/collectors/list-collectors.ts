import type { OpenAPIHono } from '@hono/zod-openapi';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { CollectorBody, TAGS } from './collector-params.js';

const listCollectors = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/collectors',
  tags: TAGS,
  summary: 'List collectors (scrape jobs)',
  description:
    "The organization's scrape jobs, oldest first, each with the state of its last scrape.",
  responses: {
    200: {
      description: 'the collectors',
      content: { 'application/json': { schema: z.object({ items: z.array(CollectorBody) }) } },
    },
  },
});

export function registerListCollectors(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listCollectors, async (c) =>
    c.json({ items: await deps.collectors.list(orgOf(c)) }, 200),
  );
}
