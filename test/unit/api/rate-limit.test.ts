import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from '../../../src/api/env.js';
import { rateLimit, TokenBuckets } from '../../../src/api/middleware/rate-limit.js';
import { httpStatus, type AppError } from '../../../src/lib/errors.js';
import { ManualClock } from '../../../src/lib/clock.js';

function app(buckets: TokenBuckets) {
  const a = new Hono<ApiEnv>();
  a.use('*', async (c, next) => {
    const keyId = c.req.header('x-key') ?? 'k1';
    c.set('principal', { kind: 'org', org: 'a', role: 'viewer', keyId, name: keyId });
    c.set('clientAddress', '127.0.0.1');
    await next();
  });
  a.use('*', rateLimit(buckets));
  a.get('/', (c) => c.text('ok'));
  a.onError((err, c) => {
    const e = err as AppError;
    return c.text(e.message, httpStatus(e) as 429, {
      'retry-after': String(e.retryAfterSeconds ?? ''),
    });
  });
  return a;
}

describe('API rate limit', () => {
  it('allows the burst, then answers 429 with Retry-After until tokens refill', async () => {
    const clock = new ManualClock(0);
    const a = app(new TokenBuckets(2, 3, clock));
    for (let i = 0; i < 3; i++) expect((await a.request('/')).status).toBe(200);
    const limited = await a.request('/');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    // Another key has its own bucket.
    expect((await a.request('/', { headers: { 'x-key': 'k2' } })).status).toBe(200);
    clock.advance(500); // one token at 2 per second
    expect((await a.request('/')).status).toBe(200);
    expect((await a.request('/')).status).toBe(429);
  });
});
