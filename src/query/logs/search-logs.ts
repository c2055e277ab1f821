import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { selectLogs, type LogRow } from '../../store/queries/logs.js';
import { logFilter, type LogFilterInput } from './log-filter.js';
import { toLogRecord } from './log-record.js';
import type { LogPage } from './schemas.js';

/** Records per page unless the caller asks otherwise, and the most it may ask for. */
export const DEFAULT_LOG_PAGE = 100;
export const MAX_LOG_PAGE = 1000;

const CURSOR_KIND = 'logs';

/**
 * Where the next page starts: the last record's Timestamp and tie-break hash, and how many
 * records at exactly that position the previous pages returned (identical records share one).
 * `n` is bounded so that a forged cursor cannot make one page read without limit.
 */
const LogCursor = z.object({
  t: z.string().regex(/^\d{1,19}$/),
  h: z.string().regex(/^\d{1,20}$/),
  n: z.number().int().min(1).max(100_000),
});
type LogCursor = z.infer<typeof LogCursor>;

export interface LogSearch extends LogFilterInput {
  limit: number;
  /** Most bytes of records in the page (see selectLogs); none by default. */
  maxBytes?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

const samePosition = (r: LogRow, c: { t: string; h: string }) =>
  r.timeUnixNano === c.t && r.hash === c.h;

/** One page of matching records, newest first, and the cursor of the next. */
export async function searchLogs(
  store: Store,
  org: string,
  search: LogSearch,
  opts: QueryOptions,
): Promise<LogPage> {
  const filter = logFilter(search);
  const cursor: LogCursor | undefined =
    search.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, search.cursor, LogCursor);
  const skip = cursor?.n ?? 0;
  const { rows, cut } = await selectLogs(
    store,
    org,
    filter,
    {
      after: cursor && { timeUnixNano: cursor.t, hash: cursor.h },
      limit: skip + search.limit + 1,
      maxBytes: search.maxBytes,
    },
    opts,
  );
  // Of the records at the cursor's position (identical ones), the first `n` were shown
  // already. Only those are passed over: a cursor used with other filters may find fewer
  // records there, and then the ones after them are not passed over too.
  let shown = 0;
  while (shown < skip && rows[shown] && samePosition(rows[shown]!, cursor!)) shown++;
  const seen = rows.slice(0, shown + search.limit);
  const page = seen.slice(shown);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  // More follow the page when a record beyond it was read, or the byte limit ended it.
  if (last && (rows.length > shown + search.limit || cut)) {
    const at = { t: last.timeUnixNano, h: last.hash };
    const n = seen.filter((r) => samePosition(r, at)).length;
    nextCursor = encodeCursor(CURSOR_KIND, { ...at, n });
  }
  return { items: page.map(toLogRecord), nextCursor };
}
