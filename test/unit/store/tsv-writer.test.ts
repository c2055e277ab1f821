import { describe, expect, it } from 'vitest';
import { floatText, TsvWriter } from '../../../src/store/tsv-writer.js';

const text = (fn: (w: TsvWriter) => void, size?: number) => {
  const w = new TsvWriter(size);
  fn(w);
  return Buffer.from(w.finish()).toString('utf8');
};
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('TsvWriter', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['new\nline', 'new\\nline'],
    ['back\\slash', 'back\\\\slash'],
    ['cr\rnul\0', 'cr\\rnul\\0'],
    ["it's", "it's"],
    ['héllo wörld ✓', 'héllo wörld ✓'],
  ])('escapes the top-level string %j', (input, expected) => {
    const b = bytes(input);
    expect(text((w) => w.tsv(b, 0, b.length))).toBe(expected);
    expect(text((w) => w.tsvString(input))).toBe(expected);
  });

  it('quotes strings for arrays and maps, escaping the quote too', () => {
    const b = bytes("it's\t\\");
    expect(text((w) => w.quoted(b, 0, b.length))).toBe("'it\\'s\\t\\\\'");
    expect(text((w) => w.quotedString(''))).toBe("''");
  });

  it('escapes long strings the same way as short ones', () => {
    const clean = 'x'.repeat(100);
    const dirty = 'y'.repeat(50) + "'\n" + 'z'.repeat(50);
    expect(text((w) => w.quotedString(clean))).toBe(`'${clean}'`);
    expect(text((w) => w.quotedString(dirty))).toBe(`'${'y'.repeat(50)}\\'\\n${'z'.repeat(50)}'`);
  });

  it('writes a slice of the source only', () => {
    const b = bytes('abcdef');
    expect(text((w) => w.tsv(b, 2, 4))).toBe('cd');
  });

  it('writes hex ids and fixed-width DateTime64 text', () => {
    const id = Buffer.from('00ff10', 'hex');
    expect(text((w) => w.hex(id, 0, 3))).toBe('00ff10');
    expect(text((w) => w.dateTime64(0, 1))).toBe('0000000000.000000001');
    expect(text((w) => w.dateTime64(1700000000, 123456789))).toBe('1700000000.123456789');
    expect(text((w) => w.dateTime64(12345678901, 0))).toBe('12345678901.000000000');
  });

  it('grows past its initial size and rewinds to a mark', () => {
    const out = text((w) => {
      for (let i = 0; i < 1000; i++) w.ascii('0123456789');
      const mark = w.pos;
      w.ascii('dropped');
      w.rewind(mark);
    }, 16);
    expect(out).toBe('0123456789'.repeat(1000));
  });

  it('writes the float values ClickHouse reads', () => {
    expect([NaN, Infinity, -Infinity, 0.1, -0].map(floatText)).toEqual([
      'nan',
      'inf',
      '-inf',
      '0.1',
      '0',
    ]);
  });
});
