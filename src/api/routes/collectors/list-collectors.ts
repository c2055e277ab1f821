import type { OpenAPIHono } from '@hono/zod-openapi';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { ListPageQuery, listPage, oldestFirst, pageOf } from '../list-page.js';
import { CollectorBody, TAGS } from './collector-params.js';

const listCollectors = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/collectors',
  tags: TAGS,
  summary: 'List collectors (scrape jobs)',
  description:
    "The organization's scrape jobs, oldest first, each with the state of its last scrape.",
  request: { query: ListPageQuery },
  responses: {
    200: {
      description: 'one page of collectors',
      content: { 'application/json': { schema: listPage(CollectorBody) } },
    },
  },
});

export function registerListCollectors(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listCollectors, async (c) => {
    const org = orgOf(c);
    const all = await deps.collectors.list(org);
    return c.json(pageOf(`collectors:${org}`, all, oldestFirst, c.req.valid('query')), 200);
  });
}
