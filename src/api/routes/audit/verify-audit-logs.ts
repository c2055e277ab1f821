import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RouteRole } from '../../../auth/index.js';
import { VerifyResult } from '../../../audit/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';

function verifyRoute(role: RouteRole, path: string, summary: string) {
  return route(role, {
    method: 'get',
    path,
    tags: ['audit'],
    summary,
    description:
      "Recomputes every entry's hash and link from the oldest kept entry and reports the first that does not match.",
    responses: {
      200: { description: 'the result', content: { 'application/json': { schema: VerifyResult } } },
    },
  });
}

const orgVerify = verifyRoute(
  'admin',
  '/api/v1/monitoring/audit-logs/verify',
  "Verify the organization's audit chain",
);
const platformVerify = verifyRoute(
  'platform',
  '/api/v1/platform/audit-logs/verify',
  "Verify the platform's audit chain",
);

export function registerVerifyAuditLogs(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  for (const r of [orgVerify, platformVerify]) {
    app.openapi(r, async (c) => c.json(await deps.audit.verify(c.get('org')), 200));
  }
}
