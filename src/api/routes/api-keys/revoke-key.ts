import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiKey } from '../../../auth/index.js';
import { changeContext, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { KeyParams } from './key-params.js';

const revokeKey = route('admin', {
  method: 'delete',
  path: '/api/v1/orgs/{org}/api-keys/{keyId}',
  tags: ['api keys'],
  summary: 'Revoke an API key',
  description: 'The key stops working at once; it stays listed with its revocation time.',
  request: { params: KeyParams },
  responses: {
    200: { description: 'revoked', content: { 'application/json': { schema: ApiKey } } },
    404: {
      description: 'no such key in this organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerRevokeKey(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(revokeKey, async (c) => {
    const { org, keyId } = c.req.valid('param');
    return c.json(await deps.keys.revoke(org, keyId, changeContext(c)), 200);
  });
}
