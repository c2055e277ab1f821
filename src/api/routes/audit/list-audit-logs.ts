import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RouteRole } from '../../../auth/index.js';
import { AuditEntry } from '../../../audit/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { AuditQuery, auditExport, auditPage, toCsv, toJsonLines } from './audit-query.js';

const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });

function listRoute(role: RouteRole, path: string, summary: string) {
  return route(role, {
    method: 'get',
    path,
    tags: ['audit'],
    summary,
    description:
      'Newest first, paginated with `cursor`. `format=jsonl` or `format=csv` exports every matching entry instead.',
    request: { query: AuditQuery },
    responses: {
      200: {
        description: 'entries',
        content: {
          'application/json': { schema: AuditPage },
          'application/x-ndjson': { schema: z.string() },
          'text/csv': { schema: z.string() },
        },
      },
    },
  });
}

const orgList = listRoute(
  'admin',
  '/api/v1/monitoring/audit-logs',
  "The organization's audit trail",
);
const platformList = listRoute(
  'platform',
  '/api/v1/platform/audit-logs',
  "The platform's audit trail (organizations, platform keys)",
);

export function registerListAuditLogs(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  for (const r of [orgList, platformList]) {
    app.openapi(r, async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('org');
      const now = deps.clock.now();
      if (q.format === 'json') return c.json(await auditPage(deps.audit, scope, q, now), 200);
      const rows = await auditExport(deps.audit, scope, q, now);
      const csv = q.format === 'csv';
      const name = `audit-${scope ?? 'platform'}.${csv ? 'csv' : 'jsonl'}`;
      return c.body(csv ? toCsv(rows) : toJsonLines(rows), 200, {
        'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="${name}"`,
      });
    });
  }
}
