import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { Principal } from '../auth/index.js';
import { AppError } from '../lib/errors.js';
import type { OrgState } from '../orgs/index.js';
import type { Logger } from '../lib/logger.js';
import { opsApp, type OpsAppOptions } from './app.js';
import type { ApiDeps } from './deps.js';
import { DOCS_STYLE_SOURCE, renderDocs } from './docs.js';
import type { ApiEnv } from './env.js';
import { errorResponse, validationError } from './errors.js';
import { authenticate } from './middleware/auth.js';
import { addressBucket, rateLimit, takeToken, TokenBuckets } from './middleware/rate-limit.js';
import { requestId } from './middleware/request-id.js';
import type { RouteRegistrar } from './route.js';
import { registerCreateKey } from './routes/api-keys/create-key.js';
import { registerGetKey } from './routes/api-keys/get-key.js';
import { registerListKeys } from './routes/api-keys/list-keys.js';
import { registerRevokeKey } from './routes/api-keys/revoke-key.js';
import { registerListAuditLogs } from './routes/audit/list-audit-logs.js';
import { registerVerifyAuditLogs } from './routes/audit/verify-audit-logs.js';
import { COLLECTOR_ROUTES } from './routes/collectors/index.js';
import { LOG_ROUTES } from './routes/logs/index.js';
import { METRIC_ROUTES } from './routes/metrics/index.js';
import { registerDashboard } from './routes/monitoring/dashboard.js';
import { registerHealthCheck } from './routes/monitoring/health-check.js';
import { registerQuerySql } from './routes/monitoring/query-sql.js';
import { TRACE_ROUTES } from './routes/traces/index.js';
import { registerCreateOrg } from './routes/orgs/create-org.js';
import { registerDeleteOrg } from './routes/orgs/delete-org.js';
import { registerGetOrg } from './routes/orgs/get-org.js';
import { registerListOrgs } from './routes/orgs/list-orgs.js';
import { registerUpdateOrg } from './routes/orgs/update-org.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

export interface ApiAppOptions {
  ops: OpsAppOptions;
  deps: ApiDeps;
  /** `off` makes every caller the platform admin. */
  auth: 'on' | 'off';
  defaultOrg: string;
  rateLimit: { perSecond: number; burst: number };
  maxBodyBytes: number;
  /** Origins allowed by CORS; empty for none, `*` for any. */
  corsOrigins: readonly string[];
  log: Logger;
  /** True once Gridscope is stopping: API calls are refused and connections closed. */
  stopping?: () => boolean;
}

/** Seconds a client is told to wait before calling again while Gridscope stops. */
const STOPPING_RETRY_SECONDS = 5;

/** Every route, in the order they are matched. */
const ROUTES: readonly RouteRegistrar[] = [
  registerListOrgs,
  registerCreateOrg,
  registerGetOrg,
  registerUpdateOrg,
  registerDeleteOrg,
  registerListKeys,
  registerCreateKey,
  registerGetKey,
  registerRevokeKey,
  registerListAuditLogs,
  registerVerifyAuditLogs,
  registerHealthCheck,
  registerQuerySql,
  registerDashboard,
  ...TRACE_ROUTES,
  ...LOG_ROUTES,
  ...METRIC_ROUTES,
  ...COLLECTOR_ROUTES,
];

/** The HTTP app on --http-addr: health and metrics, the REST API, its OpenAPI document and docs. */
export function apiApp(opts: ApiAppOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const repeated = (key: string) =>
        result.target === 'query' && (c.req.queries(key)?.length ?? 0) > 1;
      throw validationError(result.error, result.target, repeated);
    },
  });
  app.use('*', requestId());
  // Answers are JSON or the /docs page, which needs its own style sheet and nothing else:
  // no script, frame, form or other source may load from anything Gridscope serves.
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: [DOCS_STYLE_SOURCE],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  // While Gridscope stops, API calls are refused (the store is closing under them) and
  // every answer closes its connection: a client keeping one busy would otherwise hold the
  // shutdown up. Health and metrics still answer (/readyz: not ready).
  const stopping = opts.stopping ?? (() => false);
  app.use('*', async (c, next) => {
    await next();
    if (stopping()) c.res.headers.set('connection', 'close');
  });
  app.use('/api/*', async (_c, next) => {
    if (stopping()) {
      throw new AppError('UNAVAILABLE', 'Gridscope is stopping; send again later', {
        retryAfterSeconds: STOPPING_RETRY_SECONDS,
      });
    }
    await next();
  });
  if (opts.corsOrigins.length > 0) {
    const any = opts.corsOrigins.includes('*');
    app.use(
      '/api/*',
      cors({
        origin: any ? '*' : [...opts.corsOrigins],
        allowHeaders: ['authorization', 'content-type', 'x-request-id', 'x-gridscope-org'],
        exposeHeaders: ['x-request-id', 'retry-after'],
        maxAge: 600,
      }),
    );
  }
  // The default organization cannot be deleted while it is configured, so once it is
  // found live, or deleted before it was configured, it stays so: looked up until then.
  let defaultState: OrgState | undefined;
  const orgState = async (org: string): Promise<OrgState> => {
    if (org !== opts.defaultOrg) return opts.deps.orgs.state(org);
    if (defaultState !== undefined) return defaultState;
    const state = await opts.deps.orgs.state(org);
    if (state !== 'none') defaultState = state;
    return state;
  };
  app.use('*', async (c, next) => {
    c.set('defaultOrg', opts.defaultOrg);
    c.set('orgState', orgState);
    await next();
  });
  app.route('/', opsApp(opts.ops));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an API key: Authorization: Bearer gsk_...',
  });
  const docConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Gridscope API',
      version: opts.ops.version,
      description:
        'REST API of Gridscope. Errors share one envelope: {"error":{"code","message","details","requestId"}}.',
    },
  };
  // Registered before the authentication middleware, so they need no key.
  app.doc31(OPENAPI_PATH, docConfig);
  app.get('/docs', (c) => c.html(renderDocs(app.getOpenAPI31Document(docConfig), OPENAPI_PATH)));

  app.use('/api/v1/*', async (c, next) => {
    // Bodies are read as they come: a compressed one would read as malformed JSON.
    const coding = c.req.header('content-encoding');
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      const message = `${coding.slice(0, 32)} is not taken: send the body uncompressed`;
      throw new AppError('VALIDATION', `content-encoding: ${message}`, {
        details: [{ location: 'header', field: 'content-encoding', message }],
      });
    }
    await next();
  });
  app.use(
    '/api/v1/*',
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: (c) => {
        // The rest of the body is not read; the connection cannot carry another request.
        c.header('connection', 'close');
        throw new AppError(
          'LIMIT_EXCEEDED',
          `request body is larger than ${opts.maxBodyBytes} bytes (--api-max-body-bytes)`,
        );
      },
    }),
  );
  const lookup = (key: string): Principal | undefined => opts.deps.keys.authenticate(key);
  const buckets = new TokenBuckets(opts.rateLimit.perSecond, opts.rateLimit.burst, opts.deps.clock);
  // Requests without a valid key count against their client address, so that guessing
  // keys is limited like calling with one.
  const refused = (c: Context<ApiEnv>) =>
    takeToken(
      buckets,
      addressBucket(c.get('clientAddress')),
      'unauthenticated calls from this address',
    );
  // The OpenAPI document needs no key with any method: one it is not served with gets the
  // 405 that says which methods it is served with.
  const notOnDocument =
    (mw: MiddlewareHandler<ApiEnv>): MiddlewareHandler<ApiEnv> =>
    (c, next) =>
      c.req.path === OPENAPI_PATH ? next() : mw(c, next);
  app.use('/api/v1/*', notOnDocument(authenticate(opts.auth === 'off' ? 'off' : lookup, refused)));
  app.use('/api/v1/*', notOnDocument(rateLimit(buckets)));
  for (const register of ROUTES) register(app, opts.deps);

  app.onError((err, c) => errorResponse(err, c, opts.log));
  const allowed = allowedMethods(app.routes);
  app.notFound((c) => {
    const allow = allowed(c.req.path);
    if (allow.length === 0) {
      const e = new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
      return errorResponse(e, c, opts.log);
    }
    const e = new AppError(
      'METHOD_NOT_ALLOWED',
      `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}`,
    );
    const res = errorResponse(e, c, opts.log);
    res.headers.set('allow', allow.join(', '));
    return res;
  });
  return app;
}

/**
 * The methods the routes answer on a path, for a 405 with `Allow` when a request names a
 * path with another method (a GET route answers HEAD too). Middleware (`ALL`) is no route.
 */
export function allowedMethods(
  routes: readonly { method: string; path: string }[],
): (path: string) => string[] {
  const byPattern = new Map<string, { re: RegExp; methods: Set<string> }>();
  for (const r of routes) {
    if (r.method === 'ALL') continue;
    let entry = byPattern.get(r.path);
    if (!entry) {
      const source = r.path
        .split('/')
        .map((part) =>
          part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/');
      entry = { re: new RegExp(`^${source}$`), methods: new Set() };
      byPattern.set(r.path, entry);
    }
    entry.methods.add(r.method.toUpperCase());
    if (r.method.toUpperCase() === 'GET') entry.methods.add('HEAD');
  }
  return (path) => {
    const methods = new Set<string>();
    for (const { re, methods: m } of byPattern.values())
      if (re.test(path)) for (const x of m) methods.add(x);
    return [...methods].sort();
  };
}
