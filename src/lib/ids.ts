import { randomBytes } from 'node:crypto';

/**
 * Organization ids become part of a database name (`<prefix><org>`), so they are kept to
 * lower-case letters, digits and underscores.
 */
export const ORG_ID = /^[a-z0-9][a-z0-9_]{0,62}$/;

/** A new random id with a readable kind prefix, e.g. `key_3f9a0c1b2d4e5f60`. */
export function newId(kind: string): string {
  return `${kind}_${randomBytes(8).toString('hex')}`;
}

/**
 * Row versions for versioned tables: milliseconds times 1000 plus a counter, so versions
 * written by this process increase even within one millisecond.
 */
export class Versions {
  private last = 0;

  next(nowMs: number): number {
    this.last = Math.max(this.last + 1, nowMs * 1000);
    return this.last;
  }
}
