import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapKeyPath, type Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import {
  count,
  logsRequestBytes,
  postOtlp,
  removeDir,
  startTestServer,
  tempDataDir,
  until,
  urls,
} from './harness.js';

// One data directory for the file; servers run one after another on it.
const dir = tempDataDir('auth-modes');
let gs: Gridscope | undefined;

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

async function restart(flags: Record<string, string> = {}) {
  await gs?.close();
  gs = await startTestServer(dir, flags);
  return apiClient(urls(gs).ops);
}

describe('first start and auth modes', () => {
  it('generates a platform admin key into a 0600 file when none is given', async () => {
    const call = await restart();
    const path = bootstrapKeyPath(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readFileSync(path, 'utf8').trim();
    expect(key).toMatch(/^gsk_/);
    expect((await call('GET', '/api/v1/orgs', { key })).status).toBe(200);
    expect((await call('GET', '/api/v1/orgs')).status).toBe(401);
  });

  it('keeps the existing admin key on restart and ignores a new --bootstrap-admin-key', async () => {
    const key = readFileSync(bootstrapKeyPath(dir), 'utf8').trim();
    const call = await restart({ 'bootstrap-admin-key': 'another-admin-key-that-is-long-enough' });
    expect((await call('GET', '/api/v1/orgs', { key })).status).toBe(200);
    const other = await call('GET', '/api/v1/orgs', {
      key: 'another-admin-key-that-is-long-enough',
    });
    expect(other.status).toBe(401);
  });

  it('with --auth off every call acts as platform admin and is audited as anonymous', async () => {
    const call = await restart({ auth: 'off' });
    const created = await call('POST', '/api/v1/orgs', { body: { id: 'lab', name: 'Lab' } });
    expect(created.status).toBe(201);
    const trail = await call('GET', '/api/v1/platform/audit-logs?resourceId=lab');
    expect(trail.body.items[0]).toMatchObject({
      action: 'organization.create',
      actor: { type: 'anonymous', id: 'anonymous' },
    });
    const audit = await call('GET', '/api/v1/platform/audit-logs/verify');
    expect(audit.body.ok).toBe(true);
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const call = await restart({ auth: 'off', 'cors-origins': 'https://grafana.example' });
    const preflight = (origin: string) =>
      call('OPTIONS', '/api/v1/orgs', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://grafana.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://grafana.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://elsewhere.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits calls without a valid key per client address, and not those with one', async () => {
    const call = await restart({ 'api-rate-limit': '1', 'api-rate-burst': '3' });
    const key = readFileSync(bootstrapKeyPath(dir), 'utf8').trim();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call('GET', '/api/v1/monitoring/traces', { key: `gsk_guess-${i}` });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(r.body.error.message).toMatch(/unauthenticated calls from this address/);
      }
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toContain(429);
    // The valid key has a bucket of its own; routes without a key are not limited.
    expect((await call('GET', '/api/v1/orgs', { key })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('refuses ingest tokens of an organization deleted before they were configured', async () => {
    let call = await restart();
    const key = readFileSync(bootstrapKeyPath(dir), 'utf8').trim();
    expect(
      (await call('POST', '/api/v1/orgs', { key, body: { id: 'gone', name: 'Gone' } })).status,
    ).toBe(201);
    expect((await call('DELETE', '/api/v1/orgs/gone', { key })).status).toBe(204);
    call = await restart({ 'ingest-tokens': 'tok-gone=gone,tok-kept=kept' });
    const send = (token: string) =>
      postOtlp(gs!, 'logs', logsRequestBytes('svc', 2), {
        'content-type': 'application/x-protobuf',
        authorization: `Bearer ${token}`,
      });
    expect((await send('tok-gone')).status).toBe(401);
    expect((await send('tok-kept')).status).toBe(200);
    expect(await count(gs!, 'otel_logs', 'kept')).toBe(2);
    expect(await count(gs!, 'otel_logs', 'gone')).toBe(0);
    // Still deleted: the token did not bring it back, and it cannot be deleted again.
    const gone = await call('GET', '/api/v1/orgs/gone', { key });
    expect(gone.status).toBe(200);
    expect(gone.body.deleted).toBe(true);
    expect((await call('DELETE', '/api/v1/orgs/gone', { key })).status).toBe(404);
  });

  it('still needs a token when every configured one is refused, or the default organization was deleted', async () => {
    const cases: Record<string, string>[] = [
      { 'ingest-tokens': 'tok-gone=gone' },
      { 'default-org': 'gone' },
    ];
    for (const flags of cases) {
      const call = await restart(flags);
      const r = await postOtlp(gs!, 'logs', logsRequestBytes('svc', 1), {
        'content-type': 'application/x-protobuf',
      });
      expect(r.status, JSON.stringify(flags)).toBe(401);
      if (flags['default-org'] === undefined) continue;
      // The platform administrator's calls that name no organization act on the deleted
      // default one: reads answer, writes are refused.
      const key = readFileSync(bootstrapKeyPath(dir), 'utf8').trim();
      expect((await call('GET', '/api/v1/monitoring/logs', { key })).status).toBe(200);
      const push = await call('POST', '/api/v1/monitoring/metrics', {
        key,
        body: { points: [{ name: 'm', type: 'gauge', value: 1 }] },
      });
      expect(push.status).toBe(404);
      expect(push.body.error.message).toMatch(/organization gone was deleted/);
    }
    expect(await count(gs!, 'otel_logs', 'gone')).toBe(0);
    expect(await count(gs!, 'otel_metrics_gauge', 'gone')).toBe(0);
  });

  it('keeps a deleted organization’s data under the retention configured now', async () => {
    let call = await restart();
    const key = readFileSync(bootstrapKeyPath(dir), 'utf8').trim();
    expect(
      (await call('POST', '/api/v1/orgs', { key, body: { id: 'faded', name: 'Faded' } })).status,
    ).toBe(201);
    expect((await call('DELETE', '/api/v1/orgs/faded', { key })).status).toBe(204);
    const ttl = async (table: string) => {
      const rows = (await gs!.store.query(
        'faded',
        `SELECT engine_full AS e FROM system.tables
          WHERE database = {name:String} AND name = {table:String}`,
        { name: gs!.store.database('faded'), table },
      )) as { e: string }[];
      return /TTL (.*?) SETTINGS/.exec(rows[0]!.e)?.[1] ?? 'none';
    };
    expect(await ttl('otel_logs')).toMatch(/toIntervalDay\(30\)/);
    call = await restart({ 'retention-logs-days': '3', 'retention-metrics-days': '0' });
    // Deleted organizations are prepared in the background after the start.
    const both = async () => [await ttl('otel_logs'), await ttl('otel_metrics_gauge')];
    await until('the deleted organization’s new retention', async () =>
      (await both())[1] === 'none' ? true : undefined,
    );
    const [logs, metrics] = await both();
    expect(logs).toMatch(/toIntervalDay\(3\)/);
    expect(metrics).toBe('none');
    const faded = await call('GET', '/api/v1/orgs/faded', { key });
    expect(faded.status).toBe(200);
    expect(faded.body.deleted).toBe(true);
  });

  it('refuses a too-short --bootstrap-admin-key at start', async () => {
    await expect(restart({ 'bootstrap-admin-key': 'short' })).rejects.toThrow(
      /--bootstrap-admin-key: must be at least 24 characters/,
    );
  });
});
