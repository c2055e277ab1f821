import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';

const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    uptimeSeconds: z.number(),
    store: z.object({
      ok: z.boolean(),
      kind: z.enum(['embedded', 'server']),
      error: z.string().nullable(),
    }),
    migrations: z.object({ done: z.boolean() }),
    ingestQueue: z.object({
      bytes: z.number().int(),
      maxBytes: z.number().int(),
      utilization: z.number(),
    }),
  })
  .openapi('HealthReport');

const healthCheck = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/health-check',
  tags: ['monitoring'],
  summary: "Gridscope's own health",
  description: 'Store reachability, migrations, ingest queue use and version.',
  responses: {
    200: { description: 'the report', content: { 'application/json': { schema: HealthReport } } },
  },
});

export function registerHealthCheck(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(healthCheck, async (c) => c.json(await deps.health(), 200));
}
