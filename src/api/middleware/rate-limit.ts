import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { ApiEnv } from '../env.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Token buckets: `ratePerSec` refill, `burst` capacity, one bucket per caller. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** Takes a token for `who`; returns 0 when granted, else the seconds until one is free. */
  take(who: string): number {
    const now = this.clock.now();
    const b = this.buckets.get(who) ?? { tokens: this.burst, atMs: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.atMs) / 1000) * this.ratePerSec);
    b.atMs = now;
    this.buckets.set(who, b);
    if (this.buckets.size > 100_000) this.sweep(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSec));
  }

  /** Forgets callers whose buckets are full again. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.atMs) / 1000) * this.ratePerSec >= this.burst)
        this.buckets.delete(k);
    }
  }
}

/** Takes a token of `who`'s bucket, or throws LIMIT_EXCEEDED (429 with Retry-After). */
export function takeToken(buckets: TokenBuckets, who: string, whose: string): void {
  const wait = buckets.take(who);
  if (wait > 0) {
    throw new AppError('LIMIT_EXCEEDED', `rate limit of ${whose} exceeded; retry later`, {
      retryAfterSeconds: wait,
    });
  }
}

/** The bucket of a client address. */
export const addressBucket = (address: string) => `addr:${address}`;

/** Limits each key (or, with auth off, each client address) to its bucket; 429 beyond it. */
export function rateLimit(buckets: TokenBuckets): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (p.keyId === 'auth-off') {
      takeToken(buckets, addressBucket(c.get('clientAddress')), 'this client address');
    } else {
      takeToken(buckets, `key:${p.keyId}`, 'this API key');
    }
    return next();
  };
}
