import type { OpenAPIHono } from '@hono/zod-openapi';
import { Organization } from '../../../orgs/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { ListPageQuery, listPage, oldestFirst, pageOf } from '../list-page.js';

const listOrgs = route('platform', {
  method: 'get',
  path: '/api/v1/orgs',
  tags: ['organizations'],
  summary: 'List organizations',
  description: 'Organizations that are not deleted, oldest first.',
  request: { query: ListPageQuery },
  responses: {
    200: {
      description: 'one page of organizations',
      content: { 'application/json': { schema: listPage(Organization) } },
    },
  },
});

export function registerListOrgs(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listOrgs, async (c) =>
    c.json(pageOf('orgs', await deps.orgs.list(), oldestFirst, c.req.valid('query')), 200),
  );
}
