import { describe, expect, it } from 'vitest';
import {
  NativeWriter,
  renderMap,
  renderString,
  type NativeType,
} from '../../../src/store/native-writer.js';
import { mapEntry, readNative } from '../../native-block.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('NativeWriter', () => {
  it('writes DateTime64(9) exactly across the whole range', () => {
    const times: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 0],
      [65_535, 999_999_999],
      [65_536, 0],
      [1_764_000_000, 123_456_789],
      [4_294_967_295, 999_999_999],
      [9_214_646_399, 999_999_999],
    ];
    const w = new NativeWriter([['t', 'DateTime64(9)']]);
    for (const [sec, nanos] of times) {
      w.dt64(sec, nanos);
      w.endRow();
    }
    const block = readNative(w.finish());
    expect(block.rows.map((r) => r[0])).toEqual(
      times.map(([sec, nanos]) => {
        const ns = BigInt(sec) * 1_000_000_000n + BigInt(nanos);
        return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
      }),
    );
  });

  it('writes every scalar type in its little-endian form', () => {
    const columns: [string, NativeType][] = [
      ['u8', 'UInt8'],
      ['b', 'Bool'],
      ['i32', 'Int32'],
      ['u32', 'UInt32'],
      ['u64', 'UInt64'],
      ['u64n', 'UInt64'],
      ['f', 'Float64'],
    ];
    const w = new NativeWriter(columns);
    const row = (
      u8: number,
      b: boolean,
      i32: number,
      u32: number,
      lo: number,
      hi: number,
      n: number,
      f: number,
    ) => {
      w.u8(u8);
      w.bool(b);
      w.i32(i32);
      w.u32(u32);
      w.u64(lo, hi);
      w.u64n(n);
      w.f64(f);
      w.endRow();
    };
    row(255, true, -2_147_483_648, 4_294_967_295, 0xffffffff, 0xffffffff, 2 ** 53 - 1, 1.5);
    row(0, false, -1, 0, 1, 0, 4_294_967_296, Number.NaN);
    row(7, true, 2_147_483_647, 1, 0, 1, 0, -Infinity);
    const block = readNative(w.finish());
    expect(block.columns).toEqual(columns.map(([name, type]) => ({ name, type })));
    expect(block.rows).toEqual([
      [
        '255',
        'true',
        '-2147483648',
        '4294967295',
        '18446744073709551615',
        '9007199254740991',
        '1.5',
      ],
      ['0', 'false', '-1', '0', '1', '4294967296', 'nan'],
      ['7', 'true', '2147483647', '1', '4294967296', '0', '-inf'],
    ]);
  });

  it('writes strings from request bytes, JS strings and hex, with lengths of any size', () => {
    const long = 'x'.repeat(200);
    const longer = 'é'.repeat(10_000);
    const src = Uint8Array.from([0, 1, 0xab, 0xff]);
    const w = new NativeWriter([
      ['a', 'String'],
      ['b', 'String'],
      ['c', 'String'],
    ]);
    const raw = bytes(`pre${long}post`);
    w.string(raw, 3, 3 + long.length);
    w.text(longer);
    w.id(src, 0, src.length);
    w.endRow();
    w.string(raw, 0, 0);
    w.text('tab\there, ünïcode ✓');
    w.id(src, 0, 0);
    w.endRow();
    // An id of all zeros is none, as an absent one.
    w.string(raw, 0, 0);
    w.text('');
    w.id(Uint8Array.from([0, 0, 0, 0]), 0, 4);
    w.endRow();
    expect(readNative(w.finish()).rows).toEqual([
      [long, longer, '0001abff'],
      ['', 'tab\there, ünïcode ✓', ''],
      ['', '', ''],
    ]);
  });

  it('writes arrays, maps and arrays of maps as running offsets and flat values', () => {
    const shared = renderMap((m) => {
      mapEntry(m, 'service.name', 'api');
      mapEntry(m, 'host', 'h1');
    });
    const w = new NativeWriter([
      ['id', 'String'],
      ['attrs', 'Map(String, String)'],
      ['shared', 'Map(String, String)'],
      ['times', 'Array(DateTime64(9))'],
      ['names', 'Array(String)'],
      ['counts', 'Array(UInt64)'],
      ['events', 'Array(Map(String, String))'],
    ]);
    const row = (id: string, attrs: [string, string][], events: [string, string][][]) => {
      w.encoded(renderString((s) => s.text(id)));
      const m = w.next();
      for (const [k, v] of attrs) mapEntry(m, k, v);
      w.mapCell(shared);
      const times = w.next();
      const names = w.next();
      const counts = w.next();
      for (let i = 0; i < events.length; i++) {
        times.item().dt64(100 + i, 5);
        names.item().text(`e${i}`);
        counts.item().u64n(i * 10);
      }
      const maps = w.next();
      for (const e of events) {
        for (const [k, v] of e) mapEntry(maps, k, v);
        maps.endMap();
      }
      w.endRow();
    };
    row(
      'one',
      [['k', 'v']],
      [
        [['a', '1']],
        [],
        [
          ['b', '2'],
          ['c', '3'],
        ],
      ],
    );
    row('two', [], []);
    row(
      'three',
      [
        ['x', ''],
        ['y', 'z'],
      ],
      [[]],
    );
    expect(readNative(w.finish()).rows).toEqual([
      [
        'one',
        "{'k':'v'}",
        "{'service.name':'api','host':'h1'}",
        "['100.000000005','101.000000005','102.000000005']",
        "['e0','e1','e2']",
        '[0,10,20]',
        "[{'a':'1'},{},{'b':'2','c':'3'}]",
      ],
      ['two', '{}', "{'service.name':'api','host':'h1'}", '[]', '[]', '[]', '[]'],
      [
        'three',
        "{'x':'','y':'z'}",
        "{'service.name':'api','host':'h1'}",
        "['100.000000005']",
        "['e0']",
        '[0]',
        '[{}]',
      ],
    ]);
  });

  it('refuses a row with too few or too many values', () => {
    const w = new NativeWriter([
      ['a', 'UInt8'],
      ['b', 'UInt8'],
    ]);
    w.u8(1);
    expect(() => w.endRow()).toThrow('row has 1 values for 2 columns');
    w.u8(2);
    w.endRow();
    w.u8(1);
    w.u8(2);
    expect(() => w.u8(3)).toThrow('row has more values than the 2 columns');
  });

  it('grows past its first chunk without copying, and keeps values larger than a chunk whole', () => {
    const w = new NativeWriter([
      ['s', 'String'],
      ['n', 'UInt32'],
      ['m', 'Map(String, String)'],
    ]);
    // About 3 MiB of strings: several chunks of the 1 MiB the sinks grow to, and one
    // value longer than a chunk.
    const values = Array.from({ length: 200_000 }, (_, i) => `value-${i}`);
    values[150_000] = 'x'.repeat(1_500_000);
    values.forEach((v, i) => {
      w.text(v);
      w.u32(i);
      mapEntry(w.next(), `k${i % 7}`, v.slice(0, 12));
      w.endRow();
    });
    const pieces = w.finish();
    const column = w.columns[0]!.data;
    expect(column.pieces().length).toBeGreaterThan(3);
    expect(column.length).toBe(column.pieces().reduce((n, p) => n + p.length, 0));
    const rows = readNative(pieces).rows;
    expect(rows.map((r) => r[0])).toEqual(values);
    expect(rows.map((r) => r[1])).toEqual(values.map((_, i) => String(i)));
    expect(rows.map((r) => r[2])).toEqual(
      values.map((v, i) => `{'k${i % 7}':'${v.slice(0, 12)}'}`),
    );
  });
});
