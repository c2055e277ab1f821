/**
 * OTLP AnyValue and KeyValue lists, written from request bytes as String values the way the
 * Collector's exporter stores them: strings as they are, booleans and numbers in their usual
 * text, bytes in base64, arrays and maps as JSON.
 */
import { AppError } from '../../lib/errors.js';
import { int64Text } from '../../lib/nanos.js';
import type { ByteSink, MapTarget } from '../../store/index.js';
import { anyValueJson, doubleText } from './attributes.js';
import type { AnyValue } from './model.js';
import { AnyValueType } from './proto.js';
import { expectWire, WIRE_I64, WIRE_LEN, WIRE_VARINT, type WireReader } from './wire.js';

/** The kind of an AnyValue, as stored in otel_logs.BodyType; '' when no value is set. */
export type ValueKind = '' | 'string' | 'bool' | 'int' | 'double' | 'array' | 'map' | 'bytes';

/**
 * Writes the AnyValue in [start, end) as one String value (empty when no value is set) and
 * returns its kind. The reader is left where it was.
 */
export function writeAnyValue(w: ByteSink, r: WireReader, start: number, end: number): ValueKind {
  const buf = r.buf;
  const savePos = r.pos;
  const saveEnd = r.end;
  r.at(start, end);
  let kind: ValueKind = '';
  let s = 0;
  let e = 0;
  let bool = false;
  let lo = 0;
  let hi = 0;
  let dbl = 0;
  while (r.more()) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        expectWire(t, WIRE_LEN);
        e = r.len();
        s = r.pos;
        r.pos = e;
        kind = 'string';
        break;
      case 2:
        expectWire(t, WIRE_VARINT);
        bool = r.varint32() !== 0;
        kind = 'bool';
        break;
      case 3:
        expectWire(t, WIRE_VARINT);
        r.varint64();
        lo = r.lo;
        hi = r.hi;
        kind = 'int';
        break;
      case 4:
        expectWire(t, WIRE_I64);
        dbl = r.double();
        kind = 'double';
        break;
      case 5:
      case 6:
      case 7:
        expectWire(t, WIRE_LEN);
        e = r.len();
        s = r.pos;
        r.pos = e;
        kind = t >>> 3 === 5 ? 'array' : t >>> 3 === 6 ? 'map' : 'bytes';
        break;
      default:
        r.skip(t);
    }
  }
  r.at(savePos, saveEnd);
  switch (kind) {
    case 'string':
      w.str(buf, s, e);
      break;
    case 'bool':
      w.text(bool ? 'true' : 'false');
      break;
    case 'int':
      w.text(int64Text({ low: lo, high: hi }));
      break;
    case 'double':
      w.text(doubleText(dbl));
      break;
    case 'bytes':
      w.text(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('base64'));
      break;
    case 'array':
    case 'map': {
      // Nested values are rare; decode them as objects and write JSON.
      w.text(JSON.stringify(anyValueJson(nestedValue(buf.subarray(start, end)))));
      break;
    }
    default:
      w.varint(0);
  }
  return kind;
}

/**
 * Writes a Map(String, String) value's entries from every KeyValue of field `field` in the
 * message at [start, end), in the order they arrive, or ordered by key when `sorted` (a
 * metric series is told apart by its attribute maps, which must not depend on the order a
 * sender lists them in). The reader is left where it was.
 */
export function writeAttributes(
  m: MapTarget,
  r: WireReader,
  start: number,
  end: number,
  field: number,
  sorted = false,
): void {
  const savePos = r.pos;
  const saveEnd = r.end;
  r.at(start, end);
  if (sorted) writeSorted(m, r, field);
  else writeInOrder(m, r, field);
  r.at(savePos, saveEnd);
}

/**
 * Writes the KeyValues of `field` in the order they arrive (the hot path of logs and spans).
 * It reads each KeyValue as nextKeyValue does, written out: through nextKeyValue's shared
 * result, converting the benchmark's log requests took up to a sixth longer. A key given
 * twice keeps its last value, as a map of the Collector's would, at the place of its last.
 */
function writeInOrder(m: MapTarget, r: WireReader, field: number): void {
  const buf = r.buf;
  let n = 0;
  let repeated = false;
  let seen = 0;
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 !== field) {
      r.skip(t);
      continue;
    }
    expectWire(t, WIRE_LEN);
    const kvEnd = r.len();
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < kvEnd) {
      const kt = r.tag();
      const f = kt >>> 3;
      if (f === 1 || f === 2) {
        expectWire(kt, WIRE_LEN);
        const e = r.len();
        if (f === 1) {
          keyStart = r.pos;
          keyEnd = e;
        } else {
          valueStart = r.pos;
          valueEnd = e;
        }
        r.pos = e;
      } else {
        r.skip(kt);
      }
    }
    if (n * 4 + 4 > found.length) growFound();
    if (n < FEW_KEYS) {
      // Keys are compared only when one before had the same length and last byte.
      const bit = 1 << ((keyEnd - keyStart + (keyEnd > keyStart ? buf[keyEnd - 1]! : 0)) & 31);
      if ((seen & bit) !== 0) {
        for (let k = 0; k < n && !repeated; k++) {
          repeated = sameRange(buf, found[k * 4]!, found[k * 4 + 1]!, keyStart, keyEnd);
        }
      }
      seen |= bit;
    }
    const at = n * 4;
    found[at] = keyStart;
    found[at + 1] = keyEnd;
    found[at + 2] = valueStart;
    found[at + 3] = valueEnd;
    n++;
  }
  if (n > FEW_KEYS) {
    writeLastOfEach(m, r, n);
    return;
  }
  for (let k = 0; k < n; k++) {
    const at = k * 4;
    if (repeated && keyAgain(buf, at, (k + 1) * 4, n * 4)) continue;
    writeEntry(m, r, found[at]!, found[at + 1]!, found[at + 2]!, found[at + 3]!);
  }
}

/**
 * Up to this many keys, repeats are found by comparing keys pairwise (few compare at all);
 * beyond it, by a map of the keys, so that many attributes cost linear, not square, time.
 */
const FEW_KEYS = 64;

/** Writes the `n` entries of `found`, each key's last one only, in their order. */
function writeLastOfEach(m: MapTarget, r: WireReader, n: number): void {
  const buf = r.buf;
  const keys: string[] = [];
  const last = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const start = found[k * 4]!;
    const key = Buffer.from(buf.buffer, buf.byteOffset + start, found[k * 4 + 1]! - start);
    keys.push(key.toString('latin1'));
    last.set(keys[k]!, k);
  }
  for (let k = 0; k < n; k++) {
    const at = k * 4;
    if (last.size < n && last.get(keys[k]!) !== k) continue;
    writeEntry(m, r, found[at]!, found[at + 1]!, found[at + 2]!, found[at + 3]!);
  }
}

/** Whether the key of the entry at `at` in `found` comes again in [from, to). */
function keyAgain(buf: Uint8Array, at: number, from: number, to: number): boolean {
  for (let j = from; j < to; j += 4) {
    if (sameRange(buf, found[at]!, found[at + 1]!, found[j]!, found[j + 1]!)) return true;
  }
  return false;
}

/** Whether two ranges of `buf` hold the same bytes. */
function sameRange(buf: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 0; i < aEnd - a; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** Reusable [keyStart, keyEnd, valueStart, valueEnd] of the next KeyValue. */
const entry: [number, number, number, number] = [0, 0, -1, -1];

/** Reads the next field; for a KeyValue of field `field`, the ranges of its key and value. */
function nextKeyValue(r: WireReader, field: number): typeof entry | null {
  const t = r.tag();
  if (t >>> 3 !== field) {
    r.skip(t);
    return null;
  }
  expectWire(t, WIRE_LEN);
  const kvEnd = r.len();
  entry[0] = entry[1] = 0;
  entry[2] = entry[3] = -1;
  while (r.pos < kvEnd) {
    const kt = r.tag();
    const f = kt >>> 3;
    if (f === 1 || f === 2) {
      expectWire(kt, WIRE_LEN);
      const e = r.len();
      entry[f === 1 ? 0 : 2] = r.pos;
      entry[f === 1 ? 1 : 3] = e;
      r.pos = e;
    } else {
      r.skip(kt);
    }
  }
  return entry;
}

function writeEntry(
  m: MapTarget,
  r: WireReader,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
): void {
  const value = m.key(r.buf, keyStart, keyEnd);
  if (valueStart >= 0) writeAnyValue(value, r, valueStart, valueEnd);
  else value.varint(0);
}

/** Byte order of two ranges of `buf`: negative, zero or positive. */
function compareRanges(buf: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = (buf[a + i] as number) - (buf[b + i] as number);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/** Key and value ranges of the KeyValues being sorted, four numbers each (reused). */
let found = new Int32Array(64);
/** Where each KeyValue's four numbers start in `found`, in key order (reused). */
let order = new Int32Array(16);

/**
 * Writes the KeyValues of `field` ordered by key bytes (UTF-8 order is code point order),
 * a key given twice with its last value. An insertion sort: lists are short, often sorted
 * already, and repeated keys keep the order they came in.
 */
function writeSorted(m: MapTarget, r: WireReader, field: number): void {
  const buf = r.buf;
  let n = 0;
  while (r.more()) {
    const kv = nextKeyValue(r, field);
    if (!kv) continue;
    if (n * 4 + 4 > found.length) growFound();
    const at = n * 4;
    found[at] = kv[0];
    found[at + 1] = kv[1];
    found[at + 2] = kv[2];
    found[at + 3] = kv[3];
    if (n < FEW_KEYS) {
      // Insertion: the usual handful of keys, often sent in order already.
      let i = n;
      while (i > 0) {
        const prev = order[i - 1]!;
        if (compareRanges(buf, found[prev]!, found[prev + 1]!, kv[0], kv[1]) <= 0) break;
        order[i] = prev;
        i--;
      }
      order[i] = at;
    } else {
      order[n] = at;
    }
    n++;
  }
  if (n > FEW_KEYS) {
    // Many keys: a stable sort of them all, not insertion in square time.
    const sorted = Array.from(order.subarray(0, n)).sort((a, b) =>
      compareRanges(buf, found[a]!, found[a + 1]!, found[b]!, found[b + 1]!),
    );
    order.set(sorted);
  }
  for (let k = 0; k < n; k++) {
    const at = order[k]!;
    // Of a key given more than once, the last (sorting keeps their order) is written.
    const next = k + 1 < n ? order[k + 1]! : -1;
    if (next >= 0 && sameRange(buf, found[at]!, found[at + 1]!, found[next]!, found[next + 1]!))
      continue;
    writeEntry(m, r, found[at]!, found[at + 1]!, found[at + 2]!, found[at + 3]!);
  }
}

/** Doubles the room of `found` and `order`. */
function growFound(): void {
  const grown = new Int32Array(found.length * 2);
  grown.set(found);
  found = grown;
  const moreOrder = new Int32Array(found.length / 4);
  moreOrder.set(order);
  order = moreOrder;
}

const SERVICE_NAME = Buffer.from('service.name');

/**
 * The [start, end) of the AnyValue of the `service.name` attribute among the KeyValues of
 * field `field` in [start, end), or null. The reader is left where it was.
 */
export function findServiceName(
  r: WireReader,
  start: number,
  end: number,
  field: number,
): [number, number] | null {
  const buf = r.buf;
  const savePos = r.pos;
  const saveEnd = r.end;
  r.at(start, end);
  let found: [number, number] | null = null;
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 !== field || (t & 7) !== WIRE_LEN) {
      r.skip(t);
      continue;
    }
    const kvEnd = r.len();
    let isService = false;
    let value: [number, number] | null = null;
    while (r.pos < kvEnd) {
      const kt = r.tag();
      if ((kt & 7) !== WIRE_LEN) {
        r.skip(kt);
        continue;
      }
      const e = r.len();
      if (kt >>> 3 === 1) {
        isService =
          e - r.pos === SERVICE_NAME.length && SERVICE_NAME.equals(buf.subarray(r.pos, e));
      } else if (kt >>> 3 === 2) {
        value = [r.pos, e];
      }
      r.pos = e;
    }
    if (isService && value) found = value;
  }
  r.at(savePos, saveEnd);
  return found;
}

/**
 * An AnyValue holding arrays or maps, decoded. One that cannot be (malformed, a string that
 * is not UTF-8, or nested past protobuf's limit of 100 messages, about 50 levels of arrays
 * or maps) makes the request malformed, as the rest of its encoding would.
 */
function nestedValue(bytes: Uint8Array): AnyValue {
  try {
    return AnyValueType.decode(bytes) as unknown as AnyValue;
  } catch (err) {
    throw new AppError(
      'VALIDATION',
      `request body is not a valid OTLP protobuf message: an array or map value: ${(err as Error).message}`,
    );
  }
}
