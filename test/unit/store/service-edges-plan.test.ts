import { describe, expect, it } from 'vitest';
import { planEdgeRead } from '../../../src/store/queries/service-edges.js';

const M = 60_000;
const T = 1_800_000_000_000 - (1_800_000_000_000 % (10 * M));

describe('where a service map read takes its calls from', () => {
  it('takes rolled whole minutes from the rollup and the rest from spans, in merged runs', () => {
    const rolled = new Set([T + M, T + 2 * M, T + 4 * M, T + 5 * M]);
    const plan = planEdgeRead({ fromMs: T + 30_000, toMs: T + 6 * M + 10_000 }, rolled);
    expect(plan.rolled).toEqual({ fromMs: T + M, toMs: T + 6 * M });
    expect(plan.spans).toEqual([
      // The partial first minute.
      { fromMs: T + 30_000, toMs: T + M },
      // Minute 3, not rolled up.
      { fromMs: T + 3 * M, toMs: T + 4 * M },
      // The partial last minute.
      { fromMs: T + 6 * M, toMs: T + 6 * M + 10_000 },
    ]);
  });

  it('reads spans alone for a range without a whole minute, or with too many unrolled runs', () => {
    expect(planEdgeRead({ fromMs: T + 1_000, toMs: T + 50_000 }, new Set([T]))).toEqual({
      rolled: null,
      spans: [{ fromMs: T + 1_000, toMs: T + 50_000 }],
    });
    // Every other minute rolled up: more than eight runs of the rest.
    const alternate = new Set(Array.from({ length: 10 }, (_, i) => T + 2 * i * M));
    const range = { fromMs: T, toMs: T + 20 * M };
    expect(planEdgeRead(range, alternate)).toEqual({ rolled: null, spans: [range] });
    // Nothing rolled up: one run of spans over the whole range.
    expect(planEdgeRead(range, new Set()).spans).toEqual([range]);
  });
});
