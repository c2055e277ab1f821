import { AppError } from '../../lib/errors.js';
import type { SeverityLevel } from './schemas.js';

/** Severity levels from least to most severe, named as OpenTelemetry's SeverityNumber ranges. */
export const SEVERITY_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** The level of an effective severity number: 1-4 trace, 5-8 debug, ... 21-24 fatal, else unknown. */
export function severityLevel(n: number): SeverityLevel {
  if (!Number.isInteger(n) || n < 1 || n > 24) return 'unknown';
  return SEVERITY_LEVELS[Math.floor((n - 1) / 4)]!;
}

/**
 * The lowest severity number of a `severity` parameter: a level name (any case) stands for
 * its range's lowest number (warn = 13), a number 1-24 for itself.
 */
export function parseMinSeverity(text: string): number {
  const t = text.trim().toLowerCase();
  const level = SEVERITY_LEVELS.indexOf(t as (typeof SEVERITY_LEVELS)[number]);
  if (level >= 0) return level * 4 + 1;
  if (/^\d{1,2}$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 24) return n;
  }
  throw new AppError(
    'VALIDATION',
    `severity: ${JSON.stringify(text.slice(0, 32))} is not a severity (use trace, debug, info, warn, error, fatal or a number 1-24)`,
    { details: [{ location: 'query', field: 'severity', message: 'not a severity' }] },
  );
}
