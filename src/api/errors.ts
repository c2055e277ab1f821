import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { AppError, httpStatus, toAppError, type ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ApiEnv } from './env.js';

/** The body of every failed REST API response. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: unknown; requestId: string };
}

/** Where a validated value came from, as the request's parts are named in errors. */
const LOCATION: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  form: 'body',
  cookie: 'cookie',
};

/** A validation error naming each offending field. */
export function validationError(
  err: ZodError,
  target: string,
  repeated: (key: string) => boolean = () => false,
): AppError {
  const location = LOCATION[target] ?? target;
  const field = (path: readonly PropertyKey[]) =>
    path.length > 0 ? path.map(String).join('.') : '(whole)';
  // An object with keys its schema does not know names each of them; a query parameter
  // that takes one value but was given several (a list where its type was expected) says
  // so, rather than how the list failed its type.
  const details = err.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ location, field: field([...i.path, k]), message: 'unknown field' }))
      : [
          {
            location,
            field: field(i.path),
            message:
              i.code === 'invalid_type' && i.path.length === 1 && repeated(String(i.path[0]))
                ? 'given more than once; it takes one value'
                : i.message,
          },
        ],
  );
  const message = details.map((d) => `${d.location} ${d.field}: ${d.message}`).join('; ');
  return new AppError('VALIDATION', message, { details });
}

function fromHttpException(e: HTTPException): AppError {
  const status = e.status;
  if (status === 413) return new AppError('LIMIT_EXCEEDED', e.message || 'request body too large');
  if (status === 401) return new AppError('UNAUTHORIZED', e.message || 'unauthorized');
  if (status === 404) return new AppError('NOT_FOUND', e.message || 'not found');
  if (status === 415) {
    // A JSON body sent without its type (curl -d sends a form's).
    const message = 'must be application/json for a JSON body';
    return new AppError('VALIDATION', `content-type: ${message}`, {
      details: [{ location: 'header', field: 'content-type', message }],
    });
  }
  if (status >= 400 && status < 500)
    return new AppError('VALIDATION', e.message || 'invalid request');
  return new AppError('INTERNAL', e.message || 'internal error', { cause: e });
}

/** A method whose values come in the query string; other methods send them in the body. */
const QUERY_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

/**
 * Details with a location on each field: a check shared by the query string and JSON body
 * forms of a request does not know which one its value came from, but the method tells.
 */
function locatedDetails(details: unknown, method: string): unknown {
  if (!Array.isArray(details)) return details;
  const location = QUERY_METHODS.has(method) ? 'query' : 'body';
  return details.map((d: unknown) =>
    typeof d === 'object' && d !== null && 'field' in d && !('location' in d)
      ? { location, ...d }
      : d,
  );
}

/**
 * The message of a validation error about fields in one form, whichever check refused
 * them: each field's part begins `location field:`, as the schema's errors do, whereas a
 * later check names the field alone (`from: must be before to`).
 */
function fieldsMessage(e: AppError, details: unknown): string | undefined {
  if (e.code !== 'VALIDATION' && e.code !== 'LIMIT_EXCEEDED') return undefined;
  if (!Array.isArray(details) || details.length === 0) return undefined;
  const fields = details as { location?: unknown; field?: unknown; message?: unknown }[];
  if (!fields.every((d) => typeof d.location === 'string' && typeof d.field === 'string'))
    return undefined;
  const first = fields[0]!;
  if (e.message.startsWith(`${String(first.location)} ${String(first.field)}:`)) return undefined;
  if (fields.length === 1 && e.message.startsWith(`${String(first.field)}:`))
    return `${String(first.location)} ${e.message}`;
  const plain = fields.map((d) => `${String(d.field)}: ${String(d.message)}`).join('; ');
  if (e.message !== plain) return undefined;
  return fields
    .map((d) => `${String(d.location)} ${String(d.field)}: ${String(d.message)}`)
    .join('; ');
}

/** Renders any error as the envelope, with its status and a Retry-After where one applies. */
export function errorResponse(err: unknown, c: Context<ApiEnv>, log: Logger): Response {
  const e = err instanceof HTTPException ? fromHttpException(err) : toAppError(err);
  const requestId = c.get('requestId') ?? '';
  const status = httpStatus(e);
  if (status >= 500) log.error({ err, requestId }, 'request failed');
  const details = locatedDetails(e.details, c.req.method);
  const body: ErrorEnvelope = {
    error: {
      code: e.code,
      // An internal error's text can carry engine detail; the log has it.
      message: e.code === 'INTERNAL' ? 'internal error' : (fieldsMessage(e, details) ?? e.message),
      details: details ?? null,
      requestId,
    },
  };
  const headers: Record<string, string> = {};
  if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
  return c.json(body, status as 400, headers);
}
