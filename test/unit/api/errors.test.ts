import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApiEnv } from '../../../src/api/env.js';
import { errorResponse, validationError } from '../../../src/api/errors.js';
import { AppError, fieldError } from '../../../src/lib/errors.js';
import { logger } from '../../../src/lib/logger.js';

/** An app whose every route throws `err`, rendered as the REST API renders errors. */
function throwing(err: AppError) {
  const app = new Hono<ApiEnv>();
  app.all('/x', () => {
    throw err;
  });
  app.onError((e, c) => errorResponse(e, c, logger));
  return app;
}

async function details(err: AppError, method: string): Promise<unknown> {
  const r = await throwing(err).request('/x', { method });
  expect(r.status).toBe(400);
  return ((await r.json()) as { error: { details: unknown } }).error.details;
}

describe('fieldError', () => {
  it('names the field in the message and in details, with a location only when given', () => {
    const shared = fieldError('step', 'not a step');
    expect(shared.code).toBe('VALIDATION');
    expect(shared.message).toBe('step: not a step');
    expect(shared.details).toEqual([{ field: 'step', message: 'not a step' }]);
    expect(fieldError('sql', 'empty', 'body').details).toEqual([
      { location: 'body', field: 'sql', message: 'empty' },
    ]);
  });
});

describe('errorResponse', () => {
  it.each([
    ['GET', 'query'],
    ['DELETE', 'query'],
    ['POST', 'body'],
    ['PATCH', 'body'],
    ['PUT', 'body'],
  ])('fills in a missing location of a %s as %s', async (method, location) => {
    expect(await details(fieldError('groupBy', 'at most 5 keys'), method)).toEqual([
      { location, field: 'groupBy', message: 'at most 5 keys' },
    ]);
  });

  it('keeps a location the check gave, and details that are not a list of fields', async () => {
    expect(await details(fieldError('x-gridscope-org', 'bad', 'header'), 'POST')).toEqual([
      { location: 'header', field: 'x-gridscope-org', message: 'bad' },
    ]);
    const other = new AppError('VALIDATION', 'm', { details: { fieldViolations: [] } });
    expect(await details(other, 'GET')).toEqual({ fieldViolations: [] });
    expect(await details(new AppError('VALIDATION', 'm'), 'GET')).toBeNull();
  });
});

describe('validationError', () => {
  it('names each unknown key of a strict object, and each invalid field', () => {
    const schema = z.strictObject({ a: z.number(), inner: z.strictObject({ b: z.string() }) });
    const r = schema.safeParse({ a: 'x', inner: { b: 'y', c: 1 }, d: 2, e: 3 });
    expect(r.success).toBe(false);
    const fields = (validationError(r.error!, 'json').details as { field: string }[]).map(
      (d) => d.field,
    );
    expect(fields.sort()).toEqual(['a', 'd', 'e', 'inner.c']);
  });
});
