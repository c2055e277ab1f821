import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH, ROLE_EXTENSION } from '../../src/api/index.js';
import type { Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import {
  count,
  logsRequestBytes,
  postOtlp,
  removeDir,
  sqlOnDataDir,
  startTestServer,
  tempDataDir,
  urls,
} from './harness.js';

const ADMIN = 'platform-admin-key-for-tests-0123456789';
const dir = tempDataDir('api');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
/** Keys of organization `alpha` by role, and an admin of `beta`. */
const keys: Record<string, string> = {};
const keyIds: Record<string, string> = {};

beforeAll(async () => {
  gs = await startTestServer(dir, { 'bootstrap-admin-key': ADMIN });
  call = apiClient(urls(gs).ops);
  for (const id of ['alpha', 'beta']) {
    const r = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id, name: id.toUpperCase() },
    });
    expect(r.status).toBe(201);
  }
  for (const role of ['admin', 'editor', 'viewer', 'ingest']) {
    const r = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: ADMIN,
      body: { name: `alpha ${role}`, role },
    });
    expect(r.status).toBe(201);
    keys[role] = r.body.key;
    keyIds[role] = r.body.id;
  }
  const b = await call('POST', '/api/v1/orgs/beta/api-keys', {
    key: ADMIN,
    body: { name: 'beta admin', role: 'admin' },
  });
  keys.betaAdmin = b.body.key;
  keyIds.betaAdmin = b.body.id;
}, 60_000);

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

describe('API conventions', () => {
  it('names the content type a JSON body needs when it comes as another', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await fetch(`${urls(gs).ops}/api/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type },
        body: JSON.stringify({ id: 'typed', name: 'Typed' }),
      });
      expect(r.status, type).toBe(400);
      const body = (await r.json()) as { error: { message: string; details: unknown } };
      expect(body.error.message).toBe(
        'header content-type: must be application/json for a JSON body',
      );
      expect(body.error.details).toEqual([
        expect.objectContaining({ location: 'header', field: 'content-type' }),
      ]);
    }
    const orgs = await call('GET', '/api/v1/orgs', { key: ADMIN });
    expect(orgs.body.items.map((o: { id: string }) => o.id)).not.toContain('typed');
  });

  it('serves the OpenAPI 3.1 document and its rendering without a key', async () => {
    const doc = await call('GET', OPENAPI_PATH);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/orgs/{org}/api-keys');
    // Routes of an organization document the header that names it (unless their path
    // does) and the answers for an unknown organization and for limits.
    const logs = doc.body.paths['/api/v1/monitoring/logs'].get;
    expect(logs.parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Gridscope-Org', in: 'header', required: false }),
    );
    expect(Object.keys(logs.responses)).toEqual(expect.arrayContaining(['404', '413', '429']));
    const listKeys = doc.body.paths['/api/v1/orgs/{org}/api-keys'].get;
    expect(listKeys.parameters.map((p: { name: string }) => p.name)).not.toContain(
      'X-Gridscope-Org',
    );
    expect(Object.keys(listKeys.responses)).toContain('404');
    expect(Object.keys(doc.body.paths['/api/v1/orgs'].get.responses)).not.toContain('404');
    const html = await call('GET', '/docs');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.text).toContain('/api/v1/monitoring/audit-logs/verify');
  });

  it('gives every response a request id, echoing a well-formed one from the client', async () => {
    const mine = await call('GET', '/api/v1/orgs', {
      key: ADMIN,
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const bad = await call('GET', '/api/v1/orgs', {
      headers: { 'x-request-id': 'bad id; with spaces' },
    });
    expect(bad.status).toBe(401);
    const id = bad.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.body.error.requestId).toBe(id);
  });

  it('answers every failure with the one error envelope', async () => {
    const r = await call('GET', '/api/v1/no-such-thing', { key: ADMIN });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: expect.stringContaining('/api/v1/no-such-thing'),
        details: null,
        requestId: r.headers.get('x-request-id'),
      },
    });
    // A path that exists, with a method it does not take: 405, naming those it takes.
    const put = await call('PUT', '/api/v1/orgs', { key: ADMIN, body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(put.body.error).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
      message: 'PUT is not allowed on /api/v1/orgs; use GET, HEAD, POST',
    });
    const onKey = await call('POST', '/api/v1/orgs/alpha/api-keys/key_x', { key: ADMIN, body: {} });
    expect(onKey.status).toBe(405);
    expect(onKey.headers.get('allow')).toBe('DELETE, GET, HEAD');
    const trace = await call('DELETE', '/api/v1/monitoring/traces', { key: ADMIN });
    expect(trace.headers.get('allow')).toBe('GET, HEAD');
    // The OpenAPI document is public, so any method on it gets its 405 without a key.
    const doc = await call('POST', '/api/v1/openapi.json', { body: {} });
    expect(doc.status).toBe(405);
    expect(doc.headers.get('allow')).toBe('GET, HEAD');
    // A path no route has, as one with a trailing slash, is not found, whatever the method.
    const slash = await call('GET', '/api/v1/orgs/', { key: ADMIN });
    expect(slash.status).toBe(404);
    const head = await fetch(`${urls(gs).ops}/api/v1/orgs`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(head.status).toBe(200);
  });

  it('names each invalid field', async () => {
    const r = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: 'Has Space', name: '' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION');
    const fields = r.body.error.details.map(
      (d: { field: string; location: string }) => `${d.location} ${d.field}`,
    );
    expect(fields).toEqual(expect.arrayContaining(['body id', 'body name']));
    const nul = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: 'nul', name: 'bad\u0000name' },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.details).toEqual([
      expect.objectContaining({ location: 'body', field: 'name' }),
    ]);
    // A key's name follows the same rule as an organization's.
    const tab = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: ADMIN,
      body: { name: 'deploy\tbot', role: 'viewer' },
    });
    expect(tab.status).toBe(400);
    expect(tab.body.error.details).toEqual([
      { location: 'body', field: 'name', message: 'must not contain control characters' },
    ]);
    // A field the body does not have is refused by name: a mistyped expiresAt would
    // otherwise make a key that never expires.
    const typo = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: ADMIN,
      body: { name: 'typo', role: 'viewer', expiresAT: '2099-01-01T00:00:00Z' },
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error.details).toEqual([
      { location: 'body', field: 'expiresAT', message: 'unknown field' },
    ]);
    const orgExtra = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: 'extra_field', name: 'E', color: 'red' },
    });
    expect(orgExtra.body.error.details).toEqual([
      { location: 'body', field: 'color', message: 'unknown field' },
    ]);
    // A check after the schema's words its message the same way: location, field, why.
    const schema = await call('GET', '/api/v1/monitoring/logs?limit=0', { key: ADMIN });
    expect(schema.body.error.message).toMatch(/^query limit: /);
    const later = await call('GET', '/api/v1/monitoring/logs?from=now&to=now-1h', { key: ADMIN });
    expect(later.body.error.message).toBe('query from: must be before to');
    expect(later.body.error.details).toEqual([
      { location: 'query', field: 'from', message: 'must be before to' },
    ]);
  });

  it('refuses malformed JSON and oversize bodies without changing anything', async () => {
    const before = await call('GET', '/api/v1/orgs', { key: ADMIN });
    const bad = await call('POST', '/api/v1/orgs', { key: ADMIN, rawBody: '{"id": "x",' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION');
    const big = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: 'huge', name: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('LIMIT_EXCEEDED');
    // A compressed body is refused for its encoding, not read as malformed JSON.
    const zipped = await fetch(`${urls(gs).ops}/api/v1/orgs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ id: 'zipped', name: 'Z' })),
    });
    expect(zipped.status).toBe(400);
    expect(((await zipped.json()) as { error: { details: unknown } }).error.details).toEqual([
      {
        location: 'header',
        field: 'content-encoding',
        message: 'gzip is not taken: send the body uncompressed',
      },
    ]);
    const after = await call('GET', '/api/v1/orgs', { key: ADMIN });
    expect(after.body).toEqual(before.body);
  });

  it('refuses a query parameter the route does not take, naming it', async () => {
    // A misspelt filter would otherwise be dropped and the answer cover every service.
    const typo = await call('GET', '/api/v1/monitoring/logs?servce=api&limit=5', { key: ADMIN });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toBe('query servce: unknown field');
    expect(typo.body.error.details).toEqual([
      { location: 'query', field: 'servce', message: 'unknown field' },
    ]);
    // Routes that take no parameters at all, reads and changes alike.
    const health = await call('GET', '/api/v1/monitoring/health-check?verbose=1', { key: ADMIN });
    expect(health.status).toBe(400);
    expect(health.body.error.details).toEqual([
      { location: 'query', field: 'verbose', message: 'unknown field' },
    ]);
    const before = await call('GET', '/api/v1/orgs', { key: ADMIN });
    const create = await call('POST', '/api/v1/orgs?dryRun=true', {
      key: ADMIN,
      body: { id: 'query_param', name: 'Q' },
    });
    expect(create.status).toBe(400);
    expect(create.body.error.details).toEqual([
      { location: 'query', field: 'dryRun', message: 'unknown field' },
    ]);
    expect((await call('GET', '/api/v1/orgs', { key: ADMIN })).body).toEqual(before.body);
    // The parameters a route does take still work.
    const ok = await call('GET', '/api/v1/monitoring/logs?service=api&limit=5', { key: ADMIN });
    expect(ok.status).toBe(200);
  });

  it('answers a read at either end of the times it takes, and refuses times beyond them', async () => {
    const reads = [
      '/api/v1/monitoring/logs',
      '/api/v1/monitoring/logs/histogram',
      '/api/v1/monitoring/traces',
      '/api/v1/monitoring/services',
      '/api/v1/monitoring/services/map',
      '/api/v1/monitoring/service-metrics/api',
      '/api/v1/monitoring/dashboard',
      '/api/v1/monitoring/metrics/names',
      '/api/v1/monitoring/metrics?metric=m',
      '/api/v1/monitoring/audit-logs',
    ];
    const ranges = [
      ['1970-01-01T00:00:00Z', '1970-01-01T00:30:00Z'],
      ['2106-02-07T05:28:15Z', '2106-02-07T06:28:15.999Z'],
    ];
    for (const path of reads) {
      const sep = path.includes('?') ? '&' : '?';
      for (const [from, to] of ranges) {
        const r = await call('GET', `${path}${sep}from=${from}&to=${to}`, { key: ADMIN });
        expect(r.status, `${path} ${from}`).toBe(200);
      }
      // A `to` near 1970 whose default `from` would fall before it.
      const early = await call('GET', `${path}${sep}to=1970-01-01T00:10:00Z`, { key: ADMIN });
      expect(early.status, `${path} early`).toBe(200);
      for (const [field, at] of [
        ['from', '1969-12-31T23:00:00Z'],
        ['to', '2106-02-07T06:28:16Z'],
        ['to', '2262-04-12T00:00:00Z'],
      ] as const) {
        const range = field === 'from' ? `from=${at}` : `from=2106-02-07T05:00:00Z&to=${at}`;
        const r = await call('GET', `${path}${sep}${range}`, { key: ADMIN });
        expect(r.status, `${path} ${field}=${at}`).toBe(400);
        expect(r.body.error.message).toBe(
          `query ${field}: must be from 1970-01-01T00:00:00Z to before 2106-02-07T06:28:16Z`,
        );
      }
    }
  });

  it('sets secure default headers', async () => {
    const r = await call('GET', '/api/v1/orgs', { key: ADMIN });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const policy = (res: { headers: Headers }) =>
      new Map(
        (res.headers.get('content-security-policy') ?? '').split(';').map((d) => {
          const [name = '', ...sources] = d.trim().split(/\s+/);
          return [name, sources.join(' ')];
        }),
      );
    const api = policy(r);
    expect(api.get('default-src')).toBe("'none'");
    expect(api.get('frame-ancestors')).toBe("'none'");
    // The docs page's one style sheet is allowed by its hash, and nothing else loads.
    const docs = await call('GET', '/docs');
    const style = /<style>([\s\S]*?)<\/style>/.exec(docs.text)?.[1];
    expect(style).toBeDefined();
    const hash = createHash('sha256').update(style!).digest('base64');
    expect(policy(docs).get('style-src')).toBe(`'sha256-${hash}'`);
    expect(policy(docs).get('default-src')).toBe("'none'");
    expect(docs.text).not.toMatch(/<script|style="/);
  });
});

/** Every operation of the OpenAPI document, with the role it declares. */
async function operations(): Promise<{ method: string; path: string; role: string }[]> {
  const doc = (await call('GET', OPENAPI_PATH)).body as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const out = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      out.push({ method: method.toUpperCase(), path, role: String(op[ROLE_EXTENSION]) });
    }
  }
  return out;
}

/**
 * A concrete request for an operation that changes nothing even when allowed: organization
 * routes act on `alpha` (or a missing org for platform-only ones), key routes on a missing
 * key, and bodies are invalid, so an allowed call ends in 200, 400 or 404.
 */
function concrete(op: { method: string; path: string; role: string }) {
  const org = op.role === 'platform' ? 'ghost' : 'alpha';
  const path = op.path
    .replace('{org}', org)
    .replace('{keyId}', 'key_0000000000000000')
    .replace('{traceId}', '0'.repeat(32))
    .replace(/\{[A-Za-z]+\}/g, 'nothing');
  const body = op.method === 'POST' || op.method === 'PATCH' ? {} : undefined;
  return { path, body };
}

describe('roles', () => {
  const principals: { name: string; key: () => string | undefined; roles: string[] }[] = [
    { name: 'no key', key: () => undefined, roles: [] },
    {
      name: 'platform admin',
      key: () => ADMIN,
      roles: ['platform', 'admin', 'editor', 'viewer', 'ingest'],
    },
    { name: 'alpha admin', key: () => keys.admin, roles: ['admin', 'editor', 'viewer', 'ingest'] },
    { name: 'alpha editor', key: () => keys.editor, roles: ['editor', 'viewer', 'ingest'] },
    { name: 'alpha viewer', key: () => keys.viewer, roles: ['viewer'] },
    { name: 'alpha ingest', key: () => keys.ingest, roles: ['ingest'] },
    { name: 'beta admin (other organization)', key: () => keys.betaAdmin, roles: ['beta'] },
    { name: 'unknown key', key: () => 'gsk_not-a-real-key-at-all', roles: [] },
  ];

  it('every route declares its role', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(14);
    for (const op of ops)
      expect(
        ['platform', 'admin', 'editor', 'viewer', 'ingest'],
        `${op.method} ${op.path}`,
      ).toContain(op.role);
  });

  it.each(principals)(
    '$name: allowed, forbidden or unauthenticated on every route as declared',
    async (p) => {
      const ops = await operations();
      const results: string[] = [];
      for (const op of ops) {
        const { path, body } = concrete(op);
        const key = p.key();
        const r = await call(op.method, path, { key, body });
        let want: string;
        if (key === undefined || p.name === 'unknown key') want = '401';
        else if (p.roles.includes('beta')) {
          // An admin of beta acting on alpha (or on platform routes) is always refused; on
          // routes without an org in the path it acts on beta, which its role allows.
          want = op.path.includes('{org}') || op.role === 'platform' ? '403' : 'allowed';
        } else want = p.roles.includes(op.role) ? 'allowed' : '403';
        const got =
          r.status === 401
            ? '401'
            : r.status === 403
              ? '403'
              : [200, 201, 204, 400, 404].includes(r.status)
                ? 'allowed'
                : `status ${r.status}`;
        if (got !== want)
          results.push(
            `${op.method} ${path}: want ${want}, got ${r.status} ${r.text.slice(0, 120)}`,
          );
      }
      expect(results).toEqual([]);
    },
  );
});

describe('organizations and keys', () => {
  it('shows a key once and stores only its digest', async () => {
    const created = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'once', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^gsk_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const got = await call('GET', `/api/v1/orgs/alpha/api-keys/${created.body.id}`, {
      key: keys.admin,
    });
    expect(got.body.key).toBeUndefined();
    expect(got.body.prefix).toBe(created.body.key.slice(0, 10));
    const stored = (await gs.store.platform().keys()).find((k) => k.id === created.body.id)!;
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.body.key);
  });

  it('revoking a key stops it at once', async () => {
    const created = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'short-lived', role: 'viewer' },
    });
    const k = created.body.key;
    expect((await call('GET', '/api/v1/monitoring/health-check', { key: k })).status).toBe(200);
    const revoked = await call('DELETE', `/api/v1/orgs/alpha/api-keys/${created.body.id}`, {
      key: keys.admin,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call('GET', '/api/v1/monitoring/health-check', { key: k })).status).toBe(401);
    const listed = await call('GET', '/api/v1/orgs/alpha/api-keys', { key: keys.admin });
    expect(
      listed.body.items.find((i: { id: string }) => i.id === created.body.id).revokedAt,
    ).not.toBeNull();
  });

  it('an expired key is refused, and an expiry in the past cannot be set', async () => {
    const past = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'old', role: 'viewer', expiresAt: '2000-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/expiresAt/);
    expect(past.body.error.details).toEqual([
      { location: 'body', field: 'expiresAt', message: 'must be in the future' },
    ]);
    // null is never, as keys show it; RFC 3339 allows a lower-case t and z.
    const never = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'never', role: 'viewer', expiresAt: null },
    });
    expect(never.status, never.text).toBe(201);
    expect(never.body.expiresAt).toBeNull();
    const lower = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'lower', role: 'viewer', expiresAt: '2099-01-01t10:00:00z' },
    });
    expect(lower.status, lower.text).toBe(201);
    expect(lower.body.expiresAt).toBe('2099-01-01T10:00:00.000Z');
  });

  it('deleting an organization stops its keys and keeps its id taken', async () => {
    expect(
      (await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'gamma', name: 'G' } })).status,
    ).toBe(201);
    const k = await call('POST', '/api/v1/orgs/gamma/api-keys', {
      key: ADMIN,
      body: { name: 'g', role: 'viewer' },
    });
    expect((await call('GET', '/api/v1/monitoring/health-check', { key: k.body.key })).status).toBe(
      200,
    );
    expect((await call('DELETE', '/api/v1/orgs/gamma', { key: ADMIN })).status).toBe(204);
    expect((await call('GET', '/api/v1/monitoring/health-check', { key: k.body.key })).status).toBe(
      401,
    );
    // Its data is kept and can still be read, not written.
    const org = await call('GET', '/api/v1/orgs/gamma', { key: ADMIN });
    expect(org.status, org.text).toBe(200);
    expect(org.body).toMatchObject({ id: 'gamma', name: 'G', deleted: true });
    const listed = await call('GET', '/api/v1/orgs', { key: ADMIN });
    expect(listed.body.items.map((o: { id: string }) => o.id)).not.toContain('gamma');
    const gammaKeys = await call('GET', '/api/v1/orgs/gamma/api-keys', { key: ADMIN });
    expect(gammaKeys.status, gammaKeys.text).toBe(200);
    expect(gammaKeys.body.items.map((x: { id: string }) => x.id)).toEqual([k.body.id]);
    // Deleting the organization stopped its keys: they read as revoked at its deletion.
    expect(gammaKeys.body.items[0].revokedAt).toBe(org.body.updatedAt);
    const gammaKey = await call('GET', `/api/v1/orgs/gamma/api-keys/${k.body.id}`, { key: ADMIN });
    expect(gammaKey.status, gammaKey.text).toBe(200);
    const headers = { 'x-gridscope-org': 'gamma' };
    const collectors = await call('GET', '/api/v1/monitoring/collectors', { key: ADMIN, headers });
    expect(collectors.status, collectors.text).toBe(200);
    expect(collectors.body).toEqual({ items: [], nextCursor: null });
    const deletedMessage = 'organization gamma was deleted; its data can only be read';
    for (const [method, path, body] of [
      ['PATCH', '/api/v1/orgs/gamma', { name: 'G2' }],
      ['DELETE', '/api/v1/orgs/gamma', undefined],
      ['POST', '/api/v1/orgs/gamma/api-keys', { name: 'g2', role: 'viewer' }],
      ['DELETE', `/api/v1/orgs/gamma/api-keys/${k.body.id}`, undefined],
    ] as const) {
      const r = await call(method, path, { key: ADMIN, body });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.message, `${method} ${path}`).toBe(deletedMessage);
    }
    const trail = await call('GET', '/api/v1/monitoring/audit-logs', { key: ADMIN, headers });
    expect(trail.status, trail.text).toBe(200);
    expect(trail.body.items.map((e: { action: string }) => e.action)).toContain('api_key.create');
    const sql = await call('POST', '/api/v1/monitoring/query/sql', {
      key: ADMIN,
      headers,
      body: { sql: 'SELECT count() AS n FROM otel_logs' },
    });
    expect(sql.status, sql.text).toBe(200);
    const push = await call('POST', '/api/v1/monitoring/metrics', {
      key: ADMIN,
      headers,
      body: { points: [{ name: 'after.delete', value: 1 }] },
    });
    expect(push.status).toBe(404);
    expect(push.body.error.message).toBe(deletedMessage);
    // An id that is not one is the route's to refuse.
    const badId = await call('GET', '/api/v1/orgs/Bad%20Org/api-keys', { key: ADMIN });
    expect(badId.status, badId.text).toBe(400);
    const again = await call('POST', '/api/v1/orgs', {
      key: ADMIN,
      body: { id: 'gamma', name: 'G' },
    });
    expect(again.status).toBe(409);
    const pinned = await call('DELETE', '/api/v1/orgs/default', { key: ADMIN });
    expect(pinned.status).toBe(409);
  });

  it('makes changes sent at the same moment one after another', async () => {
    const platformTrail = async (id: string) =>
      (
        await call('GET', `/api/v1/platform/audit-logs?resourceId=${id}&limit=100`, { key: ADMIN })
      ).body.items.map((e: { action: string }) => e.action) as string[];
    // Two creates of one id: one is made, the other finds it taken.
    const creates = await Promise.all(
      ['first', 'second'].map((name) =>
        call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'racing', name } }),
      ),
    );
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409]);
    const made = creates.find((r) => r.status === 201)!;
    expect((await call('GET', '/api/v1/orgs/racing', { key: ADMIN })).body.name).toBe(
      made.body.name,
    );
    expect(await platformTrail('racing')).toEqual(['organization.create']);
    // Two renames: the second's trail entry starts from the first's name.
    await Promise.all(
      ['A', 'B'].map((name) =>
        call('PATCH', '/api/v1/orgs/racing', { key: ADMIN, body: { name } }),
      ),
    );
    const renames = (
      await call(
        'GET',
        '/api/v1/platform/audit-logs?resourceId=racing&action=organization.update',
        {
          key: ADMIN,
        },
      )
    ).body.items as { before: { name: string }; after: { name: string } }[];
    expect(renames).toHaveLength(2);
    expect(renames[0]!.before.name).toBe(renames[1]!.after.name); // newest first
    // A key revoked three times at once: revoked once, the same time in every answer.
    const k = await call('POST', '/api/v1/orgs/racing/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    });
    const revokes = await Promise.all(
      [0, 1, 2].map(() =>
        call('DELETE', `/api/v1/orgs/racing/api-keys/${k.body.id}`, { key: ADMIN }),
      ),
    );
    expect(revokes.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(revokes.map((r) => r.body.revokedAt)).size).toBe(1);
    const keyTrail = await call('GET', `/api/v1/monitoring/audit-logs?resourceId=${k.body.id}`, {
      key: ADMIN,
      headers: { 'x-gridscope-org': 'racing' },
    });
    expect(keyTrail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'api_key.revoke',
      'api_key.create',
    ]);
    // A rename and deletes at once: whatever the order, the organization ends deleted,
    // once, and its keys stop.
    const viewer = await call('POST', '/api/v1/orgs/racing/api-keys', {
      key: ADMIN,
      body: { name: 'w', role: 'viewer' },
    });
    const [rename, ...deletes] = await Promise.all([
      call('PATCH', '/api/v1/orgs/racing', { key: ADMIN, body: { name: 'late' } }),
      call('DELETE', '/api/v1/orgs/racing', { key: ADMIN }),
      call('DELETE', '/api/v1/orgs/racing', { key: ADMIN }),
    ]);
    expect([200, 404]).toContain(rename.status);
    expect(deletes.map((r) => r.status).sort()).toEqual([204, 404]);
    expect((await call('GET', '/api/v1/orgs/racing', { key: ADMIN })).body.deleted).toBe(true);
    const health = await call('GET', '/api/v1/monitoring/health-check', { key: viewer.body.key });
    expect(health.status).toBe(401);
    expect((await platformTrail('racing')).filter((a) => a === 'organization.delete')).toHaveLength(
      1,
    );
  });

  it('pages organizations and keys oldest first with an opaque cursor', async () => {
    for (const id of ['page_a', 'page_b', 'page_c']) {
      const r = await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id, name: id } });
      expect(r.status, r.text).toBe(201);
    }
    const all = await call('GET', '/api/v1/orgs', { key: ADMIN });
    expect(all.body.nextCursor).toBeNull();
    const ids = all.body.items.map((o: { id: string }) => o.id);
    expect(ids.slice(-3)).toEqual(['page_a', 'page_b', 'page_c']);
    const walk = async (path: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const page = await call('GET', `${path}?limit=${limit}${q}`, { key: ADMIN });
        expect(page.status, page.text).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.body.items.map((o: { id: string }) => o.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return seen;
    };
    expect(await walk('/api/v1/orgs', 1)).toEqual(ids);
    expect(await walk('/api/v1/orgs', 2)).toEqual(ids);
    const created: string[] = [];
    for (const name of ['k1', 'k2', 'k3']) {
      const r = await call('POST', '/api/v1/orgs/page_b/api-keys', {
        key: ADMIN,
        body: { name, role: 'viewer' },
      });
      created.push(r.body.id);
    }
    expect(await walk('/api/v1/orgs/page_b/api-keys', 2)).toEqual(created);
    // A key list's cursor is its organization's: another's would skip keys there.
    const pageB = await call('GET', '/api/v1/orgs/page_b/api-keys?limit=1', { key: ADMIN });
    const onA = await call(
      'GET',
      `/api/v1/orgs/page_a/api-keys?cursor=${encodeURIComponent(pageB.body.nextCursor)}`,
      { key: ADMIN },
    );
    expect(onA.status).toBe(400);
    // A cursor is the list's own, and a limit has its bounds.
    const first = await call('GET', '/api/v1/orgs?limit=1', { key: ADMIN });
    const foreign = await call(
      'GET',
      `/api/v1/orgs/page_b/api-keys?cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { key: ADMIN },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([
      { location: 'query', field: 'cursor', message: 'not a cursor of this list' },
    ]);
    for (const limit of ['0', '1001', 'x']) {
      const r = await call('GET', `/api/v1/orgs?limit=${limit}`, { key: ADMIN });
      expect(r.status, limit).toBe(400);
      expect(r.body.error.details[0].field).toBe('limit');
    }
  });

  it('a key of one organization never reaches another', async () => {
    const other = await call('GET', '/api/v1/orgs/alpha/api-keys', { key: keys.betaAdmin });
    expect(other.status).toBe(403);
    const viaHeader = await call('GET', '/api/v1/monitoring/audit-logs', {
      key: keys.betaAdmin,
      headers: { 'x-gridscope-org': 'alpha' },
    });
    expect(viaHeader.status).toBe(403);
    const own = await call('GET', '/api/v1/monitoring/audit-logs', { key: keys.betaAdmin });
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    for (const e of own.body.items) expect(e.resource.id).not.toBe(keyIds.admin);
    expect(own.body.items.every((e: { after: { org?: string } }) => e.after?.org !== 'alpha')).toBe(
      true,
    );
  });

  it('refuses an organization header that is no organization id, naming the header', async () => {
    const r = await call('GET', '/api/v1/monitoring/audit-logs', {
      key: ADMIN,
      headers: { 'x-gridscope-org': 'Not An Org' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('header x-gridscope-org: not an organization id');
    expect(r.body.error.details).toEqual([
      { location: 'header', field: 'x-gridscope-org', message: 'not an organization id' },
    ]);
  });
});

describe('ingest keys', () => {
  it('an ingest key sends OTLP into its organization; without one, ingest is refused', async () => {
    const body = logsRequestBytes('ingest-key-service', 3);
    const anonymous = await postOtlp(gs, 'logs', body, {
      'content-type': 'application/x-protobuf',
    });
    expect(anonymous.status).toBe(401);
    const viewer = await postOtlp(gs, 'logs', body, {
      'content-type': 'application/x-protobuf',
      authorization: `Bearer ${keys.viewer}`,
    });
    expect(viewer.status).toBe(401);
    const ok = await postOtlp(gs, 'logs', body, {
      'content-type': 'application/x-protobuf',
      authorization: `Bearer ${keys.ingest}`,
    });
    expect(ok.status).toBe(200);
    expect(await count(gs, 'otel_logs', 'alpha')).toBe(3);
    expect(await count(gs, 'otel_logs', 'beta')).toBe(0);
    expect(await count(gs, 'otel_logs', 'default')).toBe(0);
  });
});

describe('audit trail', () => {
  it('records every change with actor, diff, request id and client address, and no secret', async () => {
    const created = await call('POST', '/api/v1/orgs/alpha/api-keys', {
      key: keys.admin,
      body: { name: 'audited', role: 'editor' },
    });
    const requestId = created.headers.get('x-request-id');
    const list = await call('GET', `/api/v1/monitoring/audit-logs?resourceId=${created.body.id}`, {
      key: keys.admin,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const e = list.body.items[0];
    expect(e).toMatchObject({
      actor: { type: 'key', id: keyIds.admin, name: 'alpha admin' },
      action: 'api_key.create',
      resource: { type: 'api_key', id: created.body.id },
      before: null,
      after: { id: created.body.id, name: 'audited', role: 'editor', org: 'alpha' },
      requestId,
      clientAddress: expect.stringMatching(/127\.0\.0\.1/),
    });
    const renamed = await call('PATCH', '/api/v1/orgs/beta', {
      key: ADMIN,
      body: { name: 'Beta Two' },
    });
    expect(renamed.status).toBe(200);
    const platform = await call('GET', '/api/v1/platform/audit-logs?action=organization.update', {
      key: ADMIN,
    });
    expect(platform.body.items[0]).toMatchObject({
      actor: { type: 'platform' },
      resource: { type: 'organization', id: 'beta' },
      before: { name: 'BETA' },
      after: { name: 'Beta Two' },
    });
    // Renaming to the name it has changes nothing, so nothing is audited.
    const same = await call('PATCH', '/api/v1/orgs/beta', {
      key: ADMIN,
      body: { name: 'Beta Two' },
    });
    expect(same.status).toBe(200);
    expect(same.body.updatedAt).toBe(renamed.body.updatedAt);
    const after = await call('GET', '/api/v1/platform/audit-logs?action=organization.update', {
      key: ADMIN,
    });
    expect(after.body.items.length).toBe(platform.body.items.length);
    for (const scope of ['/api/v1/monitoring/audit-logs', '/api/v1/platform/audit-logs']) {
      const all = await call('GET', `${scope}?format=jsonl`, {
        key: ADMIN,
        headers: { 'x-gridscope-org': 'alpha' },
      });
      for (const k of [created.body.key, keys.admin, keys.ingest, ADMIN])
        expect(all.text).not.toContain(k);
      if (scope !== '/api/v1/platform/audit-logs') continue;
      // Nor any part of the chosen bootstrap key, whose creation the platform trail holds:
      // it is shown by a marker.
      expect(all.text).toContain('"name":"bootstrap admin","org":null,"prefix":"(chosen)"');
    }
  });

  it('pages newest first with an opaque cursor', async () => {
    const first = await call('GET', '/api/v1/monitoring/audit-logs?limit=2', { key: keys.admin });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].seq).toBeGreaterThan(first.body.items[1].seq);
    const second = await call(
      'GET',
      `/api/v1/monitoring/audit-logs?limit=2&cursor=${first.body.nextCursor}`,
      {
        key: keys.admin,
      },
    );
    expect(second.body.items[0].seq).toBe(first.body.items[1].seq - 1);
  });

  it('exports JSON Lines and CSV', async () => {
    const jsonl = await call('GET', '/api/v1/monitoring/audit-logs?format=jsonl', {
      key: keys.admin,
    });
    expect(jsonl.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const listed = await call('GET', '/api/v1/monitoring/audit-logs?limit=1000', {
      key: keys.admin,
    });
    expect(lines).toEqual(listed.body.items);
    const csv = await call('GET', '/api/v1/monitoring/audit-logs?format=csv', { key: keys.admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toBe(
      'seq,time,actorType,actorId,actorName,action,resourceType,resourceId,before,after,requestId,clientAddress,prevHash,hash',
    );
    expect(rows).toHaveLength(lines.length + 1);
  });

  it('exports CSV from which the chain checks as the README says, formulas defused', async () => {
    // Keys whose names a spreadsheet would run as a formula, or that start with the
    // apostrophe put before one, act, so that their names are entries' actorName.
    const names = ['=1+2', "'=1+2"];
    for (const name of names) {
      const formula = await call('POST', '/api/v1/orgs/alpha/api-keys', {
        key: keys.admin,
        body: { name, role: 'admin' },
      });
      expect(formula.status).toBe(201);
      const acted = await call('POST', '/api/v1/orgs/alpha/api-keys', {
        key: formula.body.key,
        body: { name: `made by ${name}`, role: 'viewer' },
      });
      expect(acted.status).toBe(201);
    }
    const csv = await call('GET', '/api/v1/monitoring/audit-logs?format=csv', { key: keys.admin });
    const [header, ...rows] = parseCsv(csv.text);
    expect(rows.length).toBeGreaterThan(3);
    const actors = rows.map((r) => r[header!.indexOf('actorName')]);
    expect(actors, 'each with an apostrophe before it').toEqual(
      expect.arrayContaining(["'=1+2", "''=1+2"]),
    );
    let prev = '0'.repeat(64);
    for (const row of rows.reverse()) {
      // As the README says: one apostrophe off a field that starts with one.
      const f = Object.fromEntries(header!.map((k, i) => [k, row[i]!.replace(/^'/, '')]));
      expect(f.prevHash).toBe(prev);
      const fields: Record<string, string | number> = { ...f };
      delete fields.prevHash;
      delete fields.hash;
      fields.seq = Number(f.seq);
      fields.time = Date.parse(f.time!);
      const sorted = Object.fromEntries(
        Object.keys(fields)
          .sort()
          .map((k) => [k, fields[k]]),
      );
      const body = JSON.stringify(sorted);
      expect(createHash('sha256').update(`${f.prevHash}\n${body}`).digest('hex')).toBe(f.hash);
      prev = f.hash!;
    }
  });

  it('refuses hostile or out-of-range filters with a 400 naming the parameter', async () => {
    const bad = [
      ["action=x'%20OR%201%3D1%20--", 'action'],
      ['resourceId=a%0Ab', 'resourceId'],
      ['limit=0', 'limit'],
      ['limit=100000', 'limit'],
      ['limit=abc', 'limit'],
      ['from=yesterday', 'from'],
      ['cursor=not-a-cursor', 'cursor'],
      ['format=xml', 'format'],
    ];
    for (const [query, field] of bad) {
      const r = await call('GET', `/api/v1/monitoring/audit-logs?${query}`, { key: keys.admin });
      expect(r.status, query).toBe(400);
      expect(r.body.error.message, query).toContain(field);
      expect(r.body.error.details, query).toContainEqual(
        expect.objectContaining({ location: 'query', field }),
      );
    }
    // A parameter that takes one value, given twice, is named as such.
    const twice = await call('GET', '/api/v1/monitoring/audit-logs?limit=5&limit=6', {
      key: keys.admin,
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details).toEqual([
      { location: 'query', field: 'limit', message: 'given more than once; it takes one value' },
    ]);
  });

  it('verify passes an intact chain and finds a row tampered with through SQL', async () => {
    const ok = await call('GET', '/api/v1/monitoring/audit-logs/verify', { key: keys.admin });
    expect(ok.body).toMatchObject({ ok: true, firstSeq: 1, firstMismatch: null });
    expect(ok.body.entries).toBeGreaterThanOrEqual(5);
    expect((await call('GET', '/api/v1/platform/audit-logs/verify', { key: ADMIN })).body.ok).toBe(
      true,
    );

    await sqlOnDataDir(
      dir,
      "ALTER TABLE gridscope_alpha.gridscope_audit_log UPDATE ActorName = 'someone else' WHERE Seq = 3",
      { mutations_sync: '2' },
    );
    const bad = await call('GET', '/api/v1/monitoring/audit-logs/verify', { key: keys.admin });
    expect(bad.body).toMatchObject({
      ok: false,
      firstMismatch: { seq: 3, reason: expect.stringMatching(/hash/) },
    });
  });
});

/** The records of RFC 4180 CSV text, each a list of its fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  return records;
}
