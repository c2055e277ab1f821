/**
 * Builds ClickHouse TabSeparated rows as UTF-8 bytes. Strings from OTLP requests are copied
 * byte for byte from the request with the escapes the format needs, so no JS string is
 * made for them. A top-level String field escapes backslash, tab, newline, carriage return
 * and NUL; a string inside an Array or Map is single-quoted and also escapes the quote.
 */

const BACKSLASH = 0x5c;
const QUOTE = 0x27;

function escapes(extra: number[]): Uint8Array {
  const t = new Uint8Array(256);
  t[0x5c] = 0x5c; // \\
  t[0x09] = 0x74; // \t
  t[0x0a] = 0x6e; // \n
  t[0x0d] = 0x72; // \r
  t[0x00] = 0x30; // \0
  for (const b of extra) t[b] = b;
  return t;
}

const TSV_ESCAPES = escapes([]);
const QUOTED_ESCAPES = escapes([QUOTE]);
const HEX = '0123456789abcdef';
const PAD = '000000000';
const PAD10 = '0000000000';

export class TsvWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = new Uint8Array(initialBytes);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  tab(): void {
    this.byte(0x09);
  }

  /** Text known to need no escaping and to be ASCII: numbers, names, constants. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Bytes already in row text (a rendered map, say). */
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** A top-level String field from request bytes. */
  tsv(src: Uint8Array, start: number, end: number): void {
    this.escaped(src, start, end, TSV_ESCAPES);
  }

  /** A quoted string inside an Array or Map, from request bytes. */
  quoted(src: Uint8Array, start: number, end: number): void {
    this.byte(QUOTE);
    this.escaped(src, start, end, QUOTED_ESCAPES);
    this.byte(QUOTE);
  }

  /** A top-level String field from a JS string. */
  tsvString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.escaped(b, 0, b.length, TSV_ESCAPES);
  }

  /** A quoted string inside an Array or Map, from a JS string. */
  quotedString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.quoted(b, 0, b.length);
  }

  /** Lower-case hex of request bytes. */
  hex(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      buf[p++] = HEX.charCodeAt(b >>> 4);
      buf[p++] = HEX.charCodeAt(b & 15);
    }
    this.pos = p;
  }

  /** A DateTime64(9) value: zero-padded seconds, a dot, nine digits of nanoseconds. */
  dateTime64(sec: number, nanos: number): void {
    const s = String(sec);
    if (s.length < 10) this.ascii(PAD10.slice(s.length));
    this.ascii(s);
    this.byte(0x2e);
    const n = String(nanos);
    this.ascii(PAD.slice(n.length));
    this.ascii(n);
  }

  /** Sets the write position back, dropping what was written after `mark`. */
  rewind(mark: number): void {
    this.pos = mark;
  }

  /** The bytes written; the writer must not be used afterwards. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private escaped(src: Uint8Array, start: number, end: number, table: Uint8Array): void {
    this.ensure((end - start) * 2);
    const buf = this.buf;
    let p = this.pos;
    if (end - start > 32) {
      // Most strings need no escape: find out first, and copy those in one native call.
      let clean = true;
      for (let i = start; i < end; i++) {
        if (table[src[i]!] !== 0) {
          clean = false;
          break;
        }
      }
      if (clean) {
        buf.set(src.subarray(start, end), p);
        this.pos = p + (end - start);
        return;
      }
    }
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      const e = table[b]!;
      if (e === 0) {
        buf[p++] = b;
      } else {
        buf[p++] = BACKSLASH;
        buf[p++] = e;
      }
    }
    this.pos = p;
  }
}

/** A Float64 value as ClickHouse reads it: nan, inf and -inf included. */
export function floatText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}
