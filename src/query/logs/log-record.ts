import type { LogRow } from '../../store/queries/logs.js';
import type { LogRecord } from './schemas.js';
import { severityLevel } from './severity.js';

const NANOS_PER_SECOND = 1_000_000_000n;

/** RFC 3339 in UTC with all nine fractional digits, from Unix nanoseconds (decimal text). */
export function rfc3339Nanos(unixNanos: string): string {
  const ns = BigInt(unixNanos);
  const sec = ns / NANOS_PER_SECOND;
  const frac = (ns % NANOS_PER_SECOND).toString().padStart(9, '0');
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** The API's view of a stored record. */
export function toLogRecord(r: LogRow): LogRecord {
  return {
    timestamp: rfc3339Nanos(r.timeUnixNano),
    timeUnixNano: r.timeUnixNano,
    observedTimestamp: rfc3339Nanos(r.observedTimeUnixNano),
    observedTimeUnixNano: r.observedTimeUnixNano,
    traceId: r.traceId,
    spanId: r.spanId,
    traceFlags: r.traceFlags,
    flags: r.flags,
    severityText: r.severityText,
    severityNumber: r.severityNumber,
    severityLevel: severityLevel(r.effectiveSeverity),
    serviceName: r.serviceName,
    body: r.body,
    bodyType: r.bodyType,
    eventName: r.eventName,
    attributes: r.attributes,
    resourceAttributes: r.resourceAttributes,
    resourceSchemaUrl: r.resourceSchemaUrl,
    scopeName: r.scopeName,
    scopeVersion: r.scopeVersion,
    scopeAttributes: r.scopeAttributes,
    scopeSchemaUrl: r.scopeSchemaUrl,
    droppedAttributesCount: r.droppedAttributesCount,
  };
}
