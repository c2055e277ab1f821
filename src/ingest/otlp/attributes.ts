import { int64Text, int64Number } from '../../lib/nanos.js';
import type { AnyValue } from './model.js';

/**
 * A double as attribute text: the shortest decimal form, as JavaScript and the Collector
 * write it (negative zero keeping its sign), or NaN, +Inf, -Inf.
 */
export function doubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (Object.is(d, -0)) return '-0';
  return String(d);
}

/** An AnyValue as a plain JSON value, for nested arrays and maps. */
export function anyValueJson(v: AnyValue | null | undefined): unknown {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue': {
      const n = int64Number(v.intValue);
      return Number.isSafeInteger(n) ? n : int64Text(v.intValue);
    }
    case 'doubleValue': {
      const d = v.doubleValue ?? 0;
      return Number.isFinite(d) ? d : doubleText(d);
    }
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(anyValueJson);
    case 'kvlistValue': {
      const out: Record<string, unknown> = {};
      for (const kv of v.kvlistValue?.values ?? []) out[kv.key] = anyValueJson(kv.value);
      return out;
    }
    default:
      return null;
  }
}
