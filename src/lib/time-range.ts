import { fieldError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Refuses a time of ten digits, with or without a fraction: Unix seconds of 2001 to 2286, as
 * Prometheus writes times, which as milliseconds would fall in the first months of 1970.
 */
export function refuseUnixSeconds(time: string, field: string): void {
  if (/^\d{10}(\.\d+)?$/.test(time)) {
    throw fieldError(
      field,
      `${time} looks like Unix seconds; times here are Unix milliseconds (${Math.round(Number(time) * 1000)}), RFC 3339 or now-1h`,
    );
  }
}

/**
 * Parses a point in time: RFC 3339 (`2026-11-28T10:00:00Z`), Unix milliseconds
 * (`1795860000000`), `now`, or `now` minus a duration (`now-15m`, `now-1h`, `now-7d`).
 * Returns Unix milliseconds, rounded down; `field` names the parameter in the error.
 */
export function parseTime(text: string, nowMs: number, field: string): number {
  return parseTimeExact(text, nowMs, field).ms;
}

/**
 * A time as written, to the nanosecond (an RFC 3339 time keeps up to nine fractional
 * digits), without the bounds of a read: a stored point's time has bounds of its own.
 * Returns Unix nanoseconds.
 */
export function parseTimeNanos(text: string, nowMs: number, field: string): bigint {
  return nanosOf(readTime(text, nowMs, field));
}

const nanosOf = (t: { ms: number; subMsNanos: number }): bigint =>
  BigInt(t.ms) * 1_000_000n + BigInt(t.subMsNanos);

/**
 * parseTime, with the nanoseconds an RFC 3339 time gives after its milliseconds
 * (`...00.123456789Z`: 456789), 0 for every other form.
 */
function parseTimeExact(
  text: string,
  nowMs: number,
  field: string,
): { ms: number; subMsNanos: number } {
  const at = readTime(text, nowMs, field);
  // Roll-ups keep whole seconds in 32 bits, which end in 2106; before 1970 nothing is kept.
  if (at.ms < 0 || at.ms >= LAST_TIME_MS) {
    throw fieldError(field, `must be from ${FIRST_TIME} to before ${LAST_TIME}`);
  }
  return at;
}

/** The times a read may name: [1970-01-01, 2106-02-07T06:28:16Z), Unix seconds in 32 bits. */
const LAST_TIME_MS = 2 ** 32 * 1000;
const FIRST_TIME = '1970-01-01T00:00:00Z';
const LAST_TIME = new Date(LAST_TIME_MS).toISOString().replace('.000', '');

function readTime(text: string, nowMs: number, field: string): { ms: number; subMsNanos: number } {
  const t = text.trim();
  const rel = /^now(?:-(\d{1,9})([smhdw]))?$/.exec(t);
  if (rel)
    return { ms: rel[1] ? nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]! : nowMs, subMsNanos: 0 };
  refuseUnixSeconds(t, field);
  if (/^\d{1,16}$/.test(t)) return { ms: Number(t), subMsNanos: 0 };
  if (RFC3339.test(t) && fieldsExist(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    const fraction = /\.(\d+)/.exec(t)?.[1] ?? '';
    if (Number.isFinite(ms)) return { ms, subMsNanos: Number(fraction.slice(3).padEnd(6, '0')) };
  }
  throw fieldError(
    field,
    `not a time: ${JSON.stringify(text.slice(0, 64))} (use RFC 3339, Unix milliseconds or now-1h)`,
  );
}

/**
 * Whether an RFC 3339 time's fields name a time that exists (February 30 and hour 24 do
 * not): Date.parse would roll them over into another day and read another range.
 */
function fieldsExist(t: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2}).(\d{2}):(\d{2})(?::(\d{2}))?/.exec(t);
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(t);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  const daysInMonth = new Date(Date.UTC(year!, month, 0)).getUTCDate();
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    (offset === null || (Number(offset[2]) <= 23 && Number(offset[3]) <= 59))
  );
}

/**
 * A half-open interval of Unix milliseconds, [fromMs, toMs). When a bound was given finer
 * than a millisecond, fromNs and toNs hold both bounds exactly, in Unix nanoseconds, and
 * fromMs and toMs are the whole milliseconds around them: reads of single records (log
 * records, spans) keep to the exact bounds, aggregates to the milliseconds.
 */
export interface TimeRange {
  fromMs: number;
  toMs: number;
  fromNs?: bigint | undefined;
  toNs?: bigint | undefined;
}

/**
 * The time range of a request: `from` defaults to `to` minus `defaultSpanMs`, `to` to now.
 * A range that ends before it starts, or is longer than `maxSpanMs`, is refused.
 */
export function parseTimeRange(
  from: string | undefined,
  to: string | undefined,
  opts: { nowMs: number; defaultSpanMs: number; maxSpanMs: number },
): TimeRange {
  const toAt =
    to === undefined ? { ms: opts.nowMs, subMsNanos: 0 } : parseTimeExact(to, opts.nowMs, 'to');
  const fromAt =
    from === undefined
      ? { ms: Math.max(0, toAt.ms - opts.defaultSpanMs), subMsNanos: 0 }
      : parseTimeExact(from, opts.nowMs, 'from');
  const fromNs = nanosOf(fromAt);
  const toNs = nanosOf(toAt);
  if (fromNs >= toNs) throw fieldError('from', 'must be before to');
  const fromMs = fromAt.ms;
  const toMs = toAt.subMsNanos > 0 ? toAt.ms + 1 : toAt.ms;
  if (toMs - fromMs > opts.maxSpanMs) {
    throw fieldError(
      'from',
      `the range is longer than the largest allowed (${Math.round(opts.maxSpanMs / 86_400_000)} days)`,
    );
  }
  const exact = fromAt.subMsNanos > 0 || toAt.subMsNanos > 0;
  return exact ? { fromMs, toMs, fromNs, toNs } : { fromMs, toMs };
}
