import type { OpenAPIHono } from '@hono/zod-openapi';
import { getTrace, Span, Trace } from '../../../query/traces/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { ErrorBody, route, z } from '../../route.js';
import { TraceIdParam } from './params.js';

/** The most spans one answer carries; a larger trace is cut and marked truncated. */
export const MAX_TRACE_SPANS = 10_000;

const notFound = {
  description: 'no such trace',
  content: { 'application/json': { schema: ErrorBody } },
};

const traceRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/traces/{traceId}',
  tags: ['traces'],
  summary: 'Get a trace',
  description:
    'Every span (up to 10,000) with parents, events and links, in waterfall order with depth and offset.',
  request: { params: TraceIdParam },
  responses: {
    200: { description: 'the trace', content: { 'application/json': { schema: Trace } } },
    404: notFound,
  },
});

const spansRoute = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/traces/{traceId}/spans',
  tags: ['traces'],
  summary: "A trace's spans",
  request: { params: TraceIdParam },
  responses: {
    200: {
      description: 'the spans, in waterfall order',
      content: {
        'application/json': { schema: z.object({ items: z.array(Span), truncated: z.boolean() }) },
      },
    },
    404: notFound,
  },
});

export function registerGetTrace(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const load = (org: string, traceId: string) =>
    getTrace(deps.store, org, traceId, MAX_TRACE_SPANS, { timeoutMs: deps.queryLimits.timeoutMs });
  app.openapi(traceRoute, async (c) =>
    c.json(await load(orgOf(c), c.req.valid('param').traceId), 200),
  );
  app.openapi(spansRoute, async (c) => {
    const t = await load(orgOf(c), c.req.valid('param').traceId);
    return c.json({ items: t.spans, truncated: t.truncated }, 200);
  });
}
