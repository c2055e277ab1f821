import { createHash, randomBytes } from 'node:crypto';
import type { KeyRow } from '../store/index.js';
import type { Principal, Role } from './roles.js';

/** The text every Gridscope API key starts with. */
export const KEY_PREFIX = 'gsk_';

/** A new random API key: 256 bits, base64url. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a key. Generated keys carry 256 random bits, so one SHA-256 is as
 * hard to reverse as the key is to guess; no slow hash is needed.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What is shown of a key chosen by its owner (the bootstrap admin key) instead of any part of it. */
export const CHOSEN_KEY_PREFIX = '(chosen)';

/**
 * What is shown of a key after creation, to tell keys apart: a generated key's first
 * characters (36 of its 256 random bits), or for a key chosen by its owner a fixed marker,
 * so that nothing derived from a chosen secret (which may be guessable) is stored in the
 * clear, listed or written to an audit trail.
 */
export function keyPrefix(key: string, chosen: boolean): string {
  return chosen ? CHOSEN_KEY_PREFIX : key.slice(0, KEY_PREFIX.length + 6);
}

/**
 * The usable keys, by digest, in memory: every request is authenticated without a query.
 * Rebuilt from the store whenever keys or organizations change.
 */
export class KeyRing {
  private byDigest = new Map<string, KeyRow>();
  private deletedOrgs = new Set<string>();
  private ingestKeys = false;

  replace(keys: readonly KeyRow[], deletedOrgs: Iterable<string>): void {
    this.byDigest = new Map(keys.filter((k) => k.revokedAt === null).map((k) => [k.hash, k]));
    this.deletedOrgs = new Set(deletedOrgs);
    this.ingestKeys = [...this.byDigest.values()].some(
      (k) => k.role === 'ingest' && !this.deletedOrgs.has(k.org),
    );
  }

  /** The principal of a presented key, or undefined when it is unknown, revoked or expired. */
  principal(key: string, nowMs: number): Principal | undefined {
    const k = this.byDigest.get(keyDigest(key));
    if (!k || (k.expiresAt !== null && k.expiresAt <= nowMs)) return undefined;
    if (k.org === '') return { kind: 'platform', keyId: k.id, name: k.name };
    if (this.deletedOrgs.has(k.org)) return undefined;
    return { kind: 'org', org: k.org, role: k.role as Role, keyId: k.id, name: k.name };
  }

  /**
   * Whether an unrevoked ingest key exists (expired or not). Once one does, OTLP requests
   * need a valid key; before, with no ingest tokens either, they go to the default organization.
   */
  hasIngestKeys(): boolean {
    return this.ingestKeys;
  }

  /** The organization of a usable ingest key, or undefined. */
  ingestOrg(key: string, nowMs: number): string | undefined {
    const p = this.principal(key, nowMs);
    return p?.kind === 'org' && p.role === 'ingest' ? p.org : undefined;
  }

  /** Whether a usable platform key exists. */
  hasPlatformKey(nowMs: number): boolean {
    for (const k of this.byDigest.values()) {
      if (k.org === '' && (k.expiresAt === null || k.expiresAt > nowMs)) return true;
    }
    return false;
  }
}
