import type { Context, MiddlewareHandler } from 'hono';
import { permits, type Principal, type RouteRole } from '../../auth/index.js';
import { AppError } from '../../lib/errors.js';
import { ORG_ID } from '../../lib/ids.js';
import { requireOrgState } from '../../orgs/index.js';
import type { ApiEnv } from '../env.js';

/** The principal every call has with `--auth off`. */
export const AUTH_OFF: Principal = { kind: 'platform', keyId: 'auth-off', name: 'auth off' };

/** Header with which a platform administrator chooses the organization of a monitoring call. */
export const ORG_HEADER = 'x-gridscope-org';

/**
 * Authenticates `Authorization: Bearer KEY` into a principal, or answers 401. With auth off
 * every caller is the platform administrator. `refused` is told of each request about to be
 * answered 401, and may throw another error instead (a rate limit).
 */
export function authenticate(
  lookup: ((key: string) => Principal | undefined) | 'off',
  refused: (c: Context<ApiEnv>) => void = () => undefined,
): MiddlewareHandler<ApiEnv> {
  const unauthorized = (c: Context<ApiEnv>, message: string): never => {
    refused(c);
    throw new AppError('UNAUTHORIZED', message);
  };
  return async (c, next) => {
    if (lookup === 'off') {
      c.set('principal', AUTH_OFF);
      return next();
    }
    const header = c.req.header('authorization');
    if (!header) return unauthorized(c, 'missing Authorization: Bearer API key');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return unauthorized(c, 'Authorization header must be "Bearer KEY"');
    const principal = lookup(m[1]!);
    if (!principal) return unauthorized(c, 'API key is not valid (unknown, revoked or expired)');
    c.set('principal', principal);
    return next();
  };
}

/**
 * The organization a call acts on: the `{org}` of its path; else the key's own; for the
 * platform administrator the X-Gridscope-Org header, else the default organization.
 */
function targetOrg(
  param: string | undefined,
  header: string | undefined,
  p: Principal,
  defaultOrg: string,
): string {
  if (param !== undefined) return param;
  if (p.kind === 'org') {
    if (header !== undefined && header !== p.org) {
      throw new AppError('FORBIDDEN', `this key belongs to organization ${p.org}, not ${header}`);
    }
    return p.org;
  }
  if (header === undefined) return defaultOrg;
  if (!ORG_ID.test(header)) {
    const message = 'not an organization id';
    throw new AppError('VALIDATION', `header ${ORG_HEADER}: ${message}`, {
      details: [{ location: 'header', field: ORG_HEADER, message }],
    });
  }
  return header;
}

/** The role check every route declares: 403 unless the principal may act here. */
export function requireRole(role: RouteRole): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    const org =
      role === 'platform'
        ? null
        : targetOrg(c.req.param('org'), c.req.header(ORG_HEADER), p, c.get('defaultOrg'));
    if (!permits(p, role, org)) {
      const where = org === null ? 'the platform' : `organization ${org}`;
      const who = p.kind === 'platform' ? 'platform admin' : `${p.role} key of ${p.org}`;
      throw new AppError('FORBIDDEN', `${who} may not do this on ${where} (needs ${role})`);
    }
    // An organization key's organization exists (deleting one revokes its keys). Any that
    // a platform administrator names, or the default one, must exist, or the call would act
    // on a database of no organization; a deleted one, whose data is kept, may still be
    // read (the default one, deleted before it was configured, too). An id that is not
    // one is left to the route's validation.
    if (org !== null && p.kind === 'platform' && ORG_ID.test(org)) {
      const state = await c.get('orgState')(org);
      // Routes a viewer may call only read (some by POST, as the SQL endpoint).
      const reads = role === 'viewer' || c.req.method === 'GET' || c.req.method === 'HEAD';
      requireOrgState(org, state, !reads);
    }
    c.set('org', org);
    return next();
  };
}
