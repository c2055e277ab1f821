import { z } from 'zod';
import { fieldError } from './errors.js';

/**
 * Opaque pagination cursors: a list's position, encoded so clients pass it back unchanged.
 * The kind guards against a cursor of one list being used on another.
 */
export function encodeCursor(kind: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position }), 'utf8').toString('base64url');
}

/** Decodes a cursor of the given kind and checks its position against a schema. */
export function decodeCursor<T>(kind: string, cursor: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = z.object({ k: z.literal(kind), p: schema }).safeParse(raw);
  if (!parsed.success) throw fieldError('cursor', 'not a cursor of this list');
  return parsed.data.p;
}
