import { parseStepSeconds } from '../../lib/duration.js';
import { ROLLUP_FROM_MS } from '../../store/queries/metrics-rollup.js';

/** Points a series gets by default, and the most a step may give. */
export const TARGET_POINTS = 120;
export const MAX_POINTS = 2000;

/**
 * The step of a series query in whole seconds: `30s`, `1m`, `5m`, `1h`, `1d` or a number of
 * seconds. Without one, the smallest usual step giving at most TARGET_POINTS points, and at
 * least a minute over ranges read from the minute rollups; a step giving more than
 * MAX_POINTS points is refused (VALIDATION naming `step`).
 */
export function parseStep(text: string | undefined, rangeMs: number): number {
  const given = text?.trim() === '' ? undefined : text;
  const seconds = parseStepSeconds(given, rangeMs, {
    targetPoints: TARGET_POINTS,
    maxPoints: MAX_POINTS,
  });
  return given === undefined && rangeMs >= ROLLUP_FROM_MS ? Math.max(seconds, 60) : seconds;
}
