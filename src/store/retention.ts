import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { statementSettings } from './client.js';
import { quoteIdentifier, type DdlTarget } from './ddl.js';

/** Days to keep each signal and the audit trail; 0 keeps data forever. */
export interface Retention {
  tracesDays: number;
  logsDays: number;
  metricsDays: number;
  auditDays: number;
}

/** Each table's TTL time expression and the signal whose retention applies to it. */
const TTL_COLUMNS: readonly { table: string; time: string; signal: keyof Retention }[] = [
  { table: 'otel_traces', time: 'toDateTime(Timestamp)', signal: 'tracesDays' },
  { table: 'otel_traces_trace_id_ts', time: 'toDateTime(Start)', signal: 'tracesDays' },
  { table: 'gridscope_span_stats_1m', time: 'Minute', signal: 'tracesDays' },
  { table: 'gridscope_span_stats_1h', time: 'Hour', signal: 'tracesDays' },
  { table: 'gridscope_service_edges_1m', time: 'Minute', signal: 'tracesDays' },
  { table: 'gridscope_service_edge_marks', time: 'Chunk', signal: 'tracesDays' },
  { table: 'otel_logs', time: 'TimestampTime', signal: 'logsDays' },
  { table: 'gridscope_log_rollup_1m', time: 'Minute', signal: 'logsDays' },
  { table: 'otel_metrics_gauge', time: 'toDateTime(TimeUnix)', signal: 'metricsDays' },
  { table: 'otel_metrics_sum', time: 'toDateTime(TimeUnix)', signal: 'metricsDays' },
  { table: 'otel_metrics_histogram', time: 'toDateTime(TimeUnix)', signal: 'metricsDays' },
  {
    table: 'otel_metrics_exponential_histogram',
    time: 'toDateTime(TimeUnix)',
    signal: 'metricsDays',
  },
  { table: 'otel_metrics_summary', time: 'toDateTime(TimeUnix)', signal: 'metricsDays' },
  { table: 'gridscope_gauge_rollup_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_sum_rollup_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_histogram_stats_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_histogram_stats_15m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_exp_histogram_stats_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_exp_histogram_stats_15m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_summary_stats_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_histogram_increases_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_exp_histogram_increases_1m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_histogram_increases_15m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_exp_histogram_increases_15m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_exp_histogram_pooled_15m', time: 'Minute', signal: 'metricsDays' },
  { table: 'gridscope_histogram_quarters', time: 'Quarter', signal: 'metricsDays' },
  { table: 'gridscope_audit_log', time: 'toDateTime(Time)', signal: 'auditDays' },
];

const TableRow = z.object({ name: z.string(), engine_full: z.string() });

/** The TTL clause for a table, or null for none. */
export function ttlClause(time: string, days: number): string | null {
  if (!Number.isInteger(days) || days < 0) throw new Error(`invalid retention days: ${days}`);
  return days === 0 ? null : `${time} + toIntervalDay(${days})`;
}

/**
 * Parts written before their table had a TTL keep none, or the one they were written under,
 * and a part without one is never dropped. A background mutation recomputes each part's TTL
 * from its time column, without rewriting it, and drops the parts past it.
 */
async function recomputeTtl(client: ClickHouseClient, table: string): Promise<void> {
  await client.command({
    query: `ALTER TABLE ${table} MODIFY SETTING materialize_ttl_recalculate_only = 1`,
    clickhouse_settings: statementSettings(),
  });
  await client.command({
    query: `ALTER TABLE ${table} MATERIALIZE TTL`,
    clickhouse_settings: statementSettings(),
  });
}

const NameRow = z.object({ name: z.string() });

/** Of `tables` (which have a TTL), those with an active part that has no TTL of its own. */
async function withoutTtlInfo(
  client: ClickHouseClient,
  database: string,
  tables: readonly string[],
): Promise<string[]> {
  if (tables.length === 0) return [];
  const rs = await client.query({
    query: `SELECT DISTINCT table AS name FROM system.parts
      WHERE database = {db:String} AND table IN {names:Array(String)} AND active AND rows > 0
        AND delete_ttl_info_max = toDateTime(0)`,
    query_params: { db: database, names: tables },
    format: 'JSONEachRow',
    clickhouse_settings: statementSettings(),
  });
  return z
    .array(NameRow)
    .parse(await rs.json())
    .map((r) => r.name);
}

/**
 * Makes each table's TTL match the configured retention. Retention is configuration rather
 * than schema, so it is reconciled at every start instead of living in a migration; only
 * tables whose TTL differs are altered. Existing parts are not rewritten: their TTL is
 * recomputed in the background (also where the TTL is as wanted but a part has none) and
 * old data is dropped by whole parts.
 */
export async function applyRetention(
  client: ClickHouseClient,
  target: DdlTarget,
  retention: Retention,
): Promise<string[]> {
  const rs = await client.query({
    query:
      'SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    query_params: { db: target.database, names: TTL_COLUMNS.map((t) => t.table) },
    format: 'JSONEachRow',
    clickhouse_settings: statementSettings(),
  });
  const current = new Map(
    z
      .array(TableRow)
      .parse(await rs.json())
      .map((r) => [r.name, r]),
  );
  const db = quoteIdentifier(target.database);
  const onCluster = target.cluster ? ` ON CLUSTER '${target.cluster}'` : '';
  const on = (table: string) => `${db}.${quoteIdentifier(table)}${onCluster}`;
  const changed: string[] = [];
  const kept: string[] = [];
  for (const t of TTL_COLUMNS) {
    const row = current.get(t.table);
    if (!row) continue;
    const wanted = ttlClause(t.time, retention[t.signal]);
    const has = /\bTTL\b/.test(row.engine_full);
    if (
      wanted === null ? !has : row.engine_full.includes(`toIntervalDay(${retention[t.signal]})`)
    ) {
      if (wanted !== null) kept.push(t.table);
      continue;
    }
    const action = wanted === null ? 'REMOVE TTL' : `MODIFY TTL ${wanted}`;
    await client.command({
      query: `ALTER TABLE ${on(t.table)} ${action}`,
      clickhouse_settings: statementSettings({ materialize_ttl_after_modify: 0 }),
    });
    if (wanted !== null) await recomputeTtl(client, on(t.table));
    changed.push(t.table);
  }
  // A table whose TTL is as wanted may still hold parts written before it had one (a
  // migration's backfill before a start set it): those are never dropped until recomputed.
  for (const table of await withoutTtlInfo(client, target.database, kept)) {
    await recomputeTtl(client, on(table));
  }
  return changed;
}
