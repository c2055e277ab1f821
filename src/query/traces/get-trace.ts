import { AppError } from '../../lib/errors.js';
import { nanosToIso } from '../../lib/nanos.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { traceSpans, traceTotals, type SpanRow } from '../../store/queries/traces.js';
import { spanKind } from './red.js';
import { spanMs } from './search-traces.js';
import type { Span, Trace } from './schemas.js';

const STATUS = {
  STATUS_CODE_UNSET: 'unset',
  STATUS_CODE_OK: 'ok',
  STATUS_CODE_ERROR: 'error',
} as const;

/** Trace ids as stored: 32 lower-case hex digits. */
export const TRACE_ID = /^[0-9a-f]{32}$/;

function toSpan(r: SpanRow, traceStartNs: string, depth: number, missingParent: boolean): Span {
  const endNs = (BigInt(r.startNs) + BigInt(r.durationNs)).toString();
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    parentSpanId: r.parentSpanId === '' ? null : r.parentSpanId,
    name: r.name,
    kind: spanKind(r.kind),
    serviceName: r.serviceName,
    startTime: nanosToIso(r.startNs),
    startTimeUnixNano: r.startNs,
    durationNs: r.durationNs,
    durationMs: spanMs(r.startNs, endNs),
    offsetMs: spanMs(traceStartNs, r.startNs),
    depth,
    missingParent,
    status: {
      code: STATUS[r.statusCode as keyof typeof STATUS] ?? 'unset',
      message: r.statusMessage,
    },
    attributes: r.attributes,
    resourceAttributes: r.resourceAttributes,
    scope: { name: r.scopeName, version: r.scopeVersion },
    events: r.eventNames.map((name, i) => ({
      time: nanosToIso(r.eventTimesNs[i] ?? '0'),
      timeUnixNano: r.eventTimesNs[i] ?? '0',
      name,
      attributes: r.eventAttributes[i] ?? {},
    })),
    links: r.linkTraceIds.map((traceId, i) => ({
      traceId,
      spanId: r.linkSpanIds[i] ?? '',
      traceState: r.linkTraceStates[i] ?? '',
      attributes: r.linkAttributes[i] ?? {},
    })),
    traceState: r.traceState,
    flags: r.flags,
  };
}

/**
 * Orders spans for a waterfall: each root (or span whose parent is missing) in start
 * order, each followed by its subtree, siblings in start order. Rows arrive in start order.
 */
export function waterfall(
  rows: readonly SpanRow[],
): { row: SpanRow; depth: number; missingParent: boolean }[] {
  const ids = new Set(rows.map((r) => r.spanId));
  const children = new Map<string, SpanRow[]>();
  const roots: SpanRow[] = [];
  for (const r of rows) {
    if (r.parentSpanId !== '' && ids.has(r.parentSpanId) && r.parentSpanId !== r.spanId) {
      const list = children.get(r.parentSpanId) ?? [];
      list.push(r);
      children.set(r.parentSpanId, list);
    } else roots.push(r);
  }
  const out: { row: SpanRow; depth: number; missingParent: boolean }[] = [];
  const seen = new Set<SpanRow>();
  // Iterative depth-first walk; `seen` guards against cycles in malformed data.
  const stack = [...roots].reverse().map((row) => ({ row, depth: 0 }));
  while (stack.length > 0) {
    const { row, depth } = stack.pop()!;
    if (seen.has(row)) continue;
    seen.add(row);
    out.push({ row, depth, missingParent: row.parentSpanId !== '' && !ids.has(row.parentSpanId) });
    const kids = children.get(row.spanId) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ row: kids[i]!, depth: depth + 1 });
  }
  // Spans only reachable through a cycle are appended as roots.
  for (const r of rows) if (!seen.has(r)) out.push({ row: r, depth: 0, missingParent: false });
  return out;
}

/** Every span of a trace (up to `maxSpans`), ready to draw; NOT_FOUND when it has none. */
export async function getTrace(
  store: Store,
  org: string,
  traceId: string,
  maxSpans: number,
  opts: QueryOptions,
): Promise<Trace> {
  // Reads exactly maxSpans rows, not one more to detect a cut (see traceSpans); only a
  // trace that fills them is counted, and then its header is its totals over all its spans.
  const kept = await traceSpans(store, org, traceId, maxSpans, opts);
  if (kept.length === 0) throw new AppError('NOT_FOUND', `trace ${traceId} not found`);
  const totals =
    kept.length === maxSpans ? await traceTotals(store, org, traceId, opts) : undefined;
  const truncated = totals !== undefined && totals.spans > maxSpans;
  const startNs = kept.reduce(
    (m, r) => (BigInt(r.startNs) < BigInt(m) ? r.startNs : m),
    kept[0]!.startNs,
  );
  let end = BigInt(startNs);
  for (const r of kept) {
    const e = BigInt(r.startNs) + BigInt(r.durationNs);
    if (e > end) end = e;
  }
  if (truncated && BigInt(totals.endNs) > end) end = BigInt(totals.endNs);
  const spans = waterfall(kept).map((w) => toSpan(w.row, startNs, w.depth, w.missingParent));
  return {
    traceId,
    startTime: nanosToIso(startNs),
    endTime: nanosToIso(end.toString()),
    durationMs: spanMs(startNs, end.toString()),
    services: truncated ? totals.services : [...new Set(kept.map((r) => r.serviceName))].sort(),
    spanCount: truncated ? totals.spans : kept.length,
    errorCount: truncated
      ? totals.errors
      : kept.filter((r) => r.statusCode === 'STATUS_CODE_ERROR').length,
    truncated,
    spans,
  };
}
