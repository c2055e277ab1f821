import { z } from 'zod';
import { SEVERITY_LEVELS } from './severity.js';

/** A level, or `unknown` for a record with neither a severity number nor a known text. */
export const SeverityLevel = z.enum([...SEVERITY_LEVELS, 'unknown']);
export type SeverityLevel = z.infer<typeof SeverityLevel>;

/** One log record as the API shows it. Times are RFC 3339 with nanoseconds (UTC). */
export const LogRecord = z.object({
  timestamp: z.string().describe('RFC 3339, UTC, with nanoseconds'),
  timeUnixNano: z.string().describe('Timestamp in Unix nanoseconds, decimal (exact)'),
  observedTimestamp: z.string(),
  observedTimeUnixNano: z.string(),
  traceId: z.string().describe("lower-case hex, '' without one"),
  spanId: z.string(),
  traceFlags: z.number().int().describe('W3C trace flags (low 8 bits of flags)'),
  flags: z.number().int(),
  severityText: z.string(),
  severityNumber: z.number().int().describe('as sent, 0 when unset'),
  severityLevel: SeverityLevel.describe(
    'level of the severity number, or of the severity text when the number is 0',
  ),
  serviceName: z.string(),
  body: z.string().describe('a string as sent; maps and arrays as JSON, bytes in base64'),
  bodyType: z.string().describe("string, bool, int, double, bytes, array, map, or ''"),
  eventName: z.string(),
  attributes: z.record(z.string(), z.string()),
  resourceAttributes: z.record(z.string(), z.string()),
  resourceSchemaUrl: z.string(),
  scopeName: z.string(),
  scopeVersion: z.string(),
  scopeAttributes: z.record(z.string(), z.string()),
  scopeSchemaUrl: z.string(),
  droppedAttributesCount: z.number().int(),
});
export type LogRecord = z.infer<typeof LogRecord>;

export const LogPage = z.object({
  items: z.array(LogRecord),
  nextCursor: z
    .string()
    .nullable()
    .describe('pass as `cursor` for the next page; null on the last'),
});
export type LogPage = z.infer<typeof LogPage>;

const LevelCounts = z.object({
  trace: z.number().int(),
  debug: z.number().int(),
  info: z.number().int(),
  warn: z.number().int(),
  error: z.number().int(),
  fatal: z.number().int(),
  unknown: z.number().int(),
});

export const LogHistogramBucket = z.object({
  time: z.string().describe('bucket start, RFC 3339 (UTC)'),
  counts: LevelCounts,
  total: z.number().int(),
});
export type LogHistogramBucket = z.infer<typeof LogHistogramBucket>;

export const LogHistogram = z.object({
  from: z.string().describe('start of the range, RFC 3339'),
  to: z.string().describe('end of the range (excluded), RFC 3339'),
  step: z.string().describe('bucket width, e.g. 30s, 5m, 1h, 1d'),
  stepSeconds: z.number().int(),
  buckets: z.array(LogHistogramBucket).describe('every bucket of the range, oldest first'),
});
export type LogHistogram = z.infer<typeof LogHistogram>;
