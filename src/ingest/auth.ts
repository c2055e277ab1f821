import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors.js';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Ingest keys created through the REST API (the API key ring). */
export interface IngestKeys {
  /** Whether any ingest key exists, which makes a valid token necessary. */
  hasIngestKeys(): boolean;
  /** The organization of a usable ingest key. */
  ingestOrg(key: string, nowMs: number): string | undefined;
}

/**
 * Maps ingest tokens (configured, or ingest API keys) to organizations. With neither, every
 * request belongs to the default organization; with either, a request must carry
 * `Authorization: Bearer TOKEN`. This map keeps only SHA-256 digests of the tokens.
 */
export class IngestAuth {
  private readonly byDigest = new Map<string, string>();
  /** Whether tokens were configured: then requests need one, even if all are refused. */
  private readonly configured: boolean;
  /** Whether the default organization was deleted: then no request falls to it. */
  private defaultRefused = false;

  constructor(
    tokens: ReadonlyMap<string, string>,
    private readonly defaultOrg: string,
    private readonly keys?: IngestKeys,
  ) {
    for (const [token, org] of tokens) this.byDigest.set(digest(token), org);
    this.configured = tokens.size > 0;
  }

  get enabled(): boolean {
    return this.configured || this.defaultRefused || this.keys?.hasIngestKeys() === true;
  }

  /** The organizations configured requests can belong to: the default and the tokens'. */
  organizations(): string[] {
    return [...new Set([this.defaultOrg, ...this.byDigest.values()])];
  }

  /**
   * Stops accepting the tokens of an organization (one deleted before they were
   * configured); for the default organization, also requests without a token.
   */
  refuse(org: string): void {
    for (const [d, o] of this.byDigest) if (o === org) this.byDigest.delete(d);
    if (org === this.defaultOrg) this.defaultRefused = true;
  }

  /** The organization of a request, from its Authorization header value. */
  resolve(authorization: string | undefined): string {
    if (!this.enabled) return this.defaultOrg;
    if (!authorization) throw new AppError('UNAUTHORIZED', 'missing Authorization: Bearer token');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new AppError('UNAUTHORIZED', 'Authorization header must be "Bearer TOKEN"');
    const token = m[1]!;
    const org = this.byDigest.get(digest(token)) ?? this.keys?.ingestOrg(token, Date.now());
    if (!org) throw new AppError('UNAUTHORIZED', 'ingest token is not valid');
    return org;
  }
}
