import type { OpenAPIHono } from '@hono/zod-openapi';
import { CreateOrganization, Organization } from '../../../orgs/index.js';
import { changeContext, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route } from '../../route.js';

const createOrg = route('platform', {
  method: 'post',
  path: '/api/v1/orgs',
  tags: ['organizations'],
  summary: 'Create an organization',
  description: 'Creates the organization and its database. Ids are never reused.',
  request: {
    body: { required: true, content: { 'application/json': { schema: CreateOrganization } } },
  },
  responses: {
    201: { description: 'created', content: { 'application/json': { schema: Organization } } },
    409: {
      description: 'the id exists or existed',
      content: { 'application/json': { schema: ErrorBody } },
    },
  },
});

export function registerCreateOrg(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createOrg, async (c) =>
    c.json(await deps.orgs.create(c.req.valid('json'), changeContext(c)), 201),
  );
}
