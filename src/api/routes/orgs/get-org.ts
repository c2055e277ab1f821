import type { OpenAPIHono } from '@hono/zod-openapi';
import { Organization } from '../../../orgs/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { OrgParam } from './org-param.js';

const getOrg = route('admin', {
  method: 'get',
  path: '/api/v1/orgs/{org}',
  tags: ['organizations'],
  summary: 'Get an organization',
  request: { params: OrgParam },
  responses: {
    200: {
      description: 'the organization',
      content: { 'application/json': { schema: Organization } },
    },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerGetOrg(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(getOrg, async (c) => c.json(await deps.orgs.get(c.req.valid('param').org), 200));
}
