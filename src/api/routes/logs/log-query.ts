import {
  MAX_SERVICE_LENGTH,
  MAX_TEXT_LENGTH,
  type LogFilterInput,
} from '../../../query/logs/index.js';
import { nameRule } from '../../../query/attribute-filter.js';
import type { ApiDeps } from '../../deps.js';
import { z } from '../../route.js';
import {
  AttrQuery,
  attributeFilters,
  repeated,
  timeRange,
  TimeRangeQuery,
} from '../query-params.js';

/** The filter parameters both log reads take. */
export const LogFilterQuery = {
  ...TimeRangeQuery,
  service: repeated(
    `service name (ServiceName); repeatable, a record matches any of them. ${nameRule(MAX_SERVICE_LENGTH)}`,
  ),
  severity: z.string().max(16).optional().openapi({
    description:
      'minimum severity: trace, debug, info, warn, error, fatal (any case) or a number 1-24. A record with severity number 0 counts by its severity text (warn, warning, error, err, ...); one with neither matches no minimum',
    example: 'warn',
  }),
  q: z.string().max(MAX_TEXT_LENGTH).optional().openapi({
    description:
      'text the body contains, case-insensitively (UTF-8), anywhere: `ord` matches `Order`. No control characters',
  }),
  attr: AttrQuery,
  traceId: z.string().max(64).optional().openapi({
    description: 'trace id, 32 hex digits',
    example: '5b8efff798038103d269b633813fc60c',
  }),
};

/** The domain's view of the filter parameters; throws VALIDATION naming the parameter. */
export function logFilterInput(
  deps: ApiDeps,
  q: {
    from?: string | undefined;
    to?: string | undefined;
    service: string[];
    severity?: string | undefined;
    q?: string | undefined;
    attr: string[];
    traceId?: string | undefined;
  },
): LogFilterInput {
  return {
    range: timeRange(deps, q),
    services: q.service,
    severity: q.severity,
    q: q.q,
    attributes: attributeFilters(q.attr),
    traceId: q.traceId,
  };
}
