import { dateTime64Text, inRange, isZero, splitNanos, type SecNanos } from '../../lib/nanos.js';
import { tsvString } from '../../store/index.js';
import { anyValueText, attributesText, hexId } from './attributes.js';
import { RowCollector, resourceText, scopeText, validId, type Converted } from './convert-common.js';
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
 */
export function logsToRows(req: LogsRequest, receivedAt: SecNanos): Converted {
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
        const flags = rec.flags ?? 0;
        out.add(
          'otel_logs',
          dateTime64Text(time) +
            '\t' + hexId(rec.traceId) +
            '\t' + hexId(rec.spanId) +
            '\t' + (flags & 0xff) +
            '\t' + tsvString(rec.severityText ?? '') +
            '\t' + (rec.severityNumber ?? 0) +
            '\t' + res.serviceName +
            '\t' + tsvString(anyValueText(rec.body)) +
            '\t' + res.schemaUrl +
            '\t' + res.attributes +
            '\t' + scope.schemaUrl +
            '\t' + scope.name +
            '\t' + scope.version +
            '\t' + scope.attributes +
            '\t' + attributesText(rec.attributes) +
            '\t' + tsvString(rec.eventName ?? '') +
            '\t' + dateTime64Text(observed) +
            '\t' + flags +
            '\t' + bodyType(rec.body) +
            '\t' + (rec.droppedAttributesCount ?? 0) +
            '\t' + res.dropped +
            '\t' + scope.dropped,
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
  if (!Number.isInteger(sev) || sev < 0 || sev > 24) return 'log record severity_number must be 0 to 24';
  return null;
}
