import { inRange, int64Number, isZero, splitNanos } from '../../lib/nanos.js';
import {
  renderMap,
  renderString,
  type MapCell,
  type NativeWriter,
  type TableName,
} from '../../store/index.js';
import {
  RowCollector,
  forEachItem,
  validId,
  type Converted,
  type ResourceText,
  type ScopeText,
} from './convert-common.js';
import { writeAttributes } from './wire-values.js';
import {
  expectWire,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  WireReader,
  zigzag32,
  type Range,
} from './wire.js';

type PointKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** Metric.data field numbers, and where each kind's point fields are. */
const DATA_FIELDS: Record<number, PointKind> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponentialHistogram',
  11: 'summary',
};
const TABLES: Record<PointKind, TableName> = {
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
  exponentialHistogram: 'otel_metrics_exponential_histogram',
  summary: 'otel_metrics_summary',
};
/** Field numbers of attributes, flags and exemplars in each point message. */
const POINT_FIELDS: Record<PointKind, { attributes: number; flags: number; exemplars: number }> = {
  gauge: { attributes: 7, flags: 8, exemplars: 5 },
  sum: { attributes: 7, flags: 8, exemplars: 5 },
  histogram: { attributes: 9, flags: 10, exemplars: 8 },
  exponentialHistogram: { attributes: 1, flags: 10, exemplars: 11 },
  summary: { attributes: 7, flags: 8, exemplars: 0 },
};

/**
 * Reads one occurrence of a repeated unsigned 64-bit field, packed or not, as pairs of
 * 32-bit halves (low, high): fixed64 items (histogram bucket counts) or varint items
 * (exponential buckets).
 */
function readUint64s(r: WireReader, tag: number, itemWire: number, into: number[]): void {
  const one = () => {
    if (itemWire === WIRE_I64) r.fixed64();
    else r.varint64();
    into.push(r.lo, r.hi);
  };
  if ((tag & 7) === WIRE_LEN) packed(r, one);
  else {
    expectWire(tag, itemWire);
    one();
  }
}

/**
 * Reads the items of a packed field, each by `one`, within the field's own length: an item
 * running past it (a length that is not a whole number of items) is malformed, not read
 * on into the fields after it.
 */
function packed(r: WireReader, one: () => void): void {
  const end = r.len();
  const outer = r.end;
  r.end = end;
  while (r.pos < end) one();
  r.end = outer;
}

/** Reads a repeated double field occurrence, packed or not. */
function readDoubles(r: WireReader, tag: number, into: number[]): void {
  if ((tag & 7) === WIRE_LEN) packed(r, () => into.push(r.double()));
  else {
    expectWire(tag, WIRE_I64);
    into.push(r.double());
  }
}

/** The fields of any point kind, as read in one pass; unused ones stay at their defaults. */
interface Point {
  startLo: number;
  startHi: number;
  timeLo: number;
  timeHi: number;
  flags: number;
  exemplars: Range[];
  value: number;
  /** Whether a gauge or sum point carries as_double or as_int. */
  hasValue: boolean;
  /** Count and zero count as 32-bit halves. */
  count: [number, number];
  sum: number;
  min: number;
  max: number;
  /** Bucket counts as (low, high) halves, two numbers per bucket. */
  bucketCounts: number[];
  bounds: number[];
  scale: number;
  zeroCount: [number, number];
  zeroThreshold: number;
  positive: Range | null;
  negative: Range | null;
  quantiles: Range[];
}

function readPoint(r: WireReader, kind: PointKind, p: Range): Point {
  const pt: Point = {
    startLo: 0,
    startHi: 0,
    timeLo: 0,
    timeHi: 0,
    flags: 0,
    exemplars: [],
    value: 0,
    hasValue: false,
    count: [0, 0],
    sum: 0,
    min: 0,
    max: 0,
    bucketCounts: [],
    bounds: [],
    scale: 0,
    zeroCount: [0, 0],
    zeroThreshold: 0,
    positive: null,
    negative: null,
    quantiles: [],
  };
  const fields = POINT_FIELDS[kind];
  r.at(p.start, p.end);
  while (r.more()) {
    const t = r.tag();
    const f = t >>> 3;
    if (f === 2 || f === 3) {
      expectWire(t, WIRE_I64);
      r.fixed64();
      if (f === 2) {
        pt.startLo = r.lo;
        pt.startHi = r.hi;
      } else {
        pt.timeLo = r.lo;
        pt.timeHi = r.hi;
      }
    } else if (f === fields.flags) {
      expectWire(t, WIRE_VARINT);
      pt.flags = r.varint32();
    } else if (f === fields.exemplars) {
      expectWire(t, WIRE_LEN);
      pt.exemplars.push(r.range());
    } else if (f === fields.attributes) {
      r.skip(t);
    } else if (kind === 'gauge' || kind === 'sum') {
      if (f === 4) {
        expectWire(t, WIRE_I64);
        pt.value = r.double();
        pt.hasValue = true;
      } else if (f === 6) {
        expectWire(t, WIRE_I64);
        r.fixed64();
        pt.value = int64Number({ low: r.lo, high: r.hi });
        pt.hasValue = true;
      } else r.skip(t);
    } else {
      // Histogram, exponential histogram and summary share count (4) and sum (5).
      if (f === 4) {
        expectWire(t, WIRE_I64);
        r.fixed64();
        pt.count = [r.lo, r.hi];
      } else if (f === 5) {
        expectWire(t, WIRE_I64);
        pt.sum = r.double();
      } else if (kind === 'histogram') {
        if (f === 6) readUint64s(r, t, WIRE_I64, pt.bucketCounts);
        else if (f === 7) readDoubles(r, t, pt.bounds);
        else if (f === 11 || f === 12) {
          expectWire(t, WIRE_I64);
          if (f === 11) pt.min = r.double();
          else pt.max = r.double();
        } else r.skip(t);
      } else if (kind === 'exponentialHistogram') {
        if (f === 6) {
          expectWire(t, WIRE_VARINT);
          pt.scale = zigzag32(r.varint32());
        } else if (f === 7) {
          expectWire(t, WIRE_I64);
          r.fixed64();
          pt.zeroCount = [r.lo, r.hi];
        } else if (f === 8 || f === 9) {
          expectWire(t, WIRE_LEN);
          if (f === 8) pt.positive = r.range();
          else pt.negative = r.range();
        } else if (f === 12 || f === 13 || f === 14) {
          expectWire(t, WIRE_I64);
          const d = r.double();
          if (f === 12) pt.min = d;
          else if (f === 13) pt.max = d;
          else pt.zeroThreshold = d;
        } else r.skip(t);
      } else if (f === 6) {
        expectWire(t, WIRE_LEN);
        pt.quantiles.push(r.range());
      } else r.skip(t);
    }
  }
  return pt;
}

/**
 * Why a histogram point's buckets cannot be read, if they cannot: bucket_counts has one
 * more element than explicit_bounds, or none when there are no bounds; the bounds
 * increase strictly.
 */
function histogramBucketsProblem(counts: number, bounds: readonly number[]): string | undefined {
  if (counts === 0 ? bounds.length !== 0 : counts !== bounds.length + 1) {
    return 'histogram bucket_counts must have one more element than explicit_bounds (none without bounds)';
  }
  // NaN is no bound, and is greater than nothing.
  for (let i = 0; i < bounds.length; i++) {
    if (Number.isNaN(bounds[i]) || (i > 0 && !(bounds[i]! > bounds[i - 1]!)))
      return 'histogram explicit_bounds must increase strictly';
  }
  return undefined;
}

/** An exponential histogram's Buckets: offset (field 1) and counts (field 2, as halves). */
interface Buckets {
  offset: number;
  counts: number[];
}

function readBuckets(r: WireReader, b: Range | null): Buckets {
  const out: Buckets = { offset: 0, counts: [] };
  if (!b) return out;
  r.at(b.start, b.end);
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      expectWire(t, WIRE_VARINT);
      out.offset = zigzag32(r.varint32());
    } else if (t >>> 3 === 2) readUint64s(r, t, WIRE_VARINT, out.counts);
    else r.skip(t);
  }
  return out;
}

const NO_BUCKETS: Buckets = { offset: 0, counts: [] };
const NO_QUANTILES = { q: [] as number[], v: [] as number[] };

/** OTLP's range of exponential histogram scales. */
const MIN_SCALE = -10;
const MAX_SCALE = 20;
const MAX_INT32 = 2 ** 31 - 1;

/**
 * Why an exponential histogram point cannot be read, if it cannot: a scale outside OTLP's
 * range, or buckets whose indexes (offset, offset + 1, ...) pass what 32 bits hold.
 */
function exponentialProblem(scale: number, sides: readonly Buckets[]): string | undefined {
  if (scale < MIN_SCALE || scale > MAX_SCALE) {
    return `exponential histogram scale must be ${MIN_SCALE} to ${MAX_SCALE}`;
  }
  for (const b of sides) {
    if (b.counts.length > 0 && b.offset + b.counts.length / 2 - 1 > MAX_INT32) {
      return 'exponential histogram bucket indexes (offset and counts) must fit in 32 bits';
    }
  }
  return undefined;
}

/** Writes an exponential histogram's Buckets as two columns: offset and counts. */
function writeBuckets(w: NativeWriter, b: Buckets): void {
  w.i32(b.offset);
  writeUint64Array(w, b.counts);
}

/** A summary's quantiles and their values (ValueAtQuantile: quantile 1, value 2). */
function readQuantiles(r: WireReader, ranges: readonly Range[]): { q: number[]; v: number[] } {
  const q: number[] = [];
  const v: number[] = [];
  for (const qr of ranges) {
    let quantile = 0;
    let value = 0;
    r.at(qr.start, qr.end);
    while (r.more()) {
      const t = r.tag();
      if (t >>> 3 === 1 || t >>> 3 === 2) {
        expectWire(t, WIRE_I64);
        if (t >>> 3 === 1) quantile = r.double();
        else value = r.double();
      } else r.skip(t);
    }
    q.push(quantile);
    v.push(value);
  }
  return { q, v };
}

/** An Array(UInt64) value from (low, high) halves. */
function writeUint64Array(w: NativeWriter, halves: readonly number[]): void {
  const c = w.next();
  for (let i = 0; i < halves.length; i += 2) c.item().u64(halves[i]!, halves[i + 1]!);
}

/** An Array(Float64) value. */
function writeFloat64Array(w: NativeWriter, values: readonly number[]): void {
  const c = w.next();
  for (const v of values) c.item().f64(v);
}

/** Exemplar fields: filtered attributes 7, time 2, as_double 3, as_int 6, span id 4, trace id 5. */
interface Exemplar {
  range: Range;
  time: { sec: number; nanos: number };
  value: number;
  spanId: Range;
  traceId: Range;
}

function readExemplar(r: WireReader, e: Range): Exemplar {
  const x: Exemplar = {
    range: e,
    time: { sec: 0, nanos: 0 },
    // An exemplar without as_double or as_int has no value, which NaN says.
    value: NaN,
    spanId: { start: 0, end: 0 },
    traceId: { start: 0, end: 0 },
  };
  r.at(e.start, e.end);
  while (r.more()) {
    const t = r.tag();
    switch (t >>> 3) {
      case 2:
        expectWire(t, WIRE_I64);
        r.fixed64();
        x.time = splitNanos({ low: r.lo, high: r.hi });
        break;
      case 3:
        expectWire(t, WIRE_I64);
        x.value = r.double();
        break;
      case 6:
        expectWire(t, WIRE_I64);
        r.fixed64();
        x.value = int64Number({ low: r.lo, high: r.hi });
        break;
      case 4:
        expectWire(t, WIRE_LEN);
        x.spanId = r.range();
        break;
      case 5:
        expectWire(t, WIRE_LEN);
        x.traceId = r.range();
        break;
      default:
        r.skip(t);
    }
  }
  return x;
}

/** The five Exemplars.* columns. */
function writeExemplars(w: NativeWriter, r: WireReader, ex: readonly Exemplar[]): void {
  const buf = r.buf;
  let c = w.next(); // FilteredAttributes
  for (const x of ex) {
    writeAttributes(c, r, x.range.start, x.range.end, 7);
    c.endMap();
  }
  c = w.next(); // TimeUnix
  for (const x of ex) c.item().dt64(x.time.sec, x.time.nanos);
  writeFloat64Array(
    w,
    ex.map((x) => x.value),
  );
  c = w.next(); // SpanId
  for (const x of ex) c.item().id(buf, x.spanId.start, x.spanId.end);
  c = w.next(); // TraceId
  for (const x of ex) c.item().id(buf, x.traceId.start, x.traceId.end);
}

/** A metric's own fields, encoded once for all its points. */
interface MetricText {
  name: Uint8Array;
  description: Uint8Array;
  unit: Uint8Array;
  metadata: MapCell;
}

function metricText(
  r: WireReader,
  m: Range,
  name: Range,
  description: Range,
  unit: Range,
): MetricText {
  const buf = r.buf;
  return {
    name: renderString((s) => s.str(buf, name.start, name.end)),
    description: renderString((s) => s.str(buf, description.start, description.end)),
    unit: renderString((s) => s.str(buf, unit.start, unit.end)),
    metadata: renderMap((t) => writeAttributes(t, r, m.start, m.end, 12)),
  };
}

/** The columns every metrics table starts with, up to the point's attributes. */
function writeHead(w: NativeWriter, res: ResourceText, scope: ScopeText, m: MetricText): void {
  w.mapCell(res.attributes);
  w.encoded(res.schemaUrl);
  w.u32(res.dropped);
  w.encoded(scope.name);
  w.encoded(scope.version);
  w.mapCell(scope.attributes);
  w.u32(scope.dropped);
  w.encoded(scope.schemaUrl);
  w.encoded(res.serviceName);
  w.encoded(m.name);
  w.encoded(m.description);
  w.encoded(m.unit);
  w.mapCell(m.metadata);
}

function convertMetric(
  out: RowCollector,
  r: WireReader,
  res: ResourceText,
  scope: ScopeText,
  m: Range,
  expiredBeforeSec: number,
): void {
  const buf = r.buf;
  let name: Range = { start: 0, end: 0 };
  let description: Range = { start: 0, end: 0 };
  let unit: Range = { start: 0, end: 0 };
  let kind: PointKind | null = null;
  let data: Range | null = null;
  r.at(m.start, m.end);
  while (r.more()) {
    const t = r.tag();
    const f = t >>> 3;
    if (f >= 1 && f <= 3) {
      expectWire(t, WIRE_LEN);
      const v = r.range();
      if (f === 1) name = v;
      else if (f === 2) description = v;
      else unit = v;
    } else if (DATA_FIELDS[f]) {
      expectWire(t, WIRE_LEN);
      kind = DATA_FIELDS[f];
      data = r.range();
    } else {
      r.skip(t);
    }
  }
  if (!kind || !data) return;

  const points: Range[] = [];
  let temporality = 0;
  let monotonic = false;
  r.at(data.start, data.end);
  while (r.more()) {
    const t = r.tag();
    const f = t >>> 3;
    if (f === 1) {
      expectWire(t, WIRE_LEN);
      points.push(r.range());
    } else if (f === 2 && kind !== 'gauge' && kind !== 'summary') {
      expectWire(t, WIRE_VARINT);
      temporality = r.varint32();
    } else if (f === 3 && kind === 'sum') {
      expectWire(t, WIRE_VARINT);
      monotonic = r.varint32() !== 0;
    } else {
      r.skip(t);
    }
  }
  if (points.length === 0) return;
  if (name.end === name.start) {
    out.reject('metric name is empty', points.length);
    return;
  }
  const text = metricText(r, m, name, description, unit);
  const table = TABLES[kind];
  const fields = POINT_FIELDS[kind];

  for (const p of points) {
    const pt = readPoint(r, kind, p);
    const time = splitNanos({ low: pt.timeLo, high: pt.timeHi });
    const start = splitNanos({ low: pt.startLo, high: pt.startHi });
    if (isZero(time) || !inRange(time)) {
      out.reject('metric data point time_unix_nano is missing or out of range');
      continue;
    }
    if (time.sec < expiredBeforeSec) {
      out.reject('metric data point time is older than the retention period');
      continue;
    }
    if (!inRange(start)) {
      out.reject('metric data point start_time_unix_nano is out of range');
      continue;
    }
    const exemplars = pt.exemplars.map((e) => readExemplar(r, e));
    if (
      exemplars.some((e) => !validId(buf, e.traceId, 16, true) || !validId(buf, e.spanId, 8, true))
    ) {
      out.reject('exemplar trace_id and span_id must be empty or 16 and 8 bytes');
      continue;
    }
    if (exemplars.some((e) => !inRange(e.time))) {
      out.reject('exemplar time_unix_nano is out of range');
      continue;
    }
    // A point marked as having no recorded value (flag 1) may carry none.
    if ((kind === 'gauge' || kind === 'sum') && !pt.hasValue && (pt.flags & 1) === 0) {
      out.reject('metric data point has no value (as_double or as_int)');
      continue;
    }
    if (kind === 'histogram') {
      const why = histogramBucketsProblem(pt.bucketCounts.length / 2, pt.bounds);
      if (why !== undefined) {
        out.reject(why);
        continue;
      }
    }
    const positive = kind === 'exponentialHistogram' ? readBuckets(r, pt.positive) : NO_BUCKETS;
    const negative = kind === 'exponentialHistogram' ? readBuckets(r, pt.negative) : NO_BUCKETS;
    if (kind === 'exponentialHistogram') {
      const why = exponentialProblem(pt.scale, [positive, negative]);
      if (why !== undefined) {
        out.reject(why);
        continue;
      }
    }
    const quantiles = kind === 'summary' ? readQuantiles(r, pt.quantiles) : NO_QUANTILES;
    if (quantiles.q.some((q) => !(q >= 0 && q <= 1))) {
      out.reject('summary quantile must be 0 to 1');
      continue;
    }

    const w = out.writer(table);
    writeHead(w, res, scope, text);
    writeAttributes(w.next(), r, p.start, p.end, fields.attributes, true);
    w.dt64(start.sec, start.nanos);
    w.dt64(time.sec, time.nanos);
    w.u32(pt.flags);
    switch (kind) {
      case 'gauge':
      case 'sum':
        w.f64(pt.value);
        writeExemplars(w, r, exemplars);
        if (kind === 'sum') {
          w.i32(temporality);
          w.bool(monotonic);
        }
        break;
      case 'histogram':
        w.u64(pt.count[0], pt.count[1]);
        w.f64(pt.sum);
        writeUint64Array(w, pt.bucketCounts);
        writeFloat64Array(w, pt.bounds);
        writeExemplars(w, r, exemplars);
        w.f64(pt.min);
        w.f64(pt.max);
        w.i32(temporality);
        break;
      case 'exponentialHistogram':
        w.u64(pt.count[0], pt.count[1]);
        w.f64(pt.sum);
        w.i32(pt.scale);
        w.u64(pt.zeroCount[0], pt.zeroCount[1]);
        writeBuckets(w, positive);
        writeBuckets(w, negative);
        writeExemplars(w, r, exemplars);
        w.f64(pt.min);
        w.f64(pt.max);
        w.i32(temporality);
        w.f64(pt.zeroThreshold);
        break;
      case 'summary':
        w.u64(pt.count[0], pt.count[1]);
        w.f64(pt.sum);
        writeFloat64Array(w, quantiles.q);
        writeFloat64Array(w, quantiles.v);
        break;
    }
    out.commit(table);
  }
}

/**
 * Rows for the five otel_metrics_* tables, each in its column order in store/tables.ts,
 * read straight from an encoded ExportMetricsServiceRequest. Points older than
 * `expiredBeforeSec` (Unix seconds; 0 for none) are refused: retention would drop them
 * right after they were acknowledged. Absent optional doubles (sum, min, max) are stored as
 * 0, as the Collector exporter does. Throws a VALIDATION AppError for malformed bytes.
 */
export function metricsToRows(body: Uint8Array, expiredBeforeSec = 0): Converted {
  const out = new RowCollector();
  const r = new WireReader(body);
  forEachItem(r, (m, res, scope) => convertMetric(out, r, res, scope, m, expiredBeforeSec));
  return out.result();
}
