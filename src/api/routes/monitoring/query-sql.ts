import type { OpenAPIHono } from '@hono/zod-openapi';
import { MAX_SQL_LENGTH } from '../../../store/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';

/**
 * A number whose digits a JSON number keeps: one past ±2^53 may have lost some on the way
 * (and the client cannot bind it), so it is given as a string, which any type reads.
 */
const JsonNumber = z
  .number()
  .refine(
    (n) => !Number.isInteger(n) || Number.isSafeInteger(n),
    'a whole number past ±2^53 may have lost digits in JSON; give it as a string ("1e21", "9007199254740993")',
  );
const Scalar = z.union([z.string().max(10_000), JsonNumber, z.boolean()]);

const SqlRequest = z
  .object({
    sql: z.string().min(1).max(MAX_SQL_LENGTH).openapi({
      example:
        'SELECT ServiceName, count() AS n FROM otel_logs WHERE Timestamp > now() - INTERVAL 1 HOUR AND SeverityText = {level:String} GROUP BY ServiceName',
    }),
    params: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameter names are letters, digits and _'),
        z.union([Scalar, z.array(Scalar).max(10_000)]),
      )
      .default({})
      .openapi({
        description: 'values for {name:Type} placeholders in sql',
        example: { level: 'ERROR' },
      }),
  })
  .strict()
  .openapi('SqlRequest');

const SqlResult = z
  .object({
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.record(z.string(), z.unknown())),
    rowCount: z.number().int(),
    elapsedMs: z.number(),
  })
  .openapi('SqlResult');

const sqlRoute = route('viewer', {
  method: 'post',
  path: '/api/v1/monitoring/query/sql',
  tags: ['query'],
  summary: 'Run read-only SQL',
  description:
    "One SELECT over the organization's tables (otel_traces, otel_logs, otel_metrics_*, ...; name them without a database), with {name:Type} parameters bound from `params`. Other statements, other databases, table functions, SETTINGS, FORMAT and INTO OUTFILE are refused. The statement is stopped after --query-timeout-ms, and answers are limited to --sql-max-rows and --sql-max-result-bytes, and the engine's memory for it to --sql-max-memory-bytes (413 LIMIT_EXCEEDED beyond them).",
  request: { body: { required: true, content: { 'application/json': { schema: SqlRequest } } } },
  responses: {
    200: { description: 'the result', content: { 'application/json': { schema: SqlResult } } },
  },
});

export function registerQuerySql(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(sqlRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await deps.store.runUserSql(orgOf(c), body.sql, body.params, {
      timeoutMs: deps.queryLimits.timeoutMs,
      maxRows: deps.queryLimits.sqlMaxRows,
      maxBytes: deps.queryLimits.sqlMaxBytes,
      maxMemoryBytes: deps.queryLimits.sqlMaxMemoryBytes,
    });
    return c.json(result, 200);
  });
}
