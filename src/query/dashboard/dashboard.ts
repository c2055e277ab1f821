import type { TimeRange } from '../../lib/time-range.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { signalCounts } from '../../store/queries/dashboard.js';
import { searchLogs } from '../logs/index.js';
import { listServices } from '../traces/index.js';
import type { Dashboard } from './schemas.js';

/** The window of the ingest rates, ending now. */
export const INGEST_WINDOW_SECONDS = 300;
/** Services in each top list, and error logs shown. */
export const TOP_SERVICES = 5;
export const RECENT_ERROR_LOGS = 10;

/**
 * The home screen in one call: ingest rates over the last five minutes, the services
 * with the highest error rate and latency over the range, and the newest error logs.
 */
export async function dashboard(
  store: Store,
  org: string,
  range: TimeRange,
  nowMs: number,
  opts: QueryOptions,
): Promise<Dashboard> {
  const window = { fromMs: nowMs - INGEST_WINDOW_SECONDS * 1000, toMs: nowMs };
  const errorFilter = { range, services: [], severity: 'error', attributes: [] };
  const [counts, services, errors] = await Promise.all([
    signalCounts(store, org, window, opts),
    listServices(store, org, range, opts),
    searchLogs(store, org, { ...errorFilter, limit: RECENT_ERROR_LOGS }, opts),
  ]);
  const withCalls = services.filter((s) => s.calls > 0);
  const byError = withCalls
    .filter((s) => s.errors > 0)
    .sort(
      (a, b) =>
        b.errorRate - a.errorRate || b.calls - a.calls || a.service.localeCompare(b.service),
    );
  const byLatency = [...withCalls].sort(
    (a, b) =>
      (b.latencyMs?.p95 ?? 0) - (a.latencyMs?.p95 ?? 0) || a.service.localeCompare(b.service),
  );
  const perSecond = (n: number) => n / INGEST_WINDOW_SECONDS;
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    ingest: {
      windowSeconds: INGEST_WINDOW_SECONDS,
      spansPerSecond: perSecond(counts.spans),
      logRecordsPerSecond: perSecond(counts.logs),
      metricPointsPerSecond: perSecond(counts.points),
    },
    topServicesByErrorRate: byError.slice(0, TOP_SERVICES),
    topServicesByLatency: byLatency.slice(0, TOP_SERVICES),
    recentErrorLogs: errors.items,
  };
}
