import type { OpenAPIHono } from '@hono/zod-openapi';
import { jsonToProtobuf } from '../../../ingest/otlp/decode.js';
import { metricsToRows } from '../../../ingest/otlp/metrics-rows.js';
import {
  pushPoints,
  PushRequest,
  PushResult,
  type MetricsConverter,
} from '../../../query/metrics/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';

/** The OTLP receiver's own path from OTLP/JSON to rows, so pushed points are stored alike. */
const otlpRows: MetricsConverter = (json) => metricsToRows(jsonToProtobuf('metrics', json));

const push = route('ingest', {
  method: 'post',
  path: '/api/v1/monitoring/metrics',
  tags: ['metrics'],
  summary: 'Push metric points as plain JSON',
  description:
    'For senders without OTLP: gauge and sum points (`value`) and explicit-bucket histogram points (`bounds`, `counts`, optionally `sum`, `min`, `max`), stored as OTLP points are. Up to 10,000 points; any invalid point, or one older than the metrics retention, refuses the whole request, naming it (`points.3.value`).',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: PushRequest.openapi('MetricPush') } },
    },
  },
  responses: {
    200: {
      description: 'all points stored',
      content: { 'application/json': { schema: PushResult } },
    },
  },
});

export function registerPushMetricPoints(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(push, async (c) => {
    const { points } = c.req.valid('json');
    const pushed = await pushPoints(deps.store, orgOf(c), points, otlpRows, {
      nowMs: deps.clock.now(),
      retentionDays: deps.metricsRetentionDays,
    });
    return c.json(pushed, 200);
  });
}
