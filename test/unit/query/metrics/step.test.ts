import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/lib/errors.js';
import { MAX_POINTS, parseStep, TARGET_POINTS } from '../../../../src/query/metrics/index.js';

const H = 3_600_000;
const D = 24 * H;
/** The most steps a range can touch, wherever it starts. */
const points = (rangeMs: number, seconds: number) => Math.ceil(rangeMs / 1000 / seconds) + 1;

describe('parseStep', () => {
  it.each([
    ['30s', H, 30],
    ['1m', H, 60],
    ['5m', D, 300],
    ['1h', D, 3600],
    ['1d', 31 * D, 86_400],
    ['90', H, 90],
    [' 2m ', H, 120],
    ['1', MAX_POINTS * 1000, 1],
  ])('%j over %i ms is %i s', (text, range, want) => {
    expect(parseStep(text, range)).toBe(want);
  });

  it.each([
    [15 * 60_000, 10],
    [H - 60_000, 30],
    [H - 1, 60],
    [H, 60],
    [6 * H, 300],
    [D, 900],
    [7 * D, 7200],
    [31 * D, 43_200],
    [400 * D, 4 * 86_400],
  ])(
    'by default over %i ms it is %i s, within ~120 points and whole minutes from an hour on',
    (range, want) => {
      for (const text of [undefined, '', '  ']) {
        const step = parseStep(text, range);
        expect(step).toBe(want);
        expect(points(range, step)).toBeLessThanOrEqual(TARGET_POINTS);
        if (range >= H) expect(step % 60).toBe(0);
      }
    },
  );

  it.each([
    ['0', H],
    ['-60', H],
    ['1.5m', H],
    ['1w', H],
    ['abc', H],
    ['60; DROP TABLE x', H],
    ['99999999', H],
    ['1', MAX_POINTS * 1000 + 1],
    ['1s', D],
  ])('refuses %j over %i ms, naming step', (text, range) => {
    let err: unknown;
    try {
      parseStep(text, range);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION');
    expect((err as AppError).message).toMatch(/^step: /);
  });
});
