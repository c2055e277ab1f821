import { nanosToMs } from '../../lib/nanos.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { serviceEdges } from '../../store/queries/service-edges.js';
import {
  serviceOperations,
  serviceSeries,
  services,
  spanReadRange,
} from '../../store/queries/traces.js';
import { red, spanKind } from './red.js';
import type { ServiceMap, ServiceMetrics, ServiceStats } from './schemas.js';

interface Range {
  fromMs: number;
  toMs: number;
}

/** The most operations a service-metrics answer lists. */
export const MAX_OPERATIONS = 200;
/** How far before the range the service map looks for parent spans. */
export const PARENT_LEAD_MS = 10 * 60_000;

/** The seconds of span times a read of `range` counts, which its rates divide by. */
function spanSeconds(range: Range): number {
  const read = spanReadRange(range);
  return (read.toMs - read.fromMs) / 1000;
}

/** Every service with spans in the range and the rate, errors and latency of its entry spans. */
export async function listServices(
  store: Store,
  org: string,
  range: Range,
  opts: QueryOptions,
): Promise<ServiceStats[]> {
  const seconds = spanSeconds(range);
  return (await services(store, org, range, opts)).map((r) => ({
    service: r.service,
    ...red(r, seconds),
  }));
}

/** One service's entry spans as a time series with every step present, and per operation. */
export async function serviceMetrics(
  store: Store,
  org: string,
  service: string,
  range: Range,
  stepSeconds: number,
  opts: QueryOptions,
): Promise<ServiceMetrics> {
  const [rows, ops] = await Promise.all([
    serviceSeries(store, org, service, range, stepSeconds, opts),
    serviceOperations(store, org, service, range, MAX_OPERATIONS, opts),
  ]);
  const byBucket = new Map(rows.map((r) => [r.bucket, r]));
  const series = [];
  // The steps cover what is read: whole minutes for a range of an hour or more.
  const read = spanReadRange(range);
  const first = Math.floor(read.fromMs / 1000 / stepSeconds) * stepSeconds;
  for (let t = first; t * 1000 < read.toMs; t += stepSeconds) {
    const r = byBucket.get(t) ?? { calls: 0, errors: 0, quantiles: [] };
    series.push({ time: new Date(t * 1000).toISOString(), ...red(r, stepSeconds) });
  }
  const seconds = (read.toMs - read.fromMs) / 1000;
  return {
    service,
    stepSeconds,
    series,
    operations: ops.map((o) => ({
      operation: o.operation,
      kind: spanKind(o.kind),
      ...red(o, seconds),
    })),
  };
}

/** The services that call each other in the range, derived from parent and child spans. */
export async function serviceMap(
  store: Store,
  org: string,
  range: Range,
  opts: QueryOptions,
): Promise<ServiceMap> {
  const edges = await serviceEdges(store, org, range, PARENT_LEAD_MS, opts);
  const names = new Set<string>();
  for (const e of edges) names.add(e.caller).add(e.callee);
  return {
    nodes: [...names].sort().map((service) => ({ service })),
    edges: edges.map((e) => ({
      caller: e.caller,
      callee: e.callee,
      calls: e.calls,
      errors: e.errors,
      errorRate: e.calls > 0 ? e.errors / e.calls : 0,
      p95Ms: nanosToMs(e.p95),
    })),
  };
}
