import Long from 'long';
import { describe, expect, it } from 'vitest';
import {
  diffNanos,
  inRange,
  int64Text,
  isZero,
  splitNanos,
  uint64Text,
} from '../../../src/lib/nanos.js';

/** Seconds and nanoseconds in the fixed-width form the rows use. */
const text = (v: Parameters<typeof splitNanos>[0]) => {
  const t = splitNanos(v);
  return `${String(t.sec).padStart(10, '0')}.${String(t.nanos).padStart(9, '0')}`;
};

describe('splitNanos and dateTime64Text', () => {
  it.each([
    ['0', '0000000000.000000000'],
    ['1', '0000000000.000000001'],
    ['999999999', '0000000000.999999999'],
    ['1000000000', '0000000001.000000000'],
    ['1700000000123456789', '1700000000.123456789'],
    ['18446744073709551615', '18446744073.709551615'],
  ])('reads the decimal string %s exactly', (input, expected) => {
    expect(text(input)).toBe(expected);
  });

  it.each([
    '0',
    '1',
    '4294967295',
    '4294967296',
    '1700000000123456789',
    '1795862400999999999',
    '18446744073709551615',
  ])('reads a protobuf Long of %s exactly', (s) => {
    const long = Long.fromString(s, true);
    expect(text(long)).toBe(text(s));
  });

  it('matches BigInt arithmetic over many random 64-bit values', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 2000; i++) {
      const v = (BigInt(next()) << 33n) ^ (BigInt(next()) << 2n) ^ BigInt(next() & 3);
      const expected = `${(v / 1_000_000_000n).toString().padStart(10, '0')}.${(v % 1_000_000_000n).toString().padStart(9, '0')}`;
      expect(text(Long.fromString(v.toString(), true))).toBe(expected);
    }
  });

  it('treats absent values as zero and rejects text that is not a number', () => {
    expect(isZero(splitNanos(undefined))).toBe(true);
    expect(isZero(splitNanos(null))).toBe(true);
    expect(inRange(splitNanos('12ab'))).toBe(false);
    expect(inRange(splitNanos('-5'))).toBe(false);
  });

  it('refuses times the 32-bit seconds of the roll-ups cannot hold (from 2106-02-07)', () => {
    expect(inRange(splitNanos('4294967295999999999'))).toBe(true);
    expect(inRange(splitNanos('4294967296000000000'))).toBe(false);
    expect(inRange(splitNanos('7258118400000000000'))).toBe(false);
  });

  it('computes durations across second boundaries', () => {
    expect(diffNanos(splitNanos('2000000000'), splitNanos('1999999999'))).toBe(1);
    expect(diffNanos(splitNanos('1700000001000000100'), splitNanos('1700000000999999900'))).toBe(
      200,
    );
  });
});

describe('integer text', () => {
  it('writes unsigned and signed 64-bit values exactly', () => {
    expect(uint64Text(Long.fromString('18446744073709551615', true))).toBe('18446744073709551615');
    expect(uint64Text(Long.fromNumber(42, true))).toBe('42');
    expect(int64Text(Long.fromString('-9223372036854775808', false))).toBe('-9223372036854775808');
    expect(int64Text(Long.fromString('9007199254740993', false))).toBe('9007199254740993');
    expect(int64Text('-17')).toBe('-17');
    expect(int64Text(5)).toBe('5');
  });
});
