import { AppError, fieldError } from './errors.js';

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
    throw fieldError(
      field,
      `not a duration: ${JSON.stringify(text.slice(0, 32))} (e.g. 250ms, 1.5s, 2m)`,
    );
  }
  const unit = UNIT_NS[m[3] ?? 'ms']!;
  const whole = BigInt(m[1]!) * unit;
  const frac = m[2] ? (BigInt(m[2].padEnd(9, '0')) * unit) / 1_000_000_000n : 0n;
  // Bound as a 64-bit integer, a longer one would wrap round to a short one.
  if (whole + frac > MAX_DURATION_NS) {
    throw fieldError(field, `${text.trim()} is longer than 2^63-1 ns (about 292 years)`);
  }
  return whole + frac;
}

/** The longest duration a span can have, in nanoseconds: 2^63-1. */
const MAX_DURATION_NS = 2n ** 63n - 1n;

/** The longest step a series or histogram may have: one year. */
export const MAX_STEP_SECONDS = 366 * 86_400;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds of a step as written: `30s`, `5m`, `1h`, `1d` or a number of seconds, from 1 s
 * to 366 d. `field` names the parameter in the error.
 */
export function stepSeconds(text: string, field = 'step'): number {
  // `60.0` is 60 as in a JSON body; other fractions are not steps.
  const m = /^(\d{1,8})(?:\.0*)?([smhd]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_STEP_SECONDS)) {
    throw new AppError(
      'VALIDATION',
      `${field}: ${JSON.stringify(text.slice(0, 32))} is not a step (use 30s, 5m, 1h, 1d or seconds; 1s to 366d)`,
      { details: [{ field, message: 'not a step' }] },
    );
  }
  return seconds;
}

/**
 * The step of a time series: `30s`, `1m`, `5m`, `1h`, `1d` or seconds. Absent, the
 * smallest of the usual steps that keeps the range within `targetPoints` steps wherever it
 * starts (steps are aligned to multiples of the step, so a range can touch one more than
 * its length holds), or whole days beyond them; a step giving more than `maxPoints`
 * buckets is refused.
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
      usual.find((s) => Math.ceil(rangeMs / 1000 / s) + 1 <= opts.targetPoints) ??
      Math.ceil(rangeMs / 86_400_000 / (opts.targetPoints - 1)) * 86_400;
  } else {
    seconds = stepSeconds(text, field);
  }
  const points = Math.ceil(rangeMs / 1000 / seconds);
  if (points > opts.maxPoints) {
    throw fieldError(field, `${points} buckets over this range; at most ${opts.maxPoints}`);
  }
  return seconds;
}
