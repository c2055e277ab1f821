import { describe, expect, it } from 'vitest';
import { nanosToMs } from '../../../../src/lib/nanos.js';
import { red } from '../../../../src/query/traces/red.js';

describe('red', () => {
  it('gives rates and latencies in milliseconds to the nanosecond', () => {
    // Spans of a few microseconds keep their digits: rounded to whole microseconds, 2,400 ns
    // read as 0.002 ms, 17% short.
    const r = red({ calls: 5, errors: 1, quantiles: [2_400, 9_550.4, 1_234_567_891] }, 10);
    expect(r).toEqual({
      calls: 5,
      errors: 1,
      requestRate: 0.5,
      errorRate: 0.2,
      latencyMs: { p50: 0.0024, p95: 0.00955, p99: 1234.567891 },
    });
    expect(red({ calls: 0, errors: 0, quantiles: [] }, 10).latencyMs).toBeNull();
  });

  it('converts nanoseconds to milliseconds to the whole nanosecond', () => {
    expect(nanosToMs(350)).toBe(0.00035);
    expect(nanosToMs(1_000_000.6)).toBe(1.000001);
  });
});
