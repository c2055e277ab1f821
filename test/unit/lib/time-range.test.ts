import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/lib/errors.js';
import { parseTime, parseTimeRange } from '../../../src/lib/time-range.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('parseTime', () => {
  it.each([
    ['now', NOW],
    ['now-30s', NOW - 30_000],
    ['now-15m', NOW - 900_000],
    ['now-1h', NOW - 3_600_000],
    ['now-7d', NOW - 7 * 86_400_000],
    ['now-2w', NOW - 14 * 86_400_000],
    ['1795860000000', 1795860000000],
    ['2026-11-28T10:00:00Z', Date.parse('2026-11-28T10:00:00Z')],
    ['2026-11-28T10:00:00.250+01:00', Date.parse('2026-11-28T09:00:00.250Z')],
    ['2024-02-29T23:59:59Z', Date.parse('2024-02-29T23:59:59Z')],
    ['2026-11-28 10:00Z', Date.parse('2026-11-28T10:00:00Z')],
  ])('reads %s', (text, want) => {
    expect(parseTime(text, NOW, 'from')).toBe(want);
  });

  it.each([
    'yesterday',
    'now-1y',
    'now+1h',
    "2026-11-28'; DROP",
    '',
    '2026-13-45T99:00:00Z',
    // Times that do not exist, which Date.parse would roll over into another day.
    '2026-02-30T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-09-31T00:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T10:60:00Z',
    '2026-11-28T10:00:60Z',
    '2026-11-00T10:00:00Z',
    '2026-11-28T10:00:00+24:00',
  ])('refuses %j naming the field', (text) => {
    let err: unknown;
    try {
      parseTime(text, NOW, 'from');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION');
    expect((err as AppError).message).toMatch(/^from: /);
  });
});

describe('Unix seconds', () => {
  it.each([
    ['1795860000', '1795860000000'],
    ['1795860000.25', '1795860000250'],
  ])('%s is refused with its value in milliseconds', (text, ms) => {
    expect(() => parseTime(text, NOW, 'from')).toThrow(
      `from: ${text} looks like Unix seconds; times here are Unix milliseconds (${ms}), RFC 3339 or now-1h`,
    );
  });
});

describe('parseTimeRange', () => {
  const opts = { nowMs: NOW, defaultSpanMs: 3_600_000, maxSpanMs: 31 * 86_400_000 };

  it('defaults to the last span before now', () => {
    expect(parseTimeRange(undefined, undefined, opts)).toEqual({
      fromMs: NOW - 3_600_000,
      toMs: NOW,
    });
  });

  it('keeps bounds finer than a millisecond exactly, within the milliseconds around them', () => {
    const ms = Date.parse('2026-11-30T14:35:58.071Z');
    expect(parseTimeRange('2026-11-30T14:35:58.071000001Z', '2026-11-30T14:35:59Z', opts)).toEqual({
      fromMs: ms,
      toMs: ms + 929,
      fromNs: BigInt(ms) * 1_000_000n + 1n,
      toNs: BigInt(ms + 929) * 1_000_000n,
    });
    expect(parseTimeRange('2026-11-30T14:35:58Z', '2026-11-30T14:35:58.0719Z', opts)).toEqual({
      fromMs: ms - 71,
      toMs: ms + 1,
      fromNs: BigInt(ms - 71) * 1_000_000n,
      toNs: BigInt(ms) * 1_000_000n + 900_000n,
    });
    // Whole milliseconds need no more.
    expect(parseTimeRange('2026-11-30T14:35:58.071Z', String(ms + 1), opts)).toEqual({
      fromMs: ms,
      toMs: ms + 1,
    });
    // Within one millisecond, the exact bounds decide.
    expect(() =>
      parseTimeRange('2026-11-30T14:35:58.071000002Z', '2026-11-30T14:35:58.071000001Z', opts),
    ).toThrow(/from: must be before to/);
  });

  it('refuses a range that ends before it starts or is too long', () => {
    expect(() => parseTimeRange('now', 'now-1h', opts)).toThrow(/from: must be before to/);
    expect(() => parseTimeRange('now-40d', 'now', opts)).toThrow(/longer than the largest/);
  });
});
