import type { OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_LOG_PAGE, LogPage, MAX_LOG_PAGE, searchLogs } from '../../../query/logs/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { LogFilterQuery, logFilterInput } from './log-query.js';

const ListLogsQuery = z.object({
  ...LogFilterQuery,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LOG_PAGE)
    .default(DEFAULT_LOG_PAGE)
    .openapi({ description: `records per page, 1 to ${MAX_LOG_PAGE}` }),
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: '`nextCursor` of the previous page' }),
});

const listLogs = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/logs',
  tags: ['logs'],
  summary: 'Search log records',
  description:
    'Log records of the time range (default: the last hour) matching every filter given, newest first, paginated with `cursor`. Records with equal timestamps keep one order across pages.',
  request: { query: ListLogsQuery },
  responses: {
    200: {
      description: 'one page of records',
      content: { 'application/json': { schema: LogPage } },
    },
  },
});

export function registerListLogs(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listLogs, async (c) => {
    const q = c.req.valid('query');
    const page = await searchLogs(
      deps.store,
      orgOf(c),
      {
        ...logFilterInput(deps, q),
        limit: q.limit,
        cursor: q.cursor,
        maxBytes: deps.queryLimits.logsMaxPageBytes,
      },
      { timeoutMs: deps.queryLimits.timeoutMs },
    );
    return c.json(page, 200);
  });
}
