import { AppError } from './errors.js';

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * Parses a duration such as `250ms`, `1.5s`, `2m`, `300us`, or a bare number of
 * milliseconds, into nanoseconds. `field` names the parameter in the error.
 */
export function parseDurationNanos(text: string, field: string): bigint {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?\s*(ns|us|µs|ms|s|m|h)?$/.exec(text.trim());
  if (!m) {
    throw new AppError(
      'VALIDATION',
      `${field}: not a duration: ${JSON.stringify(text.slice(0, 32))} (e.g. 250ms, 1.5s, 2m)`,
    );
  }
  const unit = UNIT_NS[m[3] ?? 'ms']!;
  const whole = BigInt(m[1]!) * unit;
  const frac = m[2] ? (BigInt(m[2].padEnd(9, '0')) * unit) / 1_000_000_000n : 0n;
  return whole + frac;
}

/**
 * The step of a time series: `30s`, `1m`, `5m`, `1h`, `1d` or seconds. Absent, the
 * smallest of the usual steps that keeps the range within `targetPoints`; a step giving
 * more than `maxPoints` buckets is refused.
 */
export function parseStepSeconds(
  text: string | undefined,
  rangeMs: number,
  opts: { targetPoints: number; maxPoints: number; field?: string },
): number {
  const field = opts.field ?? 'step';
  let seconds: number;
  if (text === undefined) {
    const usual = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
    seconds =
      usual.find((s) => rangeMs / 1000 / s <= opts.targetPoints) ??
      Math.ceil(rangeMs / 1000 / opts.targetPoints);
  } else {
    const m = /^(\d{1,7})(s|m|h|d)?$/.exec(text.trim());
    if (!m)
      throw new AppError(
        'VALIDATION',
        `${field}: not a step: ${JSON.stringify(text.slice(0, 32))} (e.g. 30s, 1m, 1h)`,
      );
    seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's']!;
    if (seconds < 1) throw new AppError('VALIDATION', `${field}: must be at least 1s`);
  }
  const points = Math.ceil(rangeMs / 1000 / seconds);
  if (points > opts.maxPoints) {
    throw new AppError(
      'VALIDATION',
      `${field}: ${points} buckets over this range; at most ${opts.maxPoints}`,
    );
  }
  return seconds;
}
