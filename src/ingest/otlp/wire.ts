/**
 * A minimal protobuf wire-format reader over the request bytes. The converters read OTLP
 * straight from the wire into Native blocks, without building message objects, which is most of
 * what ingestion costs otherwise. Field numbers come from proto/ (the OTLP specification).
 */
import { AppError } from '../../lib/errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_I32 = 5;

function malformed(what: string): AppError {
  return new AppError('VALIDATION', `request body is not a valid OTLP protobuf message: ${what}`);
}

/**
 * Reads fields in [pos, end). 64-bit values are read into `lo` and `hi` (unsigned 32-bit
 * halves) rather than returned, so no object is made for them.
 */
export class WireReader {
  pos: number;
  end: number;
  lo = 0;
  hi = 0;
  private view: DataView | undefined;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Re-targets the reader at [start, end) of the same buffer. */
  at(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** A field's tag: field number << 3 | wire type. */
  tag(): number {
    const t = this.varint32();
    if (t >>> 3 === 0) throw malformed('field number 0');
    return t;
  }

  varint32(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.pos >= this.end) throw malformed('truncated varint');
      b = buf[this.pos++]!;
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 70) throw malformed('varint too long');
    } while (b & 0x80);
    return result >>> 0;
  }

  /** A varint of up to 64 bits into lo/hi. */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.pos >= this.end) throw malformed('truncated varint');
      b = buf[this.pos++]!;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else if (shift < 64) {
        hi |= (b & 0x7f) << (shift - 32);
      }
      shift += 7;
      if (shift > 70) throw malformed('varint too long');
    } while (b & 0x80);
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A fixed64 into lo/hi. */
  fixed64(): void {
    this.lo = this.fixed32();
    this.hi = this.fixed32();
  }

  double(): number {
    if (this.pos + 8 > this.end) throw malformed('truncated double');
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns where the value ends; `pos` is then its start. */
  len(): number {
    const n = this.varint32();
    const end = this.pos + n;
    if (end > this.end) throw malformed('length beyond the end of the message');
    return end;
  }

  /** Reads a length-delimited value and returns its range, moving past it. */
  range(): Range {
    const end = this.len();
    const out = { start: this.pos, end };
    this.pos = end;
    return out;
  }

  /**
   * Moves past the value of a field this reader does not take, given its tag; a group
   * (wire types 3 and 4, from proto2) is skipped whole, as protobuf parsers skip it.
   */
  skip(tag: number): void {
    const wireType = tag & 7;
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw malformed('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.len();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
        this.pos += 4;
        return;
      case WIRE_START_GROUP:
        for (;;) {
          if (this.pos >= this.end) throw malformed('truncated group');
          const inner = this.tag();
          if ((inner & 7) === WIRE_END_GROUP) {
            if (inner >>> 3 !== tag >>> 3) throw malformed('group ends with another field');
            return;
          }
          this.skip(inner);
        }
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
  }
}

/** Throws when a known field arrives with another wire type than the schema's. */
export function expectWire(tag: number, wireType: number): void {
  if ((tag & 7) !== wireType) {
    throw malformed(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wireType}`);
  }
}

/** Zig-zag decoding of a sint32. */
export function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

/** A [start, end) byte range of the request; start === end for an absent or empty field. */
export interface Range {
  start: number;
  end: number;
}
