import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from '../../../src/api/env.js';
import { authenticate } from '../../../src/api/middleware/auth.js';
import {
  addressBucket,
  rateLimit,
  takeToken,
  TokenBuckets,
} from '../../../src/api/middleware/rate-limit.js';
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

describe('unauthenticated calls', () => {
  it('count against their client address: 401 within its rate, 429 beyond it', async () => {
    const clock = new ManualClock(0);
    const buckets = new TokenBuckets(1, 2, clock);
    const a = new Hono<ApiEnv>();
    a.use('*', async (c, next) => {
      c.set('clientAddress', c.req.header('x-address') ?? '10.0.0.1');
      await next();
    });
    const good = { kind: 'org', org: 'a', role: 'viewer', keyId: 'k1', name: 'k1' } as const;
    a.use(
      '*',
      authenticate(
        (key) => (key === 'good' ? good : undefined),
        (c) => takeToken(buckets, addressBucket(c.get('clientAddress')), 'this address'),
      ),
    );
    a.use('*', rateLimit(buckets));
    a.get('/', (c) => c.text('ok'));
    a.onError((err, c) => {
      const e = err as AppError;
      return c.text(e.message, httpStatus(e) as 401, {
        'retry-after': String(e.retryAfterSeconds ?? ''),
      });
    });
    const call = (headers: Record<string, string> = {}) => a.request('/', { headers });
    expect((await call()).status).toBe(401);
    expect((await call({ authorization: 'Bearer guess' })).status).toBe(401);
    const limited = await call({ authorization: 'Bearer guess-again' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.text()).toMatch(/rate limit of this address exceeded/);
    // A valid key from that address has its own bucket; another address has its own.
    expect((await call({ authorization: 'Bearer good' })).status).toBe(200);
    expect((await call({ 'x-address': '10.0.0.2' })).status).toBe(401);
    clock.advance(1000);
    expect((await call()).status).toBe(401);
  });
});
