import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';
import type { AuditRow } from '../store/index.js';

/** The previous hash of a trail's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * An entry's hash: SHA-256 (hex) over the previous entry's hash, a newline, and the
 * canonical JSON of every other field of the entry. Changing any stored field, or the
 * order of entries, changes the hashes from there on.
 */
export function entryHash(e: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    time: e.time,
    actorType: e.actorType,
    actorId: e.actorId,
    actorName: e.actorName,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    before: e.before,
    after: e.after,
    requestId: e.requestId,
    clientAddress: e.clientAddress,
  });
  return createHash('sha256').update(`${e.prevHash}\n${body}`).digest('hex');
}

/** Why an entry breaks the chain after `prev` (undefined: the trail's oldest kept entry), or null. */
export function chainBreak(prev: AuditRow | undefined, e: AuditRow): string | null {
  if (prev !== undefined) {
    if (e.seq !== prev.seq + 1) return `sequence jumps from ${prev.seq} to ${e.seq}`;
    if (e.prevHash !== prev.hash) return 'previous hash does not match the entry before it';
  } else if (e.seq === 1 && e.prevHash !== GENESIS_HASH) {
    return 'first entry does not start from the genesis hash';
  }
  if (entryHash(e) !== e.hash) return 'hash does not match the entry';
  return null;
}
