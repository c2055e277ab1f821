/**
 * Exact conversions of OTLP 64-bit nanosecond timestamps, which exceed 2^53 and so cannot
 * pass through a JS number. Values arrive as protobufjs Long (low/high halves), as decimal
 * strings (OTLP/JSON) or as numbers.
 */

export interface LongLike {
  low: number;
  high: number;
}

export type Uint64Input = LongLike | string | number | bigint | null | undefined;

/** A time split into whole seconds and the nanoseconds within that second. */
export interface SecNanos {
  sec: number;
  nanos: number;
}

const ZERO: SecNanos = { sec: 0, nanos: 0 };
const TWO32 = 4294967296;
const BILLION = 1_000_000_000;
/**
 * Times are stored before 2106-02-07T06:28:16Z: the roll-ups and the trace-id table keep
 * whole seconds in 32 bits (DateTime), and a later time would wrap round to an earlier one
 * there (DateTime64(9) alone would hold up to 2262). Later values are rejected, not clamped.
 */
export const LAST_STORED_SEC = 2 ** 32;

/** Splits an unsigned 64-bit nanosecond count into seconds and nanoseconds, exactly. */
export function splitNanos(v: Uint64Input): SecNanos {
  if (v === null || v === undefined) return ZERO;
  if (typeof v === 'object') return splitHalves(v.high >>> 0, v.low >>> 0);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return ZERO;
    if (Number.isSafeInteger(v)) return { sec: Math.floor(v / BILLION), nanos: v % BILLION };
    // Unsafe numbers have already lost precision in JSON.parse; keep what is left.
    return splitString(BigInt(Math.round(v)).toString());
  }
  if (typeof v === 'bigint') return splitString(v.toString());
  return splitString(v.trim());
}

// value = high * 2^32 + low with high, low < 2^32; every step below stays under 2^53.
function splitHalves(high: number, low: number): SecNanos {
  if (high === 0) return { sec: Math.floor(low / BILLION), nanos: low % BILLION };
  // high * 2^32 = high * 4e9 + high * 294967296, and high * 294967296 = x * 1000 + y.
  const hHigh = Math.floor(high / 1000);
  const hLow = high % 1000;
  const x = hHigh * 294967296;
  const y = hLow * 294967296;
  let sec = high * 4 + Math.floor(x / 1e6);
  let nanos = (x % 1e6) * 1000 + y + low;
  sec += Math.floor(nanos / BILLION);
  nanos = nanos % BILLION;
  return { sec, nanos };
}

function splitString(s: string): SecNanos {
  if (!/^\d{1,20}$/.test(s)) return { sec: Number.NaN, nanos: 0 };
  const digits = s.replace(/^0+(?=\d)/, '');
  if (digits.length <= 9) return { sec: 0, nanos: Number(digits) };
  return { sec: Number(digits.slice(0, -9)), nanos: Number(digits.slice(-9)) };
}

/** True when the value was absent or zero. */
export function isZero(t: SecNanos): boolean {
  return t.sec === 0 && t.nanos === 0;
}

/** True when the time can be stored (see LAST_STORED_SEC). */
export function inRange(t: SecNanos): boolean {
  return Number.isFinite(t.sec) && t.sec >= 0 && t.sec < LAST_STORED_SEC;
}

/** Nanoseconds between two times, as a number (exact for spans shorter than ~104 days). */
export function diffNanos(end: SecNanos, start: SecNanos): number {
  return (end.sec - start.sec) * BILLION + (end.nanos - start.nanos);
}

/** Converts an unsigned 64-bit count to a decimal string, exactly. */
export function uint64Text(v: Uint64Input): string {
  if (v === null || v === undefined) return '0';
  if (typeof v === 'object') {
    const high = v.high >>> 0;
    const low = v.low >>> 0;
    if (high < 0x200000) return String(high * TWO32 + low);
    return ((BigInt(high) << 32n) | BigInt(low)).toString();
  }
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? String(Math.floor(v)) : '0';
  if (typeof v === 'bigint') return v.toString();
  return /^\d{1,20}$/.test(v.trim()) ? v.trim() : '0';
}

/** Converts a signed 64-bit integer to a JS number (lossy beyond 2^53, as a Float64 column is). */
export function int64Number(v: Uint64Input): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'object') {
    const long = v as LongLike & { unsigned?: boolean };
    const high = long.unsigned ? long.high >>> 0 : long.high | 0;
    return high * TWO32 + (long.low >>> 0);
  }
  if (typeof v === 'bigint') return Number(v);
  return Number(v);
}

/** Converts a signed 64-bit integer to a decimal string, exactly. */
export function int64Text(v: Uint64Input): string {
  if (v === null || v === undefined) return '0';
  if (typeof v === 'object') {
    const long = v as LongLike & { unsigned?: boolean };
    if (long.unsigned) return uint64Text(v);
    const n = (long.high | 0) * TWO32 + (long.low >>> 0);
    if (Number.isSafeInteger(n)) return String(n);
    return BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0)).toString();
  }
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.trunc(v)) : '0';
  if (typeof v === 'bigint') return v.toString();
  return /^-?\d{1,20}$/.test(v.trim()) ? v.trim() : '0';
}

/** RFC 3339 text with nanoseconds (`2026-11-28T10:00:00.123456789Z`) of a decimal nanosecond count. */
export function nanosToIso(ns: string): string {
  const { sec, nanos } = splitNanos(ns);
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${base}.${String(nanos).padStart(9, '0')}Z`;
}

/**
 * Milliseconds of a duration in nanoseconds, to the whole nanosecond: a latency of a few
 * microseconds keeps its digits (2,400 ns is 0.0024 ms, not 0.002).
 */
export function nanosToMs(ns: number): number {
  return Math.round(ns) / 1e6;
}
