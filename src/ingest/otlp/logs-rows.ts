import { dateTime64Text, inRange, isZero, splitNanos, type SecNanos } from '../../lib/nanos.js';
import { tsvString } from '../../store/index.js';
import { anyValueText, attributesText, hexId } from './attributes.js';
import {
  RowCollector,
  resourceText,
  scopeText,
  validId,
  type Converted,
} from './convert-common.js';
import type { AnyValue, LogRecord, LogsRequest } from './model.js';

const BODY_TYPES: Record<string, string> = {
  stringValue: 'string',
  boolValue: 'bool',
  intValue: 'int',
  doubleValue: 'double',
  bytesValue: 'bytes',
  arrayValue: 'array',
  kvlistValue: 'map',
};

function bodyType(body: AnyValue | null | undefined): string {
  return (body?.value && BODY_TYPES[body.value]) || '';
}

/**
 * Rows for otel_logs, in LOGS_COLUMNS order. A record without a time takes its observed
 * time, and one without either takes `receivedAt`, as the time Gridscope observed it.
 * Records older than `expiredBeforeSec` (Unix seconds; 0 for none) are refused: retention
 * would drop them right after they were acknowledged.
 */
export function logsToRows(
  req: LogsRequest,
  receivedAt: SecNanos,
  expiredBeforeSec = 0,
): Converted {
  const out = new RowCollector();
  for (const rl of req.resourceLogs ?? []) {
    const res = resourceText(rl.resource, rl.schemaUrl);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = scopeText(sl.scope, sl.schemaUrl);
      for (const rec of sl.logRecords ?? []) {
        const problem = logProblem(rec);
        if (problem) {
          out.reject(problem);
          continue;
        }
        let observed = splitNanos(rec.observedTimeUnixNano);
        if (isZero(observed)) observed = receivedAt;
        let time = splitNanos(rec.timeUnixNano);
        if (isZero(time)) time = observed;
        if (time.sec < expiredBeforeSec) {
          out.reject('log record time is older than the retention period');
          continue;
        }
        const flags = rec.flags ?? 0;
        out.add(
          'otel_logs',
          [
            dateTime64Text(time),
            hexId(rec.traceId),
            hexId(rec.spanId),
            flags & 0xff,
            tsvString(rec.severityText ?? ''),
            rec.severityNumber ?? 0,
            res.serviceName,
            tsvString(anyValueText(rec.body)),
            res.schemaUrl,
            res.attributes,
            scope.schemaUrl,
            scope.name,
            scope.version,
            scope.attributes,
            attributesText(rec.attributes),
            tsvString(rec.eventName ?? ''),
            dateTime64Text(observed),
            flags,
            bodyType(rec.body),
            rec.droppedAttributesCount ?? 0,
            res.dropped,
            scope.dropped,
          ].join('\t'),
        );
      }
    }
  }
  return out.result();
}

function logProblem(rec: LogRecord): string | null {
  if (!validId(rec.traceId, 16, true)) return 'log record trace_id must be empty or 16 bytes';
  if (!validId(rec.spanId, 8, true)) return 'log record span_id must be empty or 8 bytes';
  if (!inRange(splitNanos(rec.timeUnixNano))) return 'log record time_unix_nano is out of range';
  if (!inRange(splitNanos(rec.observedTimeUnixNano)))
    return 'log record observed_time_unix_nano is out of range';
  const sev = rec.severityNumber ?? 0;
  if (!Number.isInteger(sev) || sev < 0 || sev > 24)
    return 'log record severity_number must be 0 to 24';
  return null;
}
