import { describe, expect, it } from 'vitest';
import {
  exponentialBound,
  exponentialQuantile,
  histogramQuantile,
  type ExponentialBuckets,
} from '../../../../src/query/metrics/index.js';

const INF = Infinity;
/** Buckets from parallel lists of upper bounds and (own, not cumulative) counts. */
const b = (uppers: number[], counts: number[]) =>
  uppers.map((upper, i) => ({ upper, count: counts[i]! }));

describe('histogramQuantile (Prometheus histogram_quantile)', () => {
  const cases: [string, number, { upper: number; count: number }[], number | null][] = [
    ['the first bucket starts at 0', 0.5, b([10, INF], [4, 0]), 5],
    ['linear inside a middle bucket', 0.5, b([10, 50, 100, INF], [2, 4, 1, 1]), 30],
    ['at the top of a bucket', 0.75, b([10, 50, 100, INF], [2, 4, 1, 1]), 50],
    ['just past it, in the next', 0.8, b([10, 50, 100, INF], [2, 4, 1, 1]), 70],
    [
      'a rank in +Inf answers the highest finite bound',
      0.9,
      b([10, 50, 100, INF], [2, 4, 1, 1]),
      100,
    ],
    ['p99 in +Inf', 0.99, b([10, 50, 100, INF], [0, 1, 0, 1]), 100],
    ['empty buckets keep their bounds', 0.25, b([10, 50, 100, INF], [0, 1, 0, 1]), 30],
    [
      'a first bucket with a non-positive bound answers it',
      0.1,
      b([-5, 0, 10, INF], [3, 1, 1, 0]),
      -5,
    ],
    ['negative bounds interpolate between them', 0.75, b([-10, -5, INF], [1, 1, 0]), -7.5],
    ['order does not matter', 0.5, b([INF, 100, 10, 50], [1, 1, 2, 4]), 30],
    ['a repeated bound is merged', 0.5, b([10, 10, 50, INF], [1, 1, 4, 0]), 20],
    ['negative counts count as 0', 0.5, b([10, 50, INF], [-3, 4, 0]), 30],
    ['no observations', 0.5, b([10, INF], [0, 0]), null],
    ['no +Inf bucket', 0.5, b([10, 50], [1, 1]), null],
    ['only the +Inf bucket', 0.5, b([INF], [5]), null],
    ['q = 0 on an empty first bucket', 0, b([10, 50, INF], [0, 4, 0]), null],
    ['q = 0 on a filled first bucket is its lower bound', 0, b([10, 50, INF], [1, 4, 0]), 0],
    ['q = 1 is the top of the highest filled finite bucket', 1, b([10, 50, INF], [1, 4, 0]), 50],
    ['q out of range', 1.5, b([10, INF], [1, 0]), null],
    ['q not a number', NaN, b([10, INF], [1, 0]), null],
  ];
  it.each(cases)('%s', (_name, q, buckets, want) => {
    const got = histogramQuantile(q, buckets);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 12);
  });
});

describe('exponentialBound', () => {
  it.each([
    [0, 3, 8],
    [0, -2, 0.25],
    [1, 1, Math.SQRT2],
    [2, 4, 2],
    [-1, 1, 4],
    [-2, 1, 16],
  ])('scale %i, index %i: %f', (scale, index, want) => {
    expect(exponentialBound(scale, index)).toBeCloseTo(want, 12);
  });
});

describe('exponentialQuantile (geometric inside a bucket, as Prometheus native histograms)', () => {
  const h = (over: Partial<ExponentialBuckets>): ExponentialBuckets => ({
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: [],
    negative: [],
    ...over,
  });
  const pos = (offset: number, counts: number[]) =>
    counts.map((count, i) => ({ index: offset + i, count }));
  const cases: [string, number, ExponentialBuckets, number | null][] = [
    ['halfway into (2,4] at scale 0', 0.5, h({ positive: pos(0, [2, 4, 2]) }), 2 ** 1.5],
    ['0.6 into (4,8]', 0.9, h({ positive: pos(0, [2, 4, 2]) }), 2 ** 2.6],
    ['q = 0 is the lowest bound', 0, h({ positive: pos(0, [2, 4, 2]) }), 1],
    ['q = 1 is the highest bound', 1, h({ positive: pos(0, [2, 4, 2]) }), 8],
    ['a negative offset: (0.25, 0.5]', 0.5, h({ positive: pos(-2, [4]) }), 2 ** -1.5],
    ['scale 1: (1, √2]', 0.5, h({ scale: 1, positive: pos(0, [3]) }), 2 ** 0.25],
    ['scale -1: (4, 16]', 0.5, h({ scale: -1, positive: pos(1, [3]) }), 8],
    ['buckets in any order', 0.5, h({ positive: [...pos(2, [2]), ...pos(0, [2, 4])] }), 2 ** 1.5],
    // A rank on the boundary of two buckets: q < 0.5 walks up and answers the top of the one
    // below, q >= 0.5 walks down and answers the bottom of the one above; empty buckets
    // between them do not count.
    [
      'q < 0.5 on a boundary: the top of the bucket below',
      0.25,
      h({ positive: pos(0, [1, 0, 3]) }),
      2,
    ],
    [
      'q >= 0.5 on a boundary: the bottom of the bucket above',
      0.5,
      h({ positive: pos(0, [2, 0, 2]) }),
      4,
    ],
    [
      'as in the zero bucket',
      0.5,
      h({ zeroCount: 4, zeroThreshold: 1e-3, positive: pos(0, [4]) }),
      1,
    ],
    [
      'negative buckets come first, mirrored: 0.5 into [-4,-2)',
      0.25,
      h({ negative: pos(1, [2]), positive: pos(1, [2]) }),
      -(2 ** 1.5),
    ],
    [
      'between [-4,-2) and (2,4], q = 0.5: the bottom of (2,4]',
      0.5,
      h({ negative: pos(1, [2]), positive: pos(1, [2]) }),
      2,
    ],
    [
      'q just under 0.5 walks up: 0.98 into [-4,-2)',
      0.49,
      h({ negative: pos(1, [2]), positive: pos(1, [2]) }),
      -(2 ** 1.02),
    ],
    ['then the positive', 0.75, h({ negative: pos(1, [2]), positive: pos(1, [2]) }), 2 ** 1.5],
    [
      'the zero bucket starts at 0 with only positive values beside it',
      0.25,
      h({ zeroCount: 2, zeroThreshold: 0.5, positive: pos(0, [2]) }),
      0.25,
    ],
    [
      'and ends at 0 with only negative ones',
      0.75,
      h({ zeroCount: 2, zeroThreshold: 0.5, negative: pos(0, [2]) }),
      -0.25,
    ],
    [
      'spans [-t, t] with both',
      0.5,
      h({ zeroCount: 2, zeroThreshold: 0.5, negative: pos(0, [1]), positive: pos(0, [1]) }),
      0,
    ],
    ['a zero bucket of threshold 0 is 0', 0.5, h({ zeroCount: 5 }), 0],
    ['no observations', 0.5, h({ positive: pos(0, [0, 0]) }), null],
    ['q out of range', -0.1, h({ positive: pos(0, [1]) }), null],
  ];
  it.each(cases)('%s', (_name, q, buckets, want) => {
    const got = exponentialQuantile(q, buckets);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 12);
  });
});
