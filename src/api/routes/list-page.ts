import { z as zod } from 'zod';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { z } from '../route.js';

/** The most items one page of a short list (organizations, keys, collectors) holds. */
export const MAX_LIST_PAGE = 1000;
const DEFAULT_LIST_PAGE = 100;

/** `limit` and `cursor` of a short list. */
export const ListPageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIST_PAGE)
    .default(DEFAULT_LIST_PAGE)
    .openapi({ description: `items per page, 1 to ${MAX_LIST_PAGE}` }),
  cursor: z
    .string()
    .max(600)
    .optional()
    .openapi({ description: '`nextCursor` of the previous page' }),
});
export type ListPageQuery = z.infer<typeof ListPageQuery>;

/** One page of a short list, and the cursor of the next (null on the last). */
export function listPage<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * One page of a list held whole, in the order of `position` (unique per item; equal
 * positions would be skipped at a page's edge): the items after the cursor's position.
 */
export function pageOf<T>(
  kind: string,
  all: readonly T[],
  position: (item: T) => [number, string],
  q: ListPageQuery,
): { items: T[]; nextCursor: string | null } {
  const keyed = all.map((item) => ({ item, at: position(item) }));
  keyed.sort((a, b) => compare(a.at, b.at));
  const after =
    q.cursor === undefined
      ? undefined
      : decodeCursor(kind, q.cursor, zod.tuple([zod.number(), zod.string()]));
  const rest = after === undefined ? keyed : keyed.filter((k) => compare(k.at, after) > 0);
  const page = rest.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((k) => k.item),
    nextCursor: rest.length > q.limit && last ? encodeCursor(kind, last.at) : null,
  };
}

/** The position of an item with a creation time and an id: oldest first. */
export const oldestFirst = (item: { createdAt: string; id: string }): [number, string] => [
  Date.parse(item.createdAt),
  item.id,
];

function compare(a: [number, string], b: [number, string]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}
