/**
 * OTLP AnyValue and KeyValue lists, written from request bytes as String values the way the
 * Collector's exporter stores them: strings as they are, booleans and numbers in their usual
 * text, bytes in base64, arrays and maps as JSON.
 */
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
      const value = AnyValueType.decode(buf.subarray(start, end)) as unknown as AnyValue;
      w.text(JSON.stringify(anyValueJson(value)));
      break;
    }
    default:
      w.varint(0);
  }
  return kind;
}

/**
 * Writes a Map(String, String) value's entries from every KeyValue of field `field` in the
 * message at [start, end). The reader is left where it was.
 */
export function writeAttributes(
  m: MapTarget,
  r: WireReader,
  start: number,
  end: number,
  field: number,
): void {
  const buf = r.buf;
  const savePos = r.pos;
  const saveEnd = r.end;
  r.at(start, end);
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
    const value = m.key(buf, keyStart, keyEnd);
    if (valueStart >= 0) writeAnyValue(value, r, valueStart, valueEnd);
    else value.varint(0);
  }
  r.at(savePos, saveEnd);
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
