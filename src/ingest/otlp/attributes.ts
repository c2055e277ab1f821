import { int64Text, int64Number } from '../../lib/nanos.js';
import { mapText } from '../../store/index.js';
import type { AnyValue, KeyValue } from './model.js';

/**
 * The text stored for an AnyValue, as the Collector's exporter stores it: strings as they
 * are, numbers and booleans in their usual text, bytes in base64, arrays and maps as JSON.
 */
export function anyValueText(v: AnyValue | null | undefined): string {
  if (!v) return '';
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ? 'true' : 'false';
    case 'intValue':
      return int64Text(v.intValue);
    case 'doubleValue':
      return doubleText(v.doubleValue ?? 0);
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
    case 'kvlistValue':
      return JSON.stringify(anyValueJson(v));
    default:
      return '';
  }
}

function doubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
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

/** A Map(LowCardinality(String), String) value from OTLP attributes. */
export function attributesText(kvs: readonly KeyValue[] | null | undefined): string {
  if (!kvs || kvs.length === 0) return '{}';
  const keys: string[] = new Array<string>(kvs.length);
  const values: string[] = new Array<string>(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    keys[i] = kv.key;
    values[i] = anyValueText(kv.value);
  }
  return mapText(keys, values);
}

/** The value of the string attribute `key`, or '' when absent. */
export function stringAttribute(kvs: readonly KeyValue[] | null | undefined, key: string): string {
  if (!kvs) return '';
  for (const kv of kvs) if (kv.key === key) return anyValueText(kv.value);
  return '';
}

/** Lower-case hex of an id, or '' when empty. */
export function hexId(id: Uint8Array | null | undefined): string {
  if (!id || id.length === 0) return '';
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}
