import { nanosToMs } from '../../lib/nanos.js';

/** Rate, errors and duration of a set of calls, as the API shows them. */
export function red(
  row: { calls: number; errors: number; quantiles: readonly number[] },
  seconds: number,
) {
  const ms = (ns: number | undefined) => nanosToMs(ns ?? 0);
  const [p50, p95, p99] = row.quantiles;
  return {
    calls: row.calls,
    errors: row.errors,
    requestRate: seconds > 0 ? row.calls / seconds : 0,
    errorRate: row.calls > 0 ? row.errors / row.calls : 0,
    latencyMs:
      row.calls > 0 && row.quantiles.length === 3
        ? { p50: ms(p50), p95: ms(p95), p99: ms(p99) }
        : null,
  };
}

const KINDS: Record<
  string,
  'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer'
> = {
  SPAN_KIND_UNSPECIFIED: 'unspecified',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};

/** The API's name of a stored span kind. */
export function spanKind(stored: string) {
  return KINDS[stored] ?? 'unspecified';
}
