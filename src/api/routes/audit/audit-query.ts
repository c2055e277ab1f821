import { z as zod } from 'zod';
import { toEntry, type AuditLog, type AuditScope } from '../../../audit/index.js';
import { decodeCursor, encodeCursor } from '../../../lib/cursor.js';
import { parseTime } from '../../../lib/time-range.js';
import type { AuditFilter, AuditRow } from '../../../store/index.js';
import { z } from '../../route.js';

export const MAX_PAGE = 1000;
/** The most entries one export returns; narrow the time range for more. */
export const MAX_EXPORT = 100_000;

/** Filter values are names and ids; anything else cannot match and is refused as such. */
const name = (max: number, pattern: RegExp, what: string) =>
  z.string().min(1).max(max).regex(pattern, `must be ${what}`);
const ACTION = /^[a-z][a-z0-9_.]*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;

export const AuditQuery = z.object({
  from: z.string().optional().openapi({ description: 'RFC 3339, Unix ms or now-7d' }),
  to: z.string().optional().openapi({ description: 'RFC 3339, Unix ms or now' }),
  action: name(100, ACTION, 'an action name like api_key.create')
    .optional()
    .openapi({ example: 'api_key.create' }),
  resourceType: name(100, ACTION, 'a resource type like api_key').optional(),
  resourceId: name(200, ID, 'an id (letters, digits, _ . : @ -)').optional(),
  actor: name(200, ID, 'an actor id (letters, digits, _ . : @ -)')
    .optional()
    .openapi({ description: 'the actor id (an API key id)' }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  cursor: z.string().max(500).optional(),
  format: z
    .enum(['json', 'jsonl', 'csv'])
    .default('json')
    .openapi({ description: 'jsonl and csv export every matching entry (up to 100,000)' }),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** The store filter of a query. */
export function auditFilter(q: AuditQuery, nowMs: number): AuditFilter {
  return {
    fromMs: q.from === undefined ? undefined : parseTime(q.from, nowMs, 'from'),
    toMs: q.to === undefined ? undefined : parseTime(q.to, nowMs, 'to'),
    action: q.action,
    resourceType: q.resourceType,
    resourceId: q.resourceId,
    actorId: q.actor,
    beforeSeq:
      q.cursor === undefined
        ? undefined
        : decodeCursor('audit', q.cursor, zod.number().int().min(0)),
  };
}

/** One page, newest first, with the cursor of the next. */
export async function auditPage(audit: AuditLog, scope: AuditScope, q: AuditQuery, nowMs: number) {
  const rows = await audit.list(scope, auditFilter(q, nowMs), q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(toEntry),
    nextCursor: rows.length > q.limit && last ? encodeCursor('audit', last.seq) : null,
  };
}

/** Every matching entry (up to MAX_EXPORT), newest first. */
export async function auditExport(
  audit: AuditLog,
  scope: AuditScope,
  q: AuditQuery,
  nowMs: number,
): Promise<AuditRow[]> {
  const filter = auditFilter(q, nowMs);
  const out: AuditRow[] = [];
  for (;;) {
    const page = await audit.list(scope, filter, Math.min(MAX_PAGE, MAX_EXPORT - out.length));
    out.push(...page);
    if (page.length < MAX_PAGE || out.length >= MAX_EXPORT) return out;
    filter.beforeSeq = page.at(-1)!.seq;
  }
}

const CSV_COLUMNS: readonly (keyof AuditRow)[] = [
  'seq',
  'time',
  'actorType',
  'actorId',
  'actorName',
  'action',
  'resourceType',
  'resourceId',
  'before',
  'after',
  'requestId',
  'clientAddress',
  'prevHash',
  'hash',
];

/**
 * One CSV field. Text that a spreadsheet would run as a formula (starting with =, +, -, @,
 * a tab or a carriage return) gets a leading apostrophe, so that opening an export does not
 * run what a key's name or another caller-chosen text says; so does text starting with an
 * apostrophe, so that taking one off always gives the stored text back.
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r']/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * RFC 4180 CSV with a header line; `time` as RFC 3339, the rest as stored, but for the
 * apostrophe before what could be a formula (csvField).
 */
export function toCsv(rows: readonly AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      CSV_COLUMNS.map((k) =>
        csvField(k === 'time' ? new Date(r.time).toISOString() : String(r[k])),
      ).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** JSON Lines, one entry (as the JSON listing shows it) per line. */
export function toJsonLines(rows: readonly AuditRow[]): string {
  return rows.map((r) => JSON.stringify(toEntry(r)) + '\n').join('');
}
