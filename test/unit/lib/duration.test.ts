import { describe, expect, it } from 'vitest';
import { parseDurationNanos, parseStepSeconds } from '../../../src/lib/duration.js';

describe('parseDurationNanos', () => {
  it.each([
    ['250ms', 250_000_000n],
    ['250', 250_000_000n],
    ['1.5s', 1_500_000_000n],
    ['2m', 120_000_000_000n],
    ['300us', 300_000n],
    ['7ns', 7n],
    ['0.001ms', 1_000n],
  ])('%s', (text, want) => {
    expect(parseDurationNanos(text, 'd')).toBe(want);
  });

  it.each(['', 'abc', '1y', '-5ms', '1e3ms'])('refuses %j', (text) => {
    expect(() => parseDurationNanos(text, 'minDuration')).toThrow(/^minDuration: not a duration/);
  });

  it('refuses a duration a 64-bit integer cannot hold, in any unit', () => {
    // 2^63 ns is 2562047.79 h; bound as an integer, more would wrap round to a short one.
    expect(parseDurationNanos('2562047h', 'd')).toBe(2562047n * 3_600_000_000_000n);
    for (const text of ['2562048h', '5124096h', '307445735m', '18446744074s']) {
      expect(() => parseDurationNanos(text, 'minDuration'), text).toThrow(
        `minDuration: ${text} is longer than 2^63-1 ns (about 292 years)`,
      );
    }
  });
});

describe('parseStepSeconds', () => {
  const hour = 3_600_000;
  const opts = { targetPoints: 120, maxPoints: 2000 };
  it.each([
    // An hour in 30 s steps can touch 121 of them; 59 minutes at most 119.
    [undefined, hour, 60],
    [undefined, hour - 60_000, 30],
    [undefined, 24 * hour, 900],
    ['5m', hour, 300],
    ['90', hour, 90],
    ['60.0', hour, 60],
    ['1h', 24 * hour, 3600],
  ] as const)('%s over %d ms is %d s', (text, range, want) => {
    expect(parseStepSeconds(text, range, opts)).toBe(want);
  });

  it('refuses a step giving too many buckets, or no step at all', () => {
    expect(() => parseStepSeconds('1s', 24 * hour, opts)).toThrow(/step: 86400 buckets/);
    expect(() => parseStepSeconds('0s', hour, opts)).toThrow(/step: "0s" is not a step/);
    expect(() => parseStepSeconds('soon', hour, opts)).toThrow(/step: "soon" is not a step/);
    expect(() => parseStepSeconds('60.5', hour, opts)).toThrow(/step: "60.5" is not a step/);
    expect(() => parseStepSeconds('367d', 400 * 24 * hour, opts)).toThrow(/1s to 366d/);
  });
});
