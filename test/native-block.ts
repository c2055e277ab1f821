/**
 * Reads Native blocks back for tests, written separately from the writer: every value as
 * the text ClickHouse's TabSeparated output would show it (Array and Map elements quoted).
 */

import type { MapTarget } from '../src/store/native-writer.js';

/** Adds one entry of JS strings to a Map value being written. */
export function mapEntry(m: MapTarget, key: string, value: string): void {
  const k = Buffer.from(key, 'utf8');
  m.key(k, 0, k.length).text(value);
}

export interface NativeBlock {
  columns: { name: string; type: string }[];
  rows: string[][];
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('block ends inside a varint');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }

  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error(`block ends ${n} bytes short`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return this.take(this.varint()).toString('utf8');
  }
}

const floatText = (v: number) =>
  Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);

/** Reads `rows` values of a scalar type. */
function scalars(r: Reader, type: string, rows: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    switch (type) {
      case 'String':
        out.push(r.string());
        break;
      case 'UInt8':
        out.push(String(r.take(1).readUInt8(0)));
        break;
      case 'Bool':
        out.push(r.take(1).readUInt8(0) === 0 ? 'false' : 'true');
        break;
      case 'Int32':
        out.push(String(r.take(4).readInt32LE(0)));
        break;
      case 'UInt32':
        out.push(String(r.take(4).readUInt32LE(0)));
        break;
      case 'UInt64':
        out.push(r.take(8).readBigUInt64LE(0).toString());
        break;
      case 'Float64':
        out.push(floatText(r.take(8).readDoubleLE(0)));
        break;
      case 'DateTime64(9)': {
        const ns = r.take(8).readBigInt64LE(0);
        const nanos = (ns % 1_000_000_000n).toString().padStart(9, '0');
        out.push(`${ns / 1_000_000_000n}.${nanos}`);
        break;
      }
      default:
        throw new Error(`unexpected column type ${type}`);
    }
  }
  return out;
}

const quoted = (type: string, v: string) =>
  type === 'String' || type.startsWith('DateTime') ? `'${v}'` : v;

/** Reads `rows` running offsets and turns them into per-row lengths. */
function lengths(r: Reader, rows: number): number[] {
  const ends = scalars(r, 'UInt64', rows).map(Number);
  return ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]!));
}

/** Reads `rows` values of any type the writer declares, as text. */
function values(r: Reader, type: string, rows: number): string[] {
  const map = /^Map\((\w+), (\w+)\)$/.exec(type);
  if (map) {
    const sizes = lengths(r, rows);
    const total = sizes.reduce((a, b) => a + b, 0);
    const keys = values(r, map[1]!, total);
    const vals = values(r, map[2]!, total);
    let at = 0;
    return sizes.map((n) => {
      const entries: string[] = [];
      for (let i = 0; i < n; i++, at++) {
        entries.push(`${quoted(map[1]!, keys[at]!)}:${quoted(map[2]!, vals[at]!)}`);
      }
      return `{${entries.join(',')}}`;
    });
  }
  const array = /^Array\((.*)\)$/.exec(type);
  if (array) {
    const inner = array[1]!;
    const sizes = lengths(r, rows);
    const items = values(
      r,
      inner,
      sizes.reduce((a, b) => a + b, 0),
    );
    let at = 0;
    return sizes.map((n) => {
      const out = items.slice(at, at + n).map((v) => quoted(inner, v));
      at += n;
      return `[${out.join(',')}]`;
    });
  }
  return scalars(r, type, rows);
}

/**
 * Every block in `body` (several blocks may follow each other, and a block may come in
 * pieces), with their rows joined.
 */
export function readNative(body: Uint8Array | readonly Uint8Array[]): NativeBlock {
  const r = new Reader(
    body instanceof Uint8Array
      ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      : Buffer.concat(body),
  );
  const out: NativeBlock = { columns: [], rows: [] };
  while (r.pos < r.buf.length) {
    const columnCount = r.varint();
    const rowCount = r.varint();
    const columns: { name: string; type: string }[] = [];
    const data: string[][] = [];
    for (let c = 0; c < columnCount; c++) {
      const name = r.string();
      const type = r.string();
      columns.push({ name, type });
      data.push(values(r, type, rowCount));
    }
    out.columns = columns;
    for (let i = 0; i < rowCount; i++) out.rows.push(data.map((col) => col[i]!));
  }
  return out;
}
