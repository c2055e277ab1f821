import type { Context } from 'hono';
import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { ApiKeys } from '../auth/index.js';
import type { Collectors } from '../collectors/index.js';
import type { MetricTypes } from '../query/metrics/index.js';
import type { Clock } from '../lib/clock.js';
import type { Organizations } from '../orgs/index.js';
import type { Store } from '../store/index.js';
import type { ApiEnv } from './env.js';
import { AUTH_OFF } from './middleware/auth.js';

/** Gridscope's own state, for the health-check endpoint. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  store: { ok: boolean; kind: 'embedded' | 'server'; error: string | null };
  migrations: { done: boolean };
  ingestQueue: { bytes: number; maxBytes: number; utilization: number };
}

export interface QueryLimits {
  /** A read running longer is stopped (LIMIT_EXCEEDED). */
  timeoutMs: number;
  /** The longest time range a read may cover. */
  maxRangeMs: number;
  /** Most bytes of records in one page of the logs search (see selectLogs). */
  logsMaxPageBytes: number;
  /** Most rows and bytes of one answer of the SQL endpoint. */
  sqlMaxRows: number;
  sqlMaxBytes: number;
  sqlMaxMemoryBytes: number;
}

/** What the REST API's routes use. */
export interface ApiDeps {
  orgs: Organizations;
  keys: ApiKeys;
  audit: AuditLog;
  clock: Clock;
  /** Reads of stored telemetry go through the query functions of src/store/queries. */
  store: Store;
  /** Limits of every read of stored telemetry. */
  queryLimits: QueryLimits;
  /** The point types of metrics, kept for series reads. */
  metricTypes: MetricTypes;
  health: () => Promise<HealthReport>;
  /** Scrape jobs (collectors) of the organizations. */
  collectors: Collectors;
  /** Days metric points are kept (0: forever); pushed points older than that are refused. */
  metricsRetentionDays: number;
}

/** Who, from where, in which request: recorded with every change. */
export function changeContext(c: Context<ApiEnv>): ChangeContext {
  const p = c.get('principal');
  const actor =
    p === AUTH_OFF || p.keyId === AUTH_OFF.keyId
      ? { type: 'anonymous' as const, id: 'anonymous', name: 'auth off' }
      : {
          type: p.kind === 'platform' ? ('platform' as const) : ('key' as const),
          id: p.keyId,
          name: p.name,
        };
  return { actor, requestId: c.get('requestId'), clientAddress: c.get('clientAddress') };
}

/** The organization a route acts on, as the role check resolved it. */
export function orgOf(c: Context<ApiEnv>): string {
  const org = c.get('org');
  if (org === null) throw new Error('route has no organization (a platform route?)');
  return org;
}
