import type { OpenAPIHono } from '@hono/zod-openapi';
import { changeContext, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { OrgParam } from './org-param.js';

const deleteOrg = route('platform', {
  method: 'delete',
  path: '/api/v1/orgs/{org}',
  tags: ['organizations'],
  summary: 'Delete an organization',
  description:
    'Its keys stop working at once and it leaves the list; its data stays in its database.',
  request: { params: OrgParam },
  responses: {
    204: { description: 'deleted' },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
    409: {
      description: 'a configured organization (default, ingest tokens) cannot be deleted',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerDeleteOrg(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(deleteOrg, async (c) => {
    await deps.orgs.delete(c.req.valid('param').org, changeContext(c));
    return c.body(null, 204);
  });
}
