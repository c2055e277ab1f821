import { z } from 'zod';
import type { QueryOptions, Store } from '../store.js';

const METRIC_TABLES = [
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
] as const;

const Counts = z.object({
  spans: z.coerce.number(),
  logs: z.coerce.number(),
  points: z.coerce.number(),
});
export type SignalCounts = z.infer<typeof Counts>;

/** Spans, log records and metric points whose time lies in [fromMs, toMs). */
export async function signalCounts(
  store: Store,
  org: string,
  range: { fromMs: number; toMs: number },
  opts: QueryOptions,
): Promise<SignalCounts> {
  const t = (col: string) =>
    `${col} >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ${col} < fromUnixTimestamp64Milli({toMs:Int64})`;
  const points = METRIC_TABLES.map(
    (table) => `(SELECT count() FROM {db:Identifier}.${table} WHERE ${t('TimeUnix')})`,
  ).join(' + ');
  const rows = await store.query(
    org,
    `SELECT
       (SELECT count() FROM {db:Identifier}.otel_traces WHERE ${t('Timestamp')}) AS spans,
       (SELECT count() FROM {db:Identifier}.otel_logs
         WHERE TimestampTime >= toDateTime(intDiv({fromMs:Int64}, 1000)) AND ${t('Timestamp')}) AS logs,
       ${points} AS points`,
    range,
    opts,
  );
  return Counts.parse(z.array(z.unknown()).parse(rows)[0]);
}
