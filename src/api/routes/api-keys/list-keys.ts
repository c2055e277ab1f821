import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiKey } from '../../../auth/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route, z } from '../../route.js';
import { OrgParam } from '../orgs/org-param.js';

const listKeys = route('admin', {
  method: 'get',
  path: '/api/v1/orgs/{org}/api-keys',
  tags: ['api keys'],
  summary: "List an organization's API keys",
  description: 'Revoked keys are listed too, with their revocation time. Keys are never shown.',
  request: { params: OrgParam },
  responses: {
    200: {
      description: 'the keys',
      content: { 'application/json': { schema: z.object({ items: z.array(ApiKey) }) } },
    },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerListKeys(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listKeys, async (c) =>
    c.json({ items: await deps.keys.list(c.req.valid('param').org) }, 200),
  );
}
