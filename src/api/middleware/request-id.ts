import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { ApiEnv } from '../env.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the client's X-Request-Id when it is well formed) and echoes
 * it in the response, and records the client's address.
 */
export function requestId(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', id);
    let address = '';
    try {
      address = getConnInfo(c).remote.address ?? '';
    } catch {
      // Not served by a socket (app.request in tests).
    }
    c.set('clientAddress', address);
    c.header('x-request-id', id);
    await next();
  };
}
