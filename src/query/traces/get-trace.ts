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
 * Copies of one span (a sender that sent it twice) come one after another, at one depth,
 * with the subtree after them, placed by the first copy's parent. Spans of a malformed
 * cycle are walked from the earliest of them, as if it were a root.
 */
export function waterfall(
  rows: readonly SpanRow[],
): { row: SpanRow; depth: number; missingParent: boolean }[] {
  const copies = new Map<string, SpanRow[]>();
  for (const r of rows) {
    const list = copies.get(r.spanId);
    if (list) list.push(r);
    else copies.set(r.spanId, [r]);
  }
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [id, [first]] of copies) {
    const parent = first!.parentSpanId;
    if (parent !== '' && parent !== id && copies.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(id);
      children.set(parent, list);
    } else roots.push(id);
  }
  const out: { row: SpanRow; depth: number; missingParent: boolean }[] = [];
  const seen = new Set<string>();
  // Iterative depth-first walk; `seen` guards against cycles in malformed data.
  const walk = (root: string) => {
    const stack = [{ id: root, depth: 0 }];
    while (stack.length > 0) {
      const { id, depth } = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const row of copies.get(id)!) {
        const missingParent = row.parentSpanId !== '' && !copies.has(row.parentSpanId);
        out.push({ row, depth, missingParent });
      }
      const kids = children.get(id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ id: kids[i]!, depth: depth + 1 });
    }
  };
  for (const id of roots) walk(id);
  for (const id of copies.keys()) if (!seen.has(id)) walk(id);
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
