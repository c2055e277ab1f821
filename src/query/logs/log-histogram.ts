import { MAX_STEP_SECONDS, stepSeconds } from '../../lib/duration.js';
import { AppError } from '../../lib/errors.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { countLogs } from '../../store/queries/logs.js';
import { logFilter, type LogFilterInput } from './log-filter.js';
import type { LogHistogram, LogHistogramBucket, SeverityLevel } from './schemas.js';
import { severityLevel } from './severity.js';

/** The default step gives at most this many buckets. */
export const DEFAULT_BUCKETS = 120;
/** A step giving more buckets than this is refused. */
export const MAX_BUCKETS = 2000;

/** Steps the default is chosen from, in seconds. */
const NICE_STEPS = [
  1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
  604800,
];

/** A step in its shortest form: `90s`, `5m`, `2h`, `1d`. */
export function formatStep(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** Start (Unix seconds) of the first bucket and the number of buckets covering [fromMs, toMs). */
export function bucketSpan(
  fromMs: number,
  toMs: number,
  stepSeconds: number,
): { first: number; count: number } {
  const first = Math.floor(Math.floor(fromMs / 1000) / stepSeconds) * stepSeconds;
  const last = Math.floor(Math.floor((toMs - 1) / 1000) / stepSeconds) * stepSeconds;
  return { first, count: (last - first) / stepSeconds + 1 };
}

/** The smallest nice step giving at most DEFAULT_BUCKETS buckets over the range. */
export function defaultStep(fromMs: number, toMs: number): number {
  for (const s of NICE_STEPS) {
    if (bucketSpan(fromMs, toMs, s).count <= DEFAULT_BUCKETS) return s;
  }
  const days = Math.ceil((toMs - fromMs) / 1000 / 86400 / (DEFAULT_BUCKETS - 1));
  return Math.min(days * 86400, MAX_STEP_SECONDS);
}

export interface LogHistogramQuery extends LogFilterInput {
  /** The `step` parameter; absent for the default. */
  step?: string | undefined;
}

const emptyCounts = (): Record<SeverityLevel, number> => ({
  trace: 0,
  debug: 0,
  info: 0,
  warn: 0,
  error: 0,
  fatal: 0,
  unknown: 0,
});

/**
 * Counts of matching records per time bucket and severity level. Buckets are aligned to
 * the Unix epoch (UTC), so the first and last may reach outside the range; only records
 * inside it are counted. Every bucket is present, empty ones with zeros.
 */
export async function logHistogram(
  store: Store,
  org: string,
  query: LogHistogramQuery,
  opts: QueryOptions,
): Promise<LogHistogram> {
  // Counts keep to whole milliseconds, as the range they answer with says.
  const filter = { ...logFilter(query), fromNs: undefined, toNs: undefined };
  const { fromMs, toMs } = query.range;
  const step = query.step === undefined ? defaultStep(fromMs, toMs) : stepSeconds(query.step);
  const { first, count } = bucketSpan(fromMs, toMs, step);
  if (count > MAX_BUCKETS) {
    throw new AppError(
      'VALIDATION',
      `step: ${formatStep(step)} makes ${count} buckets over this range, more than ${MAX_BUCKETS}; use a larger step`,
      { details: [{ location: 'query', field: 'step', message: 'too many buckets' }] },
    );
  }
  const buckets: LogHistogramBucket[] = Array.from({ length: count }, (_, i) => ({
    time: new Date((first + i * step) * 1000).toISOString(),
    counts: emptyCounts(),
    total: 0,
  }));
  for (const r of await countLogs(store, org, filter, step, opts)) {
    const b = buckets[(r.bucket - first) / step];
    if (!b) continue; // cannot happen: the filter keeps records inside the range
    b.counts[severityLevel(r.severity)] += r.count;
    b.total += r.count;
  }
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    step: formatStep(step),
    stepSeconds: step,
    buckets,
  };
}
