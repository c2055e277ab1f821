import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiKey } from '../../../auth/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { KeyParams } from './key-params.js';

const getKey = route('admin', {
  method: 'get',
  path: '/api/v1/orgs/{org}/api-keys/{keyId}',
  tags: ['api keys'],
  summary: 'Get an API key',
  request: { params: KeyParams },
  responses: {
    200: {
      description: 'the key (without the key itself)',
      content: { 'application/json': { schema: ApiKey } },
    },
    404: {
      description: 'no such key in this organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerGetKey(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(getKey, async (c) => {
    const { org, keyId } = c.req.valid('param');
    return c.json(await deps.keys.get(org, keyId), 200);
  });
}
