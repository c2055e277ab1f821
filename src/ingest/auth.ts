import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors.js';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Maps ingest tokens to organizations. With no tokens configured every request belongs to
 * the default organization; with tokens, a request must carry `Authorization: Bearer TOKEN`.
 * This map keeps only SHA-256 digests of the tokens.
 */
export class IngestAuth {
  private readonly byDigest = new Map<string, string>();

  constructor(
    tokens: ReadonlyMap<string, string>,
    private readonly defaultOrg: string,
  ) {
    for (const [token, org] of tokens) this.byDigest.set(digest(token), org);
  }

  get enabled(): boolean {
    return this.byDigest.size > 0;
  }

  /** The organizations requests can belong to: those of the tokens, or else the default. */
  organizations(): string[] {
    return this.enabled ? [...new Set(this.byDigest.values())] : [this.defaultOrg];
  }

  /** The organization of a request, from its Authorization header value. */
  resolve(authorization: string | undefined): string {
    if (!this.enabled) return this.defaultOrg;
    if (!authorization) throw new AppError('UNAUTHORIZED', 'missing Authorization: Bearer token');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new AppError('UNAUTHORIZED', 'Authorization header must be "Bearer TOKEN"');
    const org = this.byDigest.get(digest(m[1]!));
    if (!org) throw new AppError('UNAUTHORIZED', 'ingest token is not valid');
    return org;
  }
}
