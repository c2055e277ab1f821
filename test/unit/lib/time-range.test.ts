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
  ])('reads %s', (text, want) => {
    expect(parseTime(text, NOW, 'from')).toBe(want);
  });

  it.each(['yesterday', 'now-1y', 'now+1h', "2026-11-28'; DROP", '', '2026-13-45T99:00:00Z'])(
    'refuses %j naming the field',
    (text) => {
      let err: unknown;
      try {
        parseTime(text, NOW, 'from');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION');
      expect((err as AppError).message).toMatch(/^from: /);
    },
  );
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

  it('refuses a range that ends before it starts or is too long', () => {
    expect(() => parseTimeRange('now', 'now-1h', opts)).toThrow(/from: must be before to/);
    expect(() => parseTimeRange('now-40d', 'now', opts)).toThrow(/longer than the largest/);
  });
});
