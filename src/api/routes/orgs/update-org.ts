import type { OpenAPIHono } from '@hono/zod-openapi';
import { Organization, UpdateOrganization } from '../../../orgs/index.js';
import { changeContext, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { OrgParam } from './org-param.js';

const updateOrg = route('platform', {
  method: 'patch',
  path: '/api/v1/orgs/{org}',
  tags: ['organizations'],
  summary: 'Rename an organization',
  request: {
    params: OrgParam,
    body: { required: true, content: { 'application/json': { schema: UpdateOrganization } } },
  },
  responses: {
    200: { description: 'updated', content: { 'application/json': { schema: Organization } } },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerUpdateOrg(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(updateOrg, async (c) =>
    c.json(
      await deps.orgs.update(c.req.valid('param').org, c.req.valid('json'), changeContext(c)),
      200,
    ),
  );
}
