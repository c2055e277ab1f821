import { inRange, isZero, splitNanos, type SecNanos } from '../../lib/nanos.js';
import { RowCollector, forEachItem, validId, type Converted } from './convert-common.js';
import { writeAnyValue, writeAttributes, type ValueKind } from './wire-values.js';
import { expectWire, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from './wire.js';

const NO_RANGE = { start: 0, end: 0 };

/**
 * Rows for otel_logs, in LOGS_COLUMNS order, read straight from an encoded
 * ExportLogsServiceRequest. A record without a time takes its observed time, and one
 * without either takes `receivedAt`, as the time Gridscope observed it. Records older than
 * `expiredBeforeSec` (Unix seconds; 0 for none) are refused: retention would drop them
 * right after they were acknowledged. Throws a VALIDATION AppError for malformed bytes.
 */
export function logsToRows(
  body: Uint8Array,
  receivedAt: SecNanos,
  expiredBeforeSec = 0,
): Converted {
  const out = new RowCollector();
  const r = new WireReader(body);
  const buf = body;
  forEachItem(r, (rec, res, scope) => {
    let timeLo = 0;
    let timeHi = 0;
    let obsLo = 0;
    let obsHi = 0;
    let severity = 0;
    let sevStart = 0;
    let sevEnd = 0;
    let bodyStart = -1;
    let bodyEnd = -1;
    let dropped = 0;
    let flags = 0;
    let eventStart = 0;
    let eventEnd = 0;
    let id = NO_RANGE;
    let span = NO_RANGE;
    r.at(rec.start, rec.end);
    while (r.more()) {
      const t = r.tag();
      switch (t >>> 3) {
        case 1:
          expectWire(t, WIRE_I64);
          r.fixed64();
          timeLo = r.lo;
          timeHi = r.hi;
          break;
        case 2:
          expectWire(t, WIRE_VARINT);
          severity = r.varint32();
          break;
        case 3:
          expectWire(t, WIRE_LEN);
          ({ start: sevStart, end: sevEnd } = r.range());
          break;
        case 5:
          expectWire(t, WIRE_LEN);
          ({ start: bodyStart, end: bodyEnd } = r.range());
          break;
        case 7:
          expectWire(t, WIRE_VARINT);
          dropped = r.varint32();
          break;
        case 8:
          expectWire(t, WIRE_I32);
          flags = r.fixed32();
          break;
        case 9:
          expectWire(t, WIRE_LEN);
          id = r.range();
          break;
        case 10:
          expectWire(t, WIRE_LEN);
          span = r.range();
          break;
        case 11:
          expectWire(t, WIRE_I64);
          r.fixed64();
          obsLo = r.lo;
          obsHi = r.hi;
          break;
        case 12:
          expectWire(t, WIRE_LEN);
          ({ start: eventStart, end: eventEnd } = r.range());
          break;
        default:
          r.skip(t);
      }
    }
    if (!validId(buf, id, 16, true)) {
      out.reject('log record trace_id must be empty or 16 bytes');
      return;
    }
    if (!validId(buf, span, 8, true)) {
      out.reject('log record span_id must be empty or 8 bytes');
      return;
    }
    if (severity > 24) {
      out.reject('log record severity_number must be 0 to 24');
      return;
    }
    let observed = splitNanos({ low: obsLo, high: obsHi });
    let time = splitNanos({ low: timeLo, high: timeHi });
    if (!inRange(time)) {
      out.reject('log record time_unix_nano is out of range');
      return;
    }
    if (!inRange(observed)) {
      out.reject('log record observed_time_unix_nano is out of range');
      return;
    }
    if (isZero(observed)) observed = receivedAt;
    if (isZero(time)) time = observed;
    if (time.sec < expiredBeforeSec) {
      out.reject('log record time is older than the retention period');
      return;
    }

    const w = out.writer('otel_logs');
    w.dt64(time.sec, time.nanos);
    w.id(buf, id.start, id.end);
    w.id(buf, span.start, span.end);
    w.u8(flags & 0xff);
    w.string(buf, sevStart, sevEnd);
    w.u8(severity);
    w.encoded(res.serviceName);
    let kind: ValueKind = '';
    if (bodyStart >= 0) kind = writeAnyValue(w.value(), r, bodyStart, bodyEnd);
    else w.text('');
    w.encoded(res.schemaUrl);
    w.mapCell(res.attributes);
    w.encoded(scope.schemaUrl);
    w.encoded(scope.name);
    w.encoded(scope.version);
    w.mapCell(scope.attributes);
    writeAttributes(w.next(), r, rec.start, rec.end, 6);
    w.string(buf, eventStart, eventEnd);
    w.dt64(observed.sec, observed.nanos);
    w.u32(flags);
    w.text(kind);
    w.u32(dropped);
    w.u32(res.dropped);
    w.u32(scope.dropped);
    out.commit('otel_logs');
  });
  return out.result();
}
