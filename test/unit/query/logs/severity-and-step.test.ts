import { describe, expect, it } from 'vitest';
import { stepSeconds as parseStep } from '../../../../src/lib/duration.js';
import { AppError } from '../../../../src/lib/errors.js';
import {
  bucketSpan,
  defaultStep,
  formatStep,
  parseMinSeverity,
  rfc3339Nanos,
  severityLevel,
} from '../../../../src/query/logs/index.js';

function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('VALIDATION');
    return (e as AppError).message;
  }
  throw new Error('expected a VALIDATION error');
}

describe('severity', () => {
  it.each([
    [0, 'unknown'],
    [1, 'trace'],
    [4, 'trace'],
    [5, 'debug'],
    [8, 'debug'],
    [9, 'info'],
    [12, 'info'],
    [13, 'warn'],
    [16, 'warn'],
    [17, 'error'],
    [20, 'error'],
    [21, 'fatal'],
    [24, 'fatal'],
    [25, 'unknown'],
  ])('number %i is level %s', (n, level) => {
    expect(severityLevel(n)).toBe(level);
  });

  it.each([
    ['trace', 1],
    ['DEBUG', 5],
    ['Info', 9],
    [' warn ', 13],
    ['error', 17],
    ['fatal', 21],
    ['1', 1],
    ['14', 14],
    ['24', 24],
  ])('minimum %j is number %i', (text, n) => {
    expect(parseMinSeverity(text)).toBe(n);
  });

  it.each(['0', '25', '-1', '1.5', 'warning', 'verbose', '', "9' OR 1=1"])(
    'refuses %j naming severity',
    (text) => {
      expect(validationMessage(() => parseMinSeverity(text))).toMatch(/^severity: /);
    },
  );
});

describe('histogram step', () => {
  it.each([
    ['1', 1],
    ['90', 90],
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['2d', 172800],
    ['366d', 366 * 86400],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseStep(text)).toBe(seconds);
  });

  it.each(['0', '0m', '-5m', '1.5m', '5x', '5 m', 'm', '', '367d', '1w', "5m'"])(
    'refuses %j naming step',
    (text) => {
      expect(validationMessage(() => parseStep(text))).toMatch(/^step: /);
    },
  );

  it.each([
    [1, '1s'],
    [90, '90s'],
    [60, '1m'],
    [5400, '90m'],
    [7200, '2h'],
    [86400, '1d'],
  ])('%i seconds reads %s', (seconds, text) => {
    expect(formatStep(seconds)).toBe(text);
  });

  const T = Date.parse('2026-11-28T10:00:00Z');
  it.each([
    // [from, to, step] -> first bucket start, buckets
    [T, T + 600_000, 60, T / 1000, 10],
    [T + 30_000, T + 600_000, 60, T / 1000, 10],
    [T + 30_000, T + 630_000, 60, T / 1000, 11],
    [T, T + 1, 60, T / 1000, 1],
    [T + 500, T + 3_600_500, 1, T / 1000, 3601],
    [T, T + 600_000, 90, T / 1000, 7],
    [T + 45_000, T + 600_000, 90, T / 1000, 7],
    [T + 95_000, T + 600_000, 90, T / 1000 + 90, 6],
  ])('buckets over [%i, %i) of %i s start at %i, %i of them', (from, to, step, first, count) => {
    expect(bucketSpan(from, to, step)).toEqual({ first, count });
  });

  it.each([
    [60_000, 1],
    [600_000, 5],
    [3_600_000, 30],
    [6 * 3_600_000, 300],
    [86_400_000, 900],
    [7 * 86_400_000, 7200],
    [31 * 86_400_000, 43200],
    [400 * 86_400_000, 604800],
    [2000 * 86_400_000, 17 * 86400],
  ])('the default step for %i ms is %i s, with at most 120 buckets', (span, step) => {
    expect(defaultStep(T, T + span)).toBe(step);
    expect(bucketSpan(T, T + span, step).count).toBeLessThanOrEqual(120);
  });
});

describe('rfc3339Nanos', () => {
  it.each([
    ['0', '1970-01-01T00:00:00.000000000Z'],
    ['1', '1970-01-01T00:00:00.000000001Z'],
    ['1795860000123456789', '2026-11-28T10:00:00.123456789Z'],
    ['9214646399999999999', '2261-12-31T23:59:59.999999999Z'],
  ])('%s is %s', (nanos, text) => {
    expect(rfc3339Nanos(nanos)).toBe(text);
  });
});
