import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  listMetricLabels,
  MAX_LABELS,
  MetricLabels,
  parseAttributeKey,
} from '../../../query/metrics/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route, z } from '../../route.js';
import { attributeFilters, AttrQuery, timeRange, TimeRangeQuery } from '../query-params.js';
import { MetricParam, readOptions, ServiceParam } from './metric-params.js';

const LabelsQuery = z.object({
  ...TimeRangeQuery,
  metric: MetricParam,
  key: z.string().max(300).optional().openapi({
    description: 'list the values of this key (resource.KEY for a resource attribute)',
  }),
  service: ServiceParam,
  attr: AttrQuery,
  limit: z.coerce.number().int().min(1).max(MAX_LABELS).default(100),
});

const listLabels = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/metrics/labels',
  tags: ['metrics'],
  summary: 'Attribute keys or values of a metric',
  description:
    "The attribute keys of the metric's points in the range (resource attributes as resource.KEY), or with `key` that key's values.",
  request: { query: LabelsQuery },
  responses: {
    200: {
      description: 'the keys or values',
      content: { 'application/json': { schema: MetricLabels.openapi('MetricLabels') } },
    },
  },
});

export function registerListMetricLabels(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listLabels, async (c) => {
    const q = c.req.valid('query');
    const req = {
      metric: q.metric,
      range: timeRange(deps, q),
      service: q.service,
      attributes: attributeFilters(q.attr),
      key: q.key === undefined ? undefined : parseAttributeKey(q.key, 'key'),
      limit: q.limit,
    };
    return c.json(await listMetricLabels(deps.store, orgOf(c), req, readOptions(deps)), 200);
  });
}
