import { diffNanos, inRange, isZero, splitNanos, type SecNanos } from '../../lib/nanos.js';
import { renderString } from '../../store/index.js';
import { EMPTY, RowCollector, forEachItem, validId, type Converted } from './convert-common.js';
import { writeAttributes } from './wire-values.js';
import {
  expectWire,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  WireReader,
  type Range,
} from './wire.js';

/**
 * The stored names of span kinds and status codes, by number, encoded once. A number
 * outside the enum is stored as '', as the Collector's exporter writes it.
 */
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
].map((k) => renderString((s) => s.text(k)));
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'].map((c) =>
  renderString((s) => s.text(c)),
);

// Span field numbers.
const EVENTS = 11;
const LINKS = 13;

/** One span's fields, as read in the first pass over it. */
interface SpanFields {
  traceId: Range;
  spanId: Range;
  parentId: Range;
  traceState: Range;
  name: Range;
  kind: number;
  start: SecNanos;
  end: SecNanos;
  dropped: number;
  droppedEvents: number;
  droppedLinks: number;
  statusCode: number;
  statusMessage: Range;
  flags: number;
  events: Range[];
  links: Range[];
}

function empty(): Range {
  return { start: 0, end: 0 };
}

function readSpan(r: WireReader, s: Range): SpanFields {
  const f: SpanFields = {
    traceId: empty(),
    spanId: empty(),
    parentId: empty(),
    traceState: empty(),
    name: empty(),
    kind: 0,
    start: { sec: 0, nanos: 0 },
    end: { sec: 0, nanos: 0 },
    dropped: 0,
    droppedEvents: 0,
    droppedLinks: 0,
    statusCode: 0,
    statusMessage: empty(),
    flags: 0,
    events: [],
    links: [],
  };
  r.at(s.start, s.end);
  while (r.more()) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        expectWire(t, WIRE_LEN);
        f.traceId = r.range();
        break;
      case 2:
        expectWire(t, WIRE_LEN);
        f.spanId = r.range();
        break;
      case 3:
        expectWire(t, WIRE_LEN);
        f.traceState = r.range();
        break;
      case 4:
        expectWire(t, WIRE_LEN);
        f.parentId = r.range();
        break;
      case 5:
        expectWire(t, WIRE_LEN);
        f.name = r.range();
        break;
      case 6:
        expectWire(t, WIRE_VARINT);
        f.kind = r.varint32();
        break;
      case 7:
        expectWire(t, WIRE_I64);
        r.fixed64();
        f.start = splitNanos({ low: r.lo, high: r.hi });
        break;
      case 8:
        expectWire(t, WIRE_I64);
        r.fixed64();
        f.end = splitNanos({ low: r.lo, high: r.hi });
        break;
      case 10:
        expectWire(t, WIRE_VARINT);
        f.dropped = r.varint32();
        break;
      case EVENTS:
      case LINKS: {
        expectWire(t, WIRE_LEN);
        (t >>> 3 === EVENTS ? f.events : f.links).push(r.range());
        break;
      }
      case 12:
        expectWire(t, WIRE_VARINT);
        f.droppedEvents = r.varint32();
        break;
      case 14:
        expectWire(t, WIRE_VARINT);
        f.droppedLinks = r.varint32();
        break;
      case 15: {
        expectWire(t, WIRE_LEN);
        const end = r.len();
        while (r.pos < end) {
          const st = r.tag();
          if (st >>> 3 === 2) {
            expectWire(st, WIRE_LEN);
            f.statusMessage = r.range();
          } else if (st >>> 3 === 3) {
            expectWire(st, WIRE_VARINT);
            f.statusCode = r.varint32();
          } else {
            r.skip(st);
          }
        }
        break;
      }
      case 16:
        expectWire(t, WIRE_I32);
        f.flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }
  return f;
}

/** An event's fields: time 1, name 2, attributes 3, dropped 4. */
interface EventFields {
  time: SecNanos;
  name: Range;
  dropped: number;
}

function readEvent(r: WireReader, e: Range): EventFields {
  const f: EventFields = { time: { sec: 0, nanos: 0 }, name: empty(), dropped: 0 };
  r.at(e.start, e.end);
  while (r.more()) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        expectWire(t, WIRE_I64);
        r.fixed64();
        f.time = splitNanos({ low: r.lo, high: r.hi });
        break;
      case 2:
        expectWire(t, WIRE_LEN);
        f.name = r.range();
        break;
      case 4:
        expectWire(t, WIRE_VARINT);
        f.dropped = r.varint32();
        break;
      default:
        r.skip(t);
    }
  }
  return f;
}

/** A link's fields: trace id 1, span id 2, trace state 3, attributes 4, dropped 5, flags 6. */
interface LinkFields {
  traceId: Range;
  spanId: Range;
  traceState: Range;
  dropped: number;
  flags: number;
}

function readLink(r: WireReader, l: Range): LinkFields {
  const f: LinkFields = {
    traceId: empty(),
    spanId: empty(),
    traceState: empty(),
    dropped: 0,
    flags: 0,
  };
  r.at(l.start, l.end);
  while (r.more()) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        expectWire(t, WIRE_LEN);
        f.traceId = r.range();
        break;
      case 2:
        expectWire(t, WIRE_LEN);
        f.spanId = r.range();
        break;
      case 3:
        expectWire(t, WIRE_LEN);
        f.traceState = r.range();
        break;
      case 5:
        expectWire(t, WIRE_VARINT);
        f.dropped = r.varint32();
        break;
      case 6:
        expectWire(t, WIRE_I32);
        f.flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }
  return f;
}

function spanProblem(
  buf: Uint8Array,
  f: SpanFields,
  events: EventFields[],
  links: LinkFields[],
  expiredBeforeSec: number,
): string | null {
  if (!validId(buf, f.traceId, 16, false)) return 'span trace_id must be 16 bytes and not all zero';
  if (!validId(buf, f.spanId, 8, false)) return 'span span_id must be 8 bytes and not all zero';
  if (!validId(buf, f.parentId, 8, true)) return 'span parent_span_id must be empty or 8 bytes';
  if (isZero(f.start) || !inRange(f.start))
    return 'span start_time_unix_nano is missing or out of range';
  if (!inRange(f.end)) return 'span end_time_unix_nano is out of range';
  if (diffNanos(f.end, f.start) < 0) return 'span end_time_unix_nano is before its start';
  if (f.start.sec < expiredBeforeSec) return 'span start time is older than the retention period';
  // A link's ids of all zeros (or none) are kept as none, as the Collector keeps them:
  // the span is not refused for a link that names no span.
  for (const l of links) {
    if (!validId(buf, l.traceId, 16, true) || !validId(buf, l.spanId, 8, true))
      return 'span link ids must be 16 and 8 bytes';
  }
  for (const e of events) if (!inRange(e.time)) return 'span event time is out of range';
  return null;
}

/**
 * Rows for otel_traces, in TRACES_COLUMNS order, read straight from an encoded
 * ExportTraceServiceRequest; spans that cannot be stored are counted and named. Spans
 * starting before `expiredBeforeSec` (Unix seconds; 0 for none) are refused: retention
 * would drop them right after they were acknowledged. Throws a VALIDATION AppError for
 * malformed bytes.
 */
export function tracesToRows(body: Uint8Array, expiredBeforeSec = 0): Converted {
  const out = new RowCollector();
  const r = new WireReader(body);
  const buf = body;
  let firstSec = Infinity;
  let lastSec = -Infinity;
  forEachItem(r, (s, res, scope) => {
    const f = readSpan(r, s);
    const events = f.events.map((e) => readEvent(r, e));
    const links = f.links.map((l) => readLink(r, l));
    const problem = spanProblem(buf, f, events, links, expiredBeforeSec);
    if (problem) {
      out.reject(problem);
      return;
    }
    const w = out.writer('otel_traces');
    firstSec = Math.min(firstSec, f.start.sec);
    lastSec = Math.max(lastSec, f.start.sec);
    w.dt64(f.start.sec, f.start.nanos);
    w.id(buf, f.traceId.start, f.traceId.end);
    w.id(buf, f.spanId.start, f.spanId.end);
    w.id(buf, f.parentId.start, f.parentId.end);
    w.string(buf, f.traceState.start, f.traceState.end);
    w.string(buf, f.name.start, f.name.end);
    w.encoded(SPAN_KINDS[f.kind] ?? EMPTY);
    w.encoded(res.serviceName);
    w.mapCell(res.attributes);
    w.encoded(scope.name);
    w.encoded(scope.version);
    writeAttributes(w.next(), r, s.start, s.end, 9);
    w.u64n(diffNanos(f.end, f.start));
    w.encoded(STATUS_CODES[f.statusCode] ?? EMPTY);
    w.string(buf, f.statusMessage.start, f.statusMessage.end);
    let c = w.next(); // Events.Timestamp
    for (const e of events) c.item().dt64(e.time.sec, e.time.nanos);
    c = w.next(); // Events.Name
    for (const e of events) c.item().str(buf, e.name.start, e.name.end);
    c = w.next(); // Events.Attributes
    for (const e of f.events) {
      writeAttributes(c, r, e.start, e.end, 3);
      c.endMap();
    }
    c = w.next(); // Links.TraceId
    for (const l of links) c.item().id(buf, l.traceId.start, l.traceId.end);
    c = w.next(); // Links.SpanId
    for (const l of links) c.item().id(buf, l.spanId.start, l.spanId.end);
    c = w.next(); // Links.TraceState
    for (const l of links) c.item().str(buf, l.traceState.start, l.traceState.end);
    c = w.next(); // Links.Attributes
    for (const l of f.links) {
      writeAttributes(c, r, l.start, l.end, 4);
      c.endMap();
    }
    w.u32(f.flags);
    w.u32(f.dropped);
    w.u32(f.droppedEvents);
    w.u32(f.droppedLinks);
    c = w.next(); // Events.DroppedAttrCount
    for (const e of events) c.item().u32(e.dropped);
    c = w.next(); // Links.Flags
    for (const l of links) c.item().u32(l.flags);
    c = w.next(); // Links.DroppedAttrCount
    for (const l of links) c.item().u32(l.dropped);
    w.encoded(res.schemaUrl);
    w.u32(res.dropped);
    w.encoded(scope.schemaUrl);
    w.mapCell(scope.attributes);
    w.u32(scope.dropped);
    out.commit('otel_traces');
  });
  const result = out.result();
  if (firstSec <= lastSec)
    result.spanStartMs = { fromMs: firstSec * 1000, toMs: lastSec * 1000 + 999 };
  return result;
}
