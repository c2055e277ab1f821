import type { OpenAPIHono } from '@hono/zod-openapi';
import { querySeries, SeriesResult } from '../../../query/metrics/index.js';
import { orgOf, type ApiDeps } from '../../deps.js';
import type { ApiEnv } from '../../env.js';
import { route } from '../../route.js';
import { readOptions, SeriesBody, SeriesQuery, seriesRequest } from './metric-params.js';

const DESCRIPTION =
  "A metric's values per step and group. Gauges: the step's sum, avg, min, max or count of values. Sums: rate and increase per series, with counter resets (a lower value or a new start time) counting from 0 and delta points as increments, then summed per group; or the stored values' sum, avg, min, max, count. Histograms: quantiles interpolated as Prometheus does over the step's observations, and count, sum, avg, rate, increase of observations. Summaries: count, sum, avg, rate, increase of observations, and the mean of the values their points report for a quantile.";

const ok = {
  200: {
    description: 'the series',
    content: { 'application/json': { schema: SeriesResult.openapi('MetricSeries') } },
  },
};

const getSeries = route('viewer', {
  method: 'get',
  path: '/api/v1/monitoring/metrics',
  tags: ['metrics'],
  summary: "A metric's series (query parameters)",
  description: DESCRIPTION,
  request: { query: SeriesQuery },
  responses: ok,
});

const postSeries = route('viewer', {
  method: 'post',
  path: '/api/v1/monitoring/metrics/query',
  tags: ['metrics'],
  summary: "A metric's series (JSON body)",
  description: DESCRIPTION,
  request: { body: { required: true, content: { 'application/json': { schema: SeriesBody } } } },
  responses: ok,
});

/** GET /metrics and POST /metrics/query: one query, as parameters or as a body. */
export function registerQueryMetrics(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(getSeries, async (c) => {
    const req = seriesRequest(deps, c.req.valid('query'));
    return c.json(
      await querySeries(deps.metricTypes, deps.store, orgOf(c), req, readOptions(deps)),
      200,
    );
  });
  app.openapi(postSeries, async (c) => {
    const req = seriesRequest(deps, c.req.valid('json'));
    return c.json(
      await querySeries(deps.metricTypes, deps.store, orgOf(c), req, readOptions(deps)),
      200,
    );
  });
}
