import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { RouteRole } from '../auth/index.js';
import { ERROR_CODES } from '../lib/errors.js';
import type { ApiDeps } from './deps.js';
import type { ApiEnv } from './env.js';
import { requireRole } from './middleware/auth.js';

/** Registers one endpoint (or a pair sharing a handler) on the API app. */
export type RouteRegistrar = (app: OpenAPIHono<ApiEnv>, deps: ApiDeps) => void;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

/** The failures every API route can answer with. */
const COMMON_ERRORS = {
  400: error('invalid request; `details` names each offending field'),
  401: error('missing or invalid API key'),
  403: error('the key may not do this'),
  413: error('the body, the answer or the time a read took is over its limit'),
  429: error('rate limit exceeded; see Retry-After'),
  500: error('internal error'),
} as const;

/** The header with which the platform admin names the organization of a call. */
const ORG_PARAMETER = {
  name: 'X-Gridscope-Org',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    'the organization to act on, for the platform admin (default: --default-org); an organization key acts on its own, and naming another answers 403',
} as const;

const ORG_NOT_FOUND = error('the organization named does not exist (or was deleted)');

/** The OpenAPI extension naming the role a route needs. */
export const ROLE_EXTENSION = 'x-gridscope-role';

const ROLE_TEXT: Record<RouteRole, string> = {
  platform: 'the platform admin',
  admin: 'an admin key of the organization (or the platform admin)',
  editor: 'an editor or admin key of the organization (or the platform admin)',
  viewer: 'a viewer, editor or admin key of the organization (or the platform admin)',
  ingest: 'an ingest, editor or admin key of the organization (or the platform admin)',
};

/**
 * A route's query parameters, refusing any it does not take: a misspelt filter
 * (`?servce=api`) would otherwise be dropped and the answer cover everything.
 */
function strictQuery<T extends RouteConfig>(config: T): T {
  const query = config.request?.query;
  if (query !== undefined && !(query instanceof z.ZodObject))
    throw new Error(`${config.path}: its query parameters must be one object schema`);
  const strict = query === undefined ? z.object({}).strict() : query.strict();
  return { ...config, request: { ...config.request, query: strict } };
}

/**
 * Declares a route with the role it needs: the role check runs before validation and
 * the handler, and the OpenAPI document states the role and the common error answers.
 */
export function route<const R extends Omit<RouteConfig, 'middleware'>>(role: RouteRole, config: R) {
  const inOrg = role !== 'platform';
  // Routes under /orgs/{org} take the organization from their path.
  const byHeader = inOrg && !config.path.includes('{org}');
  return createRoute(
    strictQuery({
      ...config,
      description:
        `${config.description ?? config.summary ?? ''}\n\nNeeds ${ROLE_TEXT[role]}.`.trim(),
      security: [{ bearer: [] }],
      [ROLE_EXTENSION]: role,
      middleware: [requireRole(role)] as const,
      ...(byHeader ? { parameters: [ORG_PARAMETER] } : {}),
      responses: {
        ...COMMON_ERRORS,
        ...(inOrg ? { 404: ORG_NOT_FOUND } : {}),
        ...config.responses,
      },
    }),
  );
}

export { z };
