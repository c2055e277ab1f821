/**
 * Builds blocks in ClickHouse's Native format: a column count and a row count, then for
 * each column its name, its type and all its values. The engine reads a Native block two to
 * three times faster than the same rows as TabSeparated text (bench/RESULTS.md), because
 * nothing is parsed: numbers are little-endian, strings are a length and their bytes.
 *
 * Rows are written value by value in column order, as text rows would be; each value goes
 * to its column's buffers. Composite types are serialized the way the engine keeps them:
 * an Array as the running element count per row, then all elements; a Map as an Array of
 * (key, value) whose keys come first, then its values.
 *
 * Blocks declare plain types (String where the table has LowCardinality(String)); the
 * engine converts them on insert.
 */

/** The column types rows are written in. */
export type NativeType =
  | 'String'
  | 'UInt8'
  | 'Bool'
  | 'Int32'
  | 'UInt32'
  | 'UInt64'
  | 'Float64'
  | 'DateTime64(9)'
  | 'Map(String, String)'
  | 'Array(String)'
  | 'Array(UInt32)'
  | 'Array(UInt64)'
  | 'Array(Float64)'
  | 'Array(DateTime64(9))'
  | 'Array(Map(String, String))';

const TWO16 = 65536;
const TWO32 = 4294967296;
const BILLION = 1_000_000_000;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** The largest chunk a ByteSink allocates; a single value may need a larger one. */
const MAX_CHUNK = 1 << 20;

/**
 * A growable byte sink with the Native format's encodings of single values. It fills
 * chunks of doubling size (up to MAX_CHUNK) and hands them on as pieces, never copying what
 * it has written: a block is written out piece by piece anyway, and growing one buffer by
 * copying it was a tenth of a log record's conversion time.
 */
export class ByteSink {
  /** The chunk being filled, and the next position in it. */
  buf: Buffer;
  pos = 0;
  /** Filled chunks before `buf`, in order. */
  private readonly filled: Buffer[] = [];
  private filledBytes = 0;

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Makes room for `n` more bytes in `buf`, starting a new chunk when needed. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) {
      this.filled.push(this.buf.subarray(0, this.pos));
      this.filledBytes += this.pos;
    }
    this.buf = Buffer.allocUnsafe(Math.max(n, Math.min(this.buf.length * 2, MAX_CHUNK)));
    this.pos = 0;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.filledBytes + this.pos;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.pos;
    b[p++] = v;
    b[p++] = v >>> 8;
    b[p++] = v >>> 16;
    b[p++] = v >>> 24;
    this.pos = p;
  }

  /** Int32 values share UInt32's bytes (two's complement). */
  i32(v: number): void {
    this.u32(v | 0);
  }

  /** An unsigned 64-bit value from its halves. */
  u64(lo: number, hi: number): void {
    this.u32(lo);
    this.u32(hi);
  }

  /** An unsigned 64-bit value from a non-negative safe integer. */
  u64n(n: number): void {
    this.u32(n % TWO32);
    this.u32(Math.floor(n / TWO32));
  }

  f64(v: number): void {
    this.ensure(8);
    F64[0] = v;
    this.buf.set(F64_BYTES, this.pos);
    this.pos += 8;
  }

  /**
   * A DateTime64(9) value: nanoseconds since the epoch as Int64, computed exactly from whole
   * seconds (below 2^34) and nanoseconds. Every intermediate stays under 2^53.
   */
  dt64(sec: number, nanos: number): void {
    const low = (sec % TWO16) * BILLION + nanos; // < 2^46
    const high = Math.floor(sec / TWO16) * BILLION; // counts units of 2^16, < 2^48
    const t = (high % TWO16) * TWO16 + low; // < 2^48
    this.u32(t % TWO32);
    this.u32(Math.floor(high / TWO16) + Math.floor(t / TWO32));
  }

  /** An unsigned LEB128 length, as strings and the block header use. */
  varint(n: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (n >= 0x80) {
      b[p++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A String value from request bytes. */
  str(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.varint(n);
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n > 24) {
      b.set(src.subarray(start, end), p);
      p += n;
    } else {
      for (let i = start; i < end; i++) b[p++] = src[i]!;
    }
    this.pos = p;
  }

  /** A String value from a JS string. */
  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * An id (trace, span) as a String value of the lower-case hex of request bytes, or ''
   * when it is absent or all zero: OTLP takes an id of all zeros for none, and so does
   * the Collector's ClickHouse exporter, which writes it as ''.
   */
  id(src: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end && src[i] === 0) i++;
    if (i === end) end = start;
    this.varint((end - start) * 2);
    this.ensure((end - start) * 2);
    const b = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const v = src[i]!;
      b[p++] = HEX[v >>> 4]!;
      b[p++] = HEX[v & 15]!;
    }
    this.pos = p;
  }

  /** Bytes already encoded (a rendered value shared by many rows). */
  raw(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** What was written, as pieces in order (views of the chunks, not copies). */
  pieces(): Buffer[] {
    const last = this.buf.subarray(0, this.pos);
    return this.filled.length === 0 ? [last] : [...this.filled, last];
  }

  /** What was written, in one buffer (a view when it fits one chunk, else a copy). */
  bytes(): Buffer {
    return this.filled.length === 0 ? this.buf.subarray(0, this.pos) : Buffer.concat(this.pieces());
  }
}

/** Where a Map's entries go: each key is written here, and its value into the sink returned. */
export interface MapTarget {
  key(src: Uint8Array, start: number, end: number): ByteSink;
}

/** A Map value rendered once and copied into many rows (resource and scope attributes). */
export interface MapCell {
  count: number;
  keys: Uint8Array;
  values: Uint8Array;
}

/** Renders one String value, for copying into many rows with `NativeWriter.encoded`. */
export function renderString(fn: (s: ByteSink) => void): Uint8Array {
  const s = new ByteSink(64);
  fn(s);
  return Uint8Array.prototype.slice.call(s.bytes());
}

/** Renders one Map value, for copying into many rows with `NativeWriter.mapCell`. */
export function renderMap(fn: (m: MapTarget) => void): MapCell {
  const keys = new ByteSink(256);
  const values = new ByteSink(256);
  let count = 0;
  fn({
    key(src, start, end) {
      keys.str(src, start, end);
      count++;
      return values;
    },
  });
  return {
    count,
    keys: Uint8Array.prototype.slice.call(keys.bytes()),
    values: Uint8Array.prototype.slice.call(values.bytes()),
  };
}

type Shape = 'plain' | 'array' | 'map' | 'arrayOfMaps';

function shapeOf(type: NativeType): Shape {
  if (type === 'Map(String, String)') return 'map';
  if (type === 'Array(Map(String, String))') return 'arrayOfMaps';
  if (type.startsWith('Array(')) return 'array';
  return 'plain';
}

/**
 * One column's buffers. `data` holds the values of a plain column, the elements of an
 * Array and the keys of a Map; `values` a Map's values; `offsets` the running count of
 * elements (or entries) at the end of each row; `inner` the running entry count at the end
 * of each Map inside an Array(Map).
 */
export class Column implements MapTarget {
  readonly shape: Shape;
  readonly data: ByteSink;
  readonly values: ByteSink;
  readonly offsets: ByteSink;
  readonly inner: ByteSink;
  /** Elements of an Array, entries of a Map, Maps of an Array(Map), so far. */
  total = 0;
  /** Entries of the Maps of an Array(Map) so far. */
  private entries = 0;

  constructor(
    readonly name: string,
    readonly type: NativeType,
  ) {
    // Sinks start small and their chunks double as they fill (see ByteSink).
    this.shape = shapeOf(type);
    const maps = this.shape === 'map' || this.shape === 'arrayOfMaps';
    this.data = new ByteSink(4096);
    this.values = new ByteSink(maps ? 4096 : 0);
    this.offsets = new ByteSink(this.shape === 'plain' ? 0 : 4096);
    this.inner = new ByteSink(this.shape === 'arrayOfMaps' ? 4096 : 0);
  }

  /** The sink for the next element of an Array column. */
  item(): ByteSink {
    this.total++;
    return this.data;
  }

  key(src: Uint8Array, start: number, end: number): ByteSink {
    this.data.str(src, start, end);
    if (this.shape === 'arrayOfMaps') this.entries++;
    else this.total++;
    return this.values;
  }

  /** Ends one Map of an Array(Map) column; its entries were given with `key`. */
  endMap(): void {
    this.inner.u64n(this.entries);
    this.total++;
  }

  endRow(): void {
    if (this.shape !== 'plain') this.offsets.u64n(this.total);
  }

  /** The column's data in the order the Native format reads it. */
  chunks(): Buffer[] {
    switch (this.shape) {
      case 'plain':
        return this.data.pieces();
      case 'array':
        return [...this.offsets.pieces(), ...this.data.pieces()];
      case 'map':
        return [...this.offsets.pieces(), ...this.data.pieces(), ...this.values.pieces()];
      case 'arrayOfMaps':
        return [
          ...this.offsets.pieces(),
          ...this.inner.pieces(),
          ...this.data.pieces(),
          ...this.values.pieces(),
        ];
    }
  }
}

/**
 * Writes rows of one table into a Native block. Each value method writes the next column's
 * value; `endRow` checks that every column got one.
 */
export class NativeWriter {
  readonly columns: Column[];
  private readonly composite: Column[];
  private cur = 0;
  rows = 0;

  constructor(columns: readonly (readonly [string, NativeType])[]) {
    this.columns = columns.map(([name, type]) => new Column(name, type));
    this.composite = this.columns.filter((c) => c.shape !== 'plain');
  }

  /** The next column, to write an Array's elements or a Map's entries into. */
  next(): Column {
    const c = this.columns[this.cur++];
    if (!c) throw new Error(`row has more values than the ${this.columns.length} columns`);
    return c;
  }

  /** The sink for the next column's value, which must be written as exactly one value. */
  value(): ByteSink {
    return this.next().data;
  }

  string(src: Uint8Array, start: number, end: number): void {
    this.next().data.str(src, start, end);
  }

  text(s: string): void {
    this.next().data.text(s);
  }

  id(src: Uint8Array, start: number, end: number): void {
    this.next().data.id(src, start, end);
  }

  /** A value encoded in advance (see renderString). */
  encoded(bytes: Uint8Array): void {
    this.next().data.raw(bytes);
  }

  u8(v: number): void {
    this.next().data.u8(v);
  }

  bool(v: boolean): void {
    this.next().data.u8(v ? 1 : 0);
  }

  i32(v: number): void {
    this.next().data.i32(v);
  }

  u32(v: number): void {
    this.next().data.u32(v);
  }

  u64(lo: number, hi: number): void {
    this.next().data.u64(lo, hi);
  }

  u64n(n: number): void {
    this.next().data.u64n(n);
  }

  f64(v: number): void {
    this.next().data.f64(v);
  }

  dt64(sec: number, nanos: number): void {
    this.next().data.dt64(sec, nanos);
  }

  /** A Map value rendered in advance (see renderMap). */
  mapCell(cell: MapCell): void {
    const c = this.next();
    c.data.raw(cell.keys);
    c.values.raw(cell.values);
    c.total += cell.count;
  }

  endRow(): void {
    if (this.cur !== this.columns.length) {
      throw new Error(`row has ${this.cur} values for ${this.columns.length} columns`);
    }
    for (const c of this.composite) c.endRow();
    this.cur = 0;
    this.rows++;
  }

  /**
   * The block: its header, then each column's name, type and data, as pieces to write in
   * order. They are views of the writer's chunks, not a copy: joining them copied each
   * block into fresh memory, about a sixteenth of the server's JavaScript time under load.
   * The chunks stay allocated until the views are dropped; the last chunk of each of a
   * column's sinks may be partly empty.
   */
  finish(): Buffer[] {
    if (this.cur !== 0) throw new Error('block ends inside a row');
    const head = new ByteSink(16);
    head.varint(this.columns.length);
    head.varint(this.rows);
    const pieces = head.pieces();
    for (const c of this.columns) {
      const h = new ByteSink(c.name.length + c.type.length + 8);
      h.text(c.name);
      h.text(c.type);
      pieces.push(h.bytes());
      for (const chunk of c.chunks()) pieces.push(chunk);
    }
    return pieces;
  }
}
