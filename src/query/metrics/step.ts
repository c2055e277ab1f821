import { parseStepSeconds } from '../../lib/duration.js';

/** Points a series gets by default, and the most a step may give. */
export const TARGET_POINTS = 120;
export const MAX_POINTS = 2000;

/**
 * The step of a series query in whole seconds: `30s`, `1m`, `5m`, `1h`, `1d` or a number of
 * seconds. Without one, the smallest usual step giving at most TARGET_POINTS points; a step
 * giving more than MAX_POINTS points is refused (VALIDATION naming `step`).
 */
export function parseStep(text: string | undefined, rangeMs: number): number {
  return parseStepSeconds(text?.trim() === '' ? undefined : text, rangeMs, {
    targetPoints: TARGET_POINTS,
    maxPoints: MAX_POINTS,
  });
}
