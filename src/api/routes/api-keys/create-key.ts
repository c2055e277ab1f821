import type { OpenAPIHono } from '@hono/zod-openapi';
import { CreateApiKey, CreatedApiKey } from '../../../auth/index.js';
import { changeContext, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';
import { OrgParam } from '../orgs/org-param.js';

const createKey = route('admin', {
  method: 'post',
  path: '/api/v1/orgs/{org}/api-keys',
  tags: ['api keys'],
  summary: 'Create an API key',
  description:
    'The response carries the key itself; it is stored only as a SHA-256 digest and cannot be shown again. Ingest keys are accepted by the OTLP receiver.',
  request: {
    params: OrgParam,
    body: { required: true, content: { 'application/json': { schema: CreateApiKey } } },
  },
  responses: {
    201: { description: 'created', content: { 'application/json': { schema: CreatedApiKey } } },
    404: {
      description: 'no such organization',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerCreateKey(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createKey, async (c) => {
    const created = await deps.keys.create(
      c.req.valid('param').org,
      c.req.valid('json'),
      changeContext(c),
    );
    c.header('cache-control', 'no-store');
    return c.json(created, 201);
  });
}
