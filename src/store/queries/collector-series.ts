import { z } from 'zod';
import type { Store } from '../store.js';
import { FINITE_VALUE, METRIC_TABLES } from './metrics.js';

/**
 * Where a collector's cumulative series were at its last stored scrape, so that a process
 * taking over its scraping (after a restart) continues their start times instead of
 * starting them anew, which reads would take for a reset and count each series' whole
 * value as an increase.
 */

/** A series' last stored point: name, attributes sorted by name, start, time and value. */
export interface LastPoint {
  name: string;
  attributes: [string, string][];
  startMs: number;
  timeMs: number;
  /** A counter's value; a histogram's or summary's count. */
  value: number;
}

const Row = z.object({
  name: z.string(),
  keys: z.array(z.string()),
  values: z.array(z.string()),
  startMs: z.coerce.number(),
  timeMs: z.coerce.number(),
  value: z.number(),
});

export interface CollectorSelection {
  collectorId: string;
  serviceName: string;
  /** The target's `service.instance.id`: series of another target are other series. */
  instance: string;
  /** Points from here on are looked at. */
  sinceMs: number;
  /**
   * Series whose last point is this much older than the collector's latest one were missing
   * from its last scrape, and are left out.
   */
  intervalMs: number;
}

/**
 * Each cumulative series of a collector with a point since `sinceMs`, at its last point
 * with a value (a NaN or infinite sample is a gap here, as in the reads).
 */
export async function lastCollectorPoints(
  store: Store,
  org: string,
  s: CollectorSelection,
): Promise<LastPoint[]> {
  const where = `ServiceName = {service:String}
      AND ResourceAttributes['gridscope.collector.id'] = {collector:String}
      AND ResourceAttributes['service.instance.id'] = {instance:String}
      AND TimeUnix >= fromUnixTimestamp64Milli({sinceMs:Int64})`;
  const rows = await store.query(
    org,
    `SELECT name, keys, values, startMs, timeMs, value
    FROM (
      SELECT name, keys, values, startMs, timeMs, value, max(timeMs) OVER () AS lastMs
      FROM (
        SELECT MetricName AS name, mapKeys(Attributes) AS keys, mapValues(Attributes) AS values,
          toUnixTimestamp64Milli(argMax(StartTimeUnix, TimeUnix)) AS startMs,
          toUnixTimestamp64Milli(max(TimeUnix)) AS timeMs, argMax(v, TimeUnix) AS value
        FROM (
          SELECT MetricName, Attributes, StartTimeUnix, TimeUnix, Value AS v
          FROM {db:Identifier}.${METRIC_TABLES.sum}
          WHERE ${where} AND IsMonotonic AND AggregationTemporality = 2 AND ${FINITE_VALUE}
          UNION ALL
          SELECT MetricName, Attributes, StartTimeUnix, TimeUnix, toFloat64(Count)
          FROM {db:Identifier}.${METRIC_TABLES.histogram}
          WHERE ${where} AND AggregationTemporality = 2
          UNION ALL
          SELECT MetricName, Attributes, StartTimeUnix, TimeUnix, toFloat64(Count)
          FROM {db:Identifier}.${METRIC_TABLES.summary}
          WHERE ${where}
        )
        GROUP BY name, Attributes
      )
    )
    WHERE timeMs >= lastMs - {intervalMs:Int64}`,
    {
      service: s.serviceName,
      collector: s.collectorId,
      instance: s.instance,
      sinceMs: s.sinceMs,
      intervalMs: s.intervalMs,
    },
  );
  return z
    .array(Row)
    .parse(rows)
    .map(({ keys, values, ...r }) => ({
      ...r,
      attributes: keys
        .map((k, i): [string, string] => [k, values[i] ?? ''])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    }));
}
