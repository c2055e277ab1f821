import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiKey } from '../../../auth/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { ListPageQuery, listPage, oldestFirst, pageOf } from '../list-page.js';
import { OrgParam } from '../orgs/org-param.js';

const listKeys = route('admin', {
  method: 'get',
  path: '/api/v1/orgs/{org}/api-keys',
  tags: ['api keys'],
  summary: "List an organization's API keys",
  description:
    "Oldest first. Revoked keys are listed too, with their revocation time; a deleted organization's keys too. Keys are never shown.",
  request: { params: OrgParam, query: ListPageQuery },
  responses: {
    200: {
      description: 'one page of keys',
      content: { 'application/json': { schema: listPage(ApiKey) } },
    },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerListKeys(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listKeys, async (c) => {
    const org = c.req.valid('param').org;
    const keys = await deps.keys.list(org);
    // A cursor names its organization's list: another's would skip keys of this one.
    return c.json(pageOf(`api-keys:${org}`, keys, oldestFirst, c.req.valid('query')), 200);
  });
}
