import type { OpenAPIHono } from '@hono/zod-openapi';
import { Organization } from '../../../orgs/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';

const listOrgs = route('platform', {
  method: 'get',
  path: '/api/v1/orgs',
  tags: ['organizations'],
  summary: 'List organizations',
  responses: {
    200: {
      description: 'every organization that is not deleted',
      content: { 'application/json': { schema: z.object({ items: z.array(Organization) }) } },
    },
  },
});

export function registerListOrgs(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listOrgs, async (c) => c.json({ items: await deps.orgs.list() }, 200));
}
