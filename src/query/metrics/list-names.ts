import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { metricNames } from '../../store/queries/metrics.js';
import type { MetricNames } from './schemas.js';

/** The most names one page lists. */
export const MAX_NAMES_PAGE = 10_000;

export interface NamesRequest {
  range: TimeRange;
  service?: string | undefined;
  /** Case-insensitive substring of the name. */
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const CURSOR = 'metric-names';
const Position = z.object({ name: z.string(), type: z.string() });

/** The metrics with points in the range, by name then type, a page at a time. */
export async function listMetricNames(
  store: Store,
  org: string,
  req: NamesRequest,
  opts: QueryOptions,
): Promise<MetricNames> {
  const after = req.cursor === undefined ? undefined : decodeCursor(CURSOR, req.cursor, Position);
  const rows = await metricNames(
    store,
    org,
    {
      fromMs: req.range.fromMs,
      toMs: req.range.toMs,
      service: req.service,
      contains: req.q,
      after,
      limit: req.limit + 1,
    },
    opts,
  );
  const page = rows.slice(0, req.limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor:
      rows.length > req.limit && last
        ? encodeCursor(CURSOR, { name: last.name, type: last.type })
        : null,
  };
}
