import { dateTime64Text, diffNanos, inRange, isZero, splitNanos } from '../../lib/nanos.js';
import { rawArrayText, stringArrayText, tsvString } from '../../store/index.js';
import { attributesText, hexId } from './attributes.js';
import {
  RowCollector,
  resourceText,
  scopeText,
  validId,
  type Converted,
} from './convert-common.js';
import type { Span, TracesRequest } from './model.js';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * Rows for otel_traces, in TRACES_COLUMNS order; spans that cannot be stored are counted
 * and named. Spans starting before `expiredBeforeSec` (Unix seconds; 0 for none) are
 * refused: retention would drop them right after they were acknowledged.
 */
export function tracesToRows(req: TracesRequest, expiredBeforeSec = 0): Converted {
  const out = new RowCollector();
  for (const rs of req.resourceSpans ?? []) {
    const res = resourceText(rs.resource, rs.schemaUrl);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = scopeText(ss.scope, ss.schemaUrl);
      for (const span of ss.spans ?? []) {
        const problem = spanProblem(span, expiredBeforeSec);
        if (problem) {
          out.reject(problem);
          continue;
        }
        const start = splitNanos(span.startTimeUnixNano);
        const end = splitNanos(span.endTimeUnixNano);
        const events = span.events ?? [];
        const links = span.links ?? [];
        const status = span.status;
        out.add(
          'otel_traces',
          [
            dateTime64Text(start),
            hexId(span.traceId),
            hexId(span.spanId),
            hexId(span.parentSpanId),
            tsvString(span.traceState ?? ''),
            tsvString(span.name ?? ''),
            SPAN_KINDS[span.kind ?? 0] ?? SPAN_KINDS[0],
            res.serviceName,
            res.attributes,
            scope.name,
            scope.version,
            attributesText(span.attributes),
            diffNanos(end, start),
            STATUS_CODES[status?.code ?? 0] ?? STATUS_CODES[0],
            tsvString(status?.message ?? ''),
            rawArrayText(events.map((e) => "'" + dateTime64Text(splitNanos(e.timeUnixNano)) + "'")),
            stringArrayText(events.map((e) => e.name ?? '')),
            rawArrayText(events.map((e) => attributesText(e.attributes))),
            stringArrayText(links.map((l) => hexId(l.traceId))),
            stringArrayText(links.map((l) => hexId(l.spanId))),
            stringArrayText(links.map((l) => l.traceState ?? '')),
            rawArrayText(links.map((l) => attributesText(l.attributes))),
            span.flags ?? 0,
            span.droppedAttributesCount ?? 0,
            span.droppedEventsCount ?? 0,
            span.droppedLinksCount ?? 0,
            rawArrayText(events.map((e) => e.droppedAttributesCount ?? 0)),
            rawArrayText(links.map((l) => l.flags ?? 0)),
            rawArrayText(links.map((l) => l.droppedAttributesCount ?? 0)),
            res.schemaUrl,
            res.dropped,
            scope.schemaUrl,
            scope.attributes,
            scope.dropped,
          ].join('\t'),
        );
      }
    }
  }
  return out.result();
}

function spanProblem(span: Span, expiredBeforeSec: number): string | null {
  if (!validId(span.traceId, 16, false)) return 'span trace_id must be 16 bytes and not all zero';
  if (!validId(span.spanId, 8, false)) return 'span span_id must be 8 bytes and not all zero';
  if (!validId(span.parentSpanId, 8, true)) return 'span parent_span_id must be empty or 8 bytes';
  const start = splitNanos(span.startTimeUnixNano);
  const end = splitNanos(span.endTimeUnixNano);
  if (isZero(start) || !inRange(start))
    return 'span start_time_unix_nano is missing or out of range';
  if (!inRange(end) || diffNanos(end, start) < 0)
    return 'span end_time_unix_nano is before its start';
  if (start.sec < expiredBeforeSec) return 'span start time is older than the retention period';
  for (const l of span.links ?? []) {
    if (!validId(l.traceId, 16, false) || !validId(l.spanId, 8, false))
      return 'span link ids must be 16 and 8 bytes';
  }
  for (const e of span.events ?? []) {
    if (!inRange(splitNanos(e.timeUnixNano))) return 'span event time is out of range';
  }
  return null;
}
