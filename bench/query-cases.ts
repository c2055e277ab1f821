/**
 * The read endpoints the query benchmark times, each over the last hour and the last day
 * where it takes a range, with the latency target it must meet (p95), and the loop that
 * times one case: a few untimed warm-up calls, then one call at a time over HTTP, each
 * answer read to the end and checked to be 200.
 */
import { percentile } from './load.js';
import { SEARCH_WORD } from './query-sql.js';
import { METRICS } from './query-sql-metrics.js';
import { SERVICES } from './vocabulary.js';

export interface CaseDef {
  name: string;
  /** The row of the results table the case belongs to. */
  group: string;
  range: '1h' | '24h' | null;
  /** p95 the case must stay under, ms; null for cases without a target. */
  targetMs: number | null;
  /** The request path and query; called once per request (random service or trace id). */
  path: () => string;
}

/** One case's figures; the keys are the contract of the JSON line. */
export interface CaseResult {
  p50: number;
  p95: number;
  p99: number;
  n: number;
  targetMs: number | null;
  met: boolean | null;
  /** Answers other than 200, and the first of them. */
  failed: number;
  error?: string;
}

/** The REST API under test, called with the platform admin key. */
export class Api {
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  /** Status and body of one call; the body is always read to the end. */
  async call(path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const r = await fetch(this.base + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    return { status: r.status, text: await r.text() };
  }

  /** Rows of a read-only SQL statement over the default organization's tables. */
  async sql<T>(sql: string): Promise<T[]> {
    const r = await this.call('/api/v1/monitoring/query/sql', { sql });
    if (r.status !== 200) throw new Error(`SQL endpoint answered ${r.status}: ${r.text}`);
    return (JSON.parse(r.text) as { rows: T[] }).rows;
  }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const RANGE_MS = { '1h': 3_600_000, '24h': 86_400_000 } as const;

/**
 * Every case; metric cases only when the API document has the metrics route. Ranges end
 * now, or at `endMs` (Unix ms) when given.
 */
export function buildCases(
  traceIds: readonly string[],
  withMetrics: boolean,
  endMs?: number,
): CaseDef[] {
  const cases: CaseDef[] = [];
  /** The query parameters of a range. */
  const window = (range: '1h' | '24h') =>
    endMs === undefined ? `from=now-${range}` : `from=${endMs - RANGE_MS[range]}&to=${endMs}`;
  const ranged = (
    group: string,
    name: string,
    targetMs: number | null,
    path: (from: string) => string,
    ranges: readonly ('1h' | '24h')[] = ['1h', '24h'],
  ) => {
    for (const range of ranges) {
      cases.push({
        name: `${name}_${range}`,
        group,
        range,
        targetMs,
        path: () => path(window(range)),
      });
    }
  };
  const m = '/api/v1/monitoring';
  ranged('services', 'services', 100, (f) => `${m}/services?${f}`);
  ranged(
    'service metrics',
    'service_metrics',
    100,
    (f) => `${m}/service-metrics/${encodeURIComponent(pick(SERVICES))}?${f}`,
  );
  ranged('service map', 'service_map', null, (f) => `${m}/services/map?${f}`);
  ranged('log histogram', 'logs_histogram', 100, (f) => `${m}/logs/histogram?${f}`);
  ranged('logs', 'logs', null, (f) => `${m}/logs?${f}`);
  ranged('log search', 'logs_search', 500, (f) => `${m}/logs?${f}&q=${SEARCH_WORD}`, ['24h']);
  ranged(
    'trace search',
    'traces_search',
    null,
    (f) => `${m}/traces?${f}&service=${encodeURIComponent(pick(SERVICES))}`,
  );
  if (traceIds.length > 0) {
    cases.push({
      name: 'trace_by_id',
      group: 'trace by id',
      range: null,
      targetMs: 50,
      path: () => `${m}/traces/${pick(traceIds)}`,
    });
  }
  if (withMetrics) {
    const metric = (name: string, aggregation: string) => (f: string) =>
      `${m}/metrics?${f}&metric=${encodeURIComponent(name)}&aggregation=${aggregation}`;
    ranged('gauge avg', 'metric_gauge_avg', 100, metric(METRICS.gauge[0]!.name, 'avg'));
    ranged('counter rate', 'metric_counter_rate', 100, metric(METRICS.sum[0]!.name, 'rate'));
    ranged('histogram p95', 'metric_histogram_p95', 100, metric(METRICS.histogram[0]!.name, 'p95'));
    ranged(
      'exp histogram p95',
      'metric_exp_histogram_p95',
      100,
      metric(METRICS.exponential_histogram[0]!.name, 'p95'),
    );
    ranged('summary rate', 'metric_summary_rate', 100, metric(METRICS.summary[0]!.name, 'rate'));
    ranged('summary p95', 'metric_summary_p95', 100, metric(METRICS.summary[0]!.name, 'p95'));
  }
  return cases;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Times one case: `warmup` untimed calls, then up to `iterations` timed calls, stopping
 * early once `budgetMs` of timed calls have passed (n says how many ran).
 */
export async function runCase(
  api: Api,
  c: CaseDef,
  iterations: number,
  warmup: number,
  budgetMs: number,
): Promise<CaseResult> {
  let failed = 0;
  let error: string | undefined;
  const check = (status: number, text: string, path: string) => {
    if (status === 200) return;
    failed++;
    error ??= `${status} ${path}: ${text.slice(0, 300)}`;
  };
  for (let i = 0; i < warmup; i++) {
    const path = c.path();
    const r = await api.call(path);
    check(r.status, r.text, path);
  }
  const ms: number[] = [];
  const started = performance.now();
  while (ms.length < iterations && performance.now() - started < budgetMs) {
    const path = c.path();
    const t0 = performance.now();
    const r = await api.call(path);
    ms.push(performance.now() - t0);
    check(r.status, r.text, path);
  }
  const p95 = round1(percentile(ms, 95));
  return {
    p50: round1(percentile(ms, 50)),
    p95,
    p99: round1(percentile(ms, 99)),
    n: ms.length,
    targetMs: c.targetMs,
    met: c.targetMs === null ? null : failed === 0 && p95 < c.targetMs,
    failed,
    ...(error === undefined ? {} : { error }),
  };
}
