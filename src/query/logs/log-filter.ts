import { fieldError } from '../../lib/errors.js';
import type { TimeRange } from '../../lib/time-range.js';
import type { LogFilter } from '../../store/queries/logs.js';
import {
  hasControlCharacter,
  isNameText,
  nameRule,
  type AttributeFilter,
} from '../attribute-filter.js';
import { parseMinSeverity } from './severity.js';

/** The most services one read may name. */
export const MAX_SERVICES = 50;
/** The longest service name a filter may carry. */
export const MAX_SERVICE_LENGTH = 256;
/** The longest `q` search text. */
export const MAX_TEXT_LENGTH = 512;

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** The filters of a log read, as its parameters arrived; range and attributes already parsed. */
export interface LogFilterInput {
  range: TimeRange;
  /** ServiceName values, any of them; empty for all. */
  services: readonly string[];
  /** Minimum severity: a level name or a number 1-24. */
  severity?: string | undefined;
  /** Text the body must contain, case-insensitively; '' means no text filter. */
  q?: string | undefined;
  attributes: readonly AttributeFilter[];
  /** 32 hex digits, any case. */
  traceId?: string | undefined;
}

/** Checks the parameters and returns the store's filter; names the parameter on failure. */
export function logFilter(input: LogFilterInput): LogFilter {
  if (input.services.length > MAX_SERVICES) {
    throw fieldError('service', `at most ${MAX_SERVICES} services`, 'query');
  }
  for (const s of input.services) {
    if (!isNameText(s, MAX_SERVICE_LENGTH)) {
      throw fieldError(
        'service',
        `${JSON.stringify(s.slice(0, 64))} is not a service name (${nameRule(MAX_SERVICE_LENGTH)})`,
        'query',
      );
    }
  }
  const q = input.q === '' ? undefined : input.q;
  if (q !== undefined && (q.length > MAX_TEXT_LENGTH || hasControlCharacter(q))) {
    throw fieldError(
      'q',
      `search text must be at most ${MAX_TEXT_LENGTH} characters without control characters`,
      'query',
    );
  }
  if (input.traceId !== undefined && !TRACE_ID.test(input.traceId)) {
    throw fieldError('traceId', 'must be 32 hexadecimal digits', 'query');
  }
  return {
    fromMs: input.range.fromMs,
    toMs: input.range.toMs,
    fromNs: input.range.fromNs,
    toNs: input.range.toNs,
    services: [...new Set(input.services)],
    minSeverity: input.severity === undefined ? undefined : parseMinSeverity(input.severity),
    text: q,
    attributes: input.attributes,
    traceId: input.traceId?.toLowerCase(),
  };
}
