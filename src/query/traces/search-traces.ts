import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { nanosToIso } from '../../lib/nanos.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { findTraces, traceSummaries, type SpanSearch } from '../../store/queries/traces.js';
import type { AttributeFilter } from '../attribute-filter.js';
import type { TraceSearchResult, TraceSummary } from './schemas.js';

export interface TraceSearch {
  fromMs: number;
  toMs: number;
  fromNs?: bigint | undefined;
  toNs?: bigint | undefined;
  services: readonly string[];
  spanName?: string | undefined;
  minDurationNs?: bigint | undefined;
  maxDurationNs?: bigint | undefined;
  status?: 'unset' | 'ok' | 'error' | undefined;
  attributes: readonly AttributeFilter[];
  limit: number;
  cursor?: string | undefined;
}

const STORED_STATUS = {
  unset: 'STATUS_CODE_UNSET',
  ok: 'STATUS_CODE_OK',
  error: 'STATUS_CODE_ERROR',
} as const;

const Position = z.object({ startNs: z.string().regex(/^\d{1,20}$/), traceId: z.string().max(64) });

/** Nanoseconds between two decimal nanosecond counts, as milliseconds. */
export function spanMs(startNs: string, endNs: string): number {
  return Number(BigInt(endNs) - BigInt(startNs)) / 1e6;
}

/**
 * Traces with a span matching every condition (service, name, duration, status,
 * attributes), newest first, each summarized over all its spans.
 */
export async function searchTraces(
  store: Store,
  org: string,
  q: TraceSearch,
  opts: QueryOptions,
): Promise<TraceSearchResult> {
  const search: SpanSearch = {
    fromMs: q.fromMs,
    toMs: q.toMs,
    fromNs: q.fromNs,
    toNs: q.toNs,
    services: q.services,
    spanName: q.spanName,
    minDurationNs: q.minDurationNs,
    maxDurationNs: q.maxDurationNs,
    status: q.status === undefined ? undefined : STORED_STATUS[q.status],
    attributes: q.attributes,
    before: q.cursor === undefined ? undefined : decodeCursor('traces', q.cursor, Position),
    limit: q.limit + 1,
  };
  const hits = await findTraces(store, org, search, opts);
  const page = hits.slice(0, q.limit);
  const summaries = new Map(
    (
      await traceSummaries(
        store,
        org,
        page.map((h) => h.traceId),
        opts,
      )
    ).map((s) => [s.traceId, s]),
  );
  const items: TraceSummary[] = [];
  for (const h of page) {
    const s = summaries.get(h.traceId);
    if (!s) continue; // expired between the two reads
    items.push({
      traceId: s.traceId,
      rootService: s.rootService,
      rootSpan: s.rootSpan,
      services: s.services,
      spanCount: s.spanCount,
      errorCount: s.errorCount,
      hasError: s.errorCount > 0,
      startTime: nanosToIso(s.startNs),
      durationMs: spanMs(s.startNs, s.endNs),
    });
  }
  const last = page.at(-1);
  return {
    items,
    nextCursor:
      hits.length > q.limit && last
        ? encodeCursor('traces', { startNs: last.startNs, traceId: last.traceId })
        : null,
  };
}
