import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gridscope } from '../../src/main.js';
import { apiClient } from './api-client.js';
import {
  count,
  logsRequestBytes,
  postOtlp,
  removeDir,
  startTestServer,
  tempDataDir,
  urls,
} from './harness.js';

const ADMIN = 'platform-admin-key-for-sql-tests-012345';
const dir = tempDataDir('sql-api');
let gs: Gridscope;
let call: ReturnType<typeof apiClient>;
let viewer: string;
let otherViewer: string;

async function ingest(service: string, n: number): Promise<void> {
  const r = await postOtlp(gs, 'logs', logsRequestBytes(service, n), {
    'content-type': 'application/x-protobuf',
  });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  gs = await startTestServer(dir, {
    'bootstrap-admin-key': ADMIN,
    'query-timeout-ms': '1500',
    'sql-max-rows': '10',
    'sql-max-result-bytes': '100000',
    'sql-max-memory-bytes': '64MiB',
  });
  call = apiClient(urls(gs).ops);
  await ingest('billing', 7);
  await ingest('market', 5);
  viewer = (
    await call('POST', '/api/v1/orgs/default/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    })
  ).body.key;
  await call('POST', '/api/v1/orgs', { key: ADMIN, body: { id: 'other', name: 'Other' } });
  otherViewer = (
    await call('POST', '/api/v1/orgs/other/api-keys', {
      key: ADMIN,
      body: { name: 'v', role: 'viewer' },
    })
  ).body.key;
}, 60_000);

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

const sql = (text: string, params?: Record<string, unknown>, key = viewer) =>
  call('POST', '/api/v1/monitoring/query/sql', { key, body: { sql: text, params } });

describe('read-only SQL', () => {
  it("runs a SELECT over the organization's tables with bound parameters", async () => {
    const r = await sql(
      'SELECT ServiceName AS service, count() AS n FROM otel_logs WHERE ServiceName IN {services:Array(String)} GROUP BY service ORDER BY service',
      { services: ['billing', 'market', "x' OR 1=1"] },
    );
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual([
      { name: 'service', type: 'LowCardinality(String)' },
      { name: 'n', type: 'UInt64' },
    ]);
    expect(
      r.body.rows.map((x: { service: string; n: unknown }) => [x.service, Number(x.n)]),
    ).toEqual([
      ['billing', 7],
      ['market', 5],
    ]);
    expect(r.body.rowCount).toBe(2);
    const qualified = await sql('SELECT count() AS n FROM gridscope_default.otel_logs;');
    expect(Number(qualified.body.rows[0].n)).toBe(12);
    const cte = await sql(
      'WITH b AS (SELECT * FROM otel_logs WHERE ServiceName = {s:String}) SELECT count() AS n FROM b',
      { s: 'billing' },
    );
    expect(Number(cte.body.rows[0].n)).toBe(7);
  });

  it("stays in the caller's organization", async () => {
    const r = await sql('SELECT count() AS n FROM otel_logs', {}, otherViewer);
    expect(r.status).toBe(200);
    expect(Number(r.body.rows[0].n)).toBe(0);
    const cross = await sql(
      'SELECT count() AS n FROM gridscope_default.otel_logs',
      {},
      otherViewer,
    );
    expect(cross.status).toBe(400);
    expect(cross.body.error.message).toMatch(/outside this organization's database/);
  });

  it('refuses every statement that is not a single read, and changes nothing', async () => {
    const refused: [string, RegExp][] = [
      ['DROP TABLE otel_logs', /only a SELECT/],
      ["INSERT INTO otel_logs (Body) VALUES ('x')", /only a SELECT/],
      ['ALTER TABLE otel_logs DELETE WHERE 1', /only a SELECT/],
      ['TRUNCATE TABLE otel_logs', /only a SELECT/],
      ['SYSTEM FLUSH LOGS', /only a SELECT|sql: /],
      ['SELECT 1; DROP TABLE otel_logs', /one statement only/],
      ["SELECT ';'", /one statement only/],
      ['SELECT * FROM system.tables', /outside this organization's database/],
      ['SELECT * FROM gridscope_other.otel_logs', /outside this organization's database/],
      ['SELECT * FROM gridscope__platform.api_keys', /outside this organization's database/],
      // The audit trail is an administrator's, read through its own routes.
      ['SELECT * FROM gridscope_audit_log', /gridscope_audit_log is not readable here/],
      [
        'SELECT count() FROM otel_logs AS l JOIN gridscope_default.gridscope_audit_log AS a ON 1',
        /audit trail; read it with GET \/api\/v1\/monitoring\/audit-logs/,
      ],
      [
        'SELECT 1 WHERE 1 IN (SELECT Seq FROM gridscope_audit_log)',
        /gridscope_audit_log is not readable here/,
      ],
      ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /table functions are not allowed/],
      ['SELECT * FROM numbers(10)', /table functions are not allowed/],
      [
        "SELECT * FROM url('http://127.0.0.1:1/', 'CSV', 'a String')",
        /table functions are not allowed/,
      ],
      ["SELECT file('/etc/passwd')", /function file is not allowed/],
      ["SELECT dictGet('d', 'a', toUInt64(1))", /function dictGet is not allowed/],
      // Functions that tell of the host, also under another of their names.
      ['SELECT hostName()', /function hostName is not allowed/],
      ['SELECT fullHostName()', /function fullHostName is not allowed/],
      ['SELECT current_user()', /function current_user is not allowed/],
      ['SELECT SESSION_USER()', /function SESSION_USER is not allowed/],
      ['SELECT currentProfiles()', /function currentProfiles is not allowed/],
      ['SELECT uptime()', /function uptime is not allowed/],
      // A collector's URL may hold a credential its routes show redacted.
      ['SELECT Url FROM gridscope_collectors', /gridscope_collectors is not readable here/],
      ['SELECT 1 WHERE 1 IN otel_traces', /use a subquery/],
      ['SELECT 1 FORMAT CSV', /FORMAT and INTO OUTFILE/],
      ["SELECT 1 INTO OUTFILE '/tmp/gridscope-sql-test'", /FORMAT and INTO OUTFILE/],
      ['SELECT 1 SETTINGS readonly = 0', /SETTINGS are not allowed|readonly/],
      ['SELECT 1 SETTINGS max_result_rows = 0', /SETTINGS are not allowed/],
      ['SELEC 1', /Syntax error/i],
      ['SELECT {missing:String}', /missing/],
      ['SELECT no_such_column FROM otel_logs', /no_such_column/],
    ];
    for (const [text, why] of refused) {
      const r = await sql(text);
      expect(r.status, text).toBe(400);
      expect(r.body.error.code, text).toBe('VALIDATION');
      expect(r.body.error.message, text).toMatch(why);
      expect(r.body.error.details, text).toEqual([
        expect.objectContaining({ location: 'body', field: 'sql' }),
      ]);
    }
    expect(await count(gs, 'otel_logs')).toBe(12);
  });

  it("names sql in the details of the engine's refusal, with the engine's code", async () => {
    const r = await sql('SELEC 1');
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      {
        location: 'body',
        field: 'sql',
        message: expect.stringMatching(/Syntax error/i),
        clickhouseCode: '62',
      },
    ]);
    // Positions are counted in the statement as written.
    expect(r.body.error.details[0].message).toMatch(/failed at position 7 \(1\)/);
    expect((await sql('  SELECT 1 +')).body.error.details[0].message).toMatch(/position 11/);
    // Characters, not bytes of the UTF-8: the ) is the 15th character.
    expect((await sql("SELECT 'éé' + ) FROM x")).body.error.details[0].message).toMatch(
      /position 15/,
    );
    const comment = await sql('-- only a comment\n/* and another */');
    expect(comment.status).toBe(400);
    expect(comment.body.error.message).toBe('body sql: no statement, only comments');
  });

  it('binds numbers a JSON number holds, and asks for a string past 2^53', async () => {
    const past = await sql('SELECT {a:Float64} AS a', { a: 1e21 });
    expect(past.status).toBe(400);
    expect(past.body.error.details[0]).toMatchObject({ location: 'body', field: 'params.a' });
    const inArray = await sql('SELECT {a:Array(Float64)} AS a', { a: [1, 1e300] });
    expect(inArray.status).toBe(400);
    const asText = await sql('SELECT {a:Float64} AS a, {b:UInt64} AS b', {
      a: '1e21',
      b: '9007199254740993',
    });
    expect(asText.status, asText.text).toBe(200);
    expect(asText.body.rows).toEqual([{ a: 1e21, b: '9007199254740993' }]);
  });

  it('refuses functions that tell of the host', async () => {
    for (const f of [
      'displayName()',
      'getOSKernelVersion()',
      'tcpPort()',
      'currentUser()',
      "getServerSetting('path')",
    ]) {
      const r = await sql(`SELECT ${f} AS x`);
      expect(r.status, f).toBe(400);
    }
  });

  it('stops statements at the size limits and runs each with the limits in force', async () => {
    // Too many rows, for the engine and after an arrayJoin; too many bytes in few rows.
    for (const text of [
      'SELECT Body FROM otel_logs',
      'SELECT arrayJoin(range(5000)) AS x',
      "SELECT repeat('x', 20000) AS s FROM otel_logs LIMIT 8",
    ]) {
      const big = await sql(text);
      expect(big.status, `${text}: ${big.text}`).toBe(413);
      expect(big.body.error.code, text).toBe('LIMIT_EXCEEDED');
      expect(big.body.error.details, text).toEqual([
        expect.objectContaining({ location: 'body', field: 'sql' }),
      ]);
    }
    // The engine let these 160,000 bytes through; they are measured as sent.
    expect((await sql("SELECT repeat('x', 20000) AS s FROM otel_logs LIMIT 8")).text).toMatch(
      /^\{"error":\{"code":"LIMIT_EXCEEDED","message":"body sql: the result has \d+ bytes, more than 100000/,
    );
    // A statement ending in a semicolon or a comment runs as written.
    for (const text of ['SELECT 1 AS one;', 'SELECT 1 AS one -- a note']) {
      expect((await sql(text)).body.rows, text).toEqual([{ one: 1 }]);
    }
    // The engine's refusal carries its code, as its other refusals do.
    expect((await sql('SELECT Body FROM otel_logs')).body.error.details[0].clickhouseCode).toBe(
      '396',
    );
    expect((await sql('SELECT Body FROM otel_logs LIMIT 10')).body.rowCount).toBe(10);
    // Each statement runs read-only with the configured time limit in force.
    const settings = await sql(
      "SELECT getSetting('readonly') AS ro, getSetting('max_execution_time') AS t, getSetting('max_result_rows') AS r, getSetting('max_result_bytes') AS b",
    );
    expect(settings.status).toBe(200);
    expect(settings.body.rows[0]).toMatchObject({ ro: expect.anything(), t: expect.anything() });
    expect(Number(settings.body.rows[0].ro)).toBe(2);
    // The time limit to the millisecond, not rounded to whole seconds.
    expect(Number(settings.body.rows[0].t)).toBe(1.5);
    expect(Number(settings.body.rows[0].r)).toBe(10);
    // The engine stops an answer only where Gridscope gives it up (four times the limit
    // and 64 KiB): the limit itself is measured on the rows as sent.
    expect(Number(settings.body.rows[0].b)).toBe(4 * 100_000 + 65_536);
    // A statement that would hold more memory than allowed is stopped by the engine, so
    // that neither it nor an answer it builds (handed over whole by the embedded engine)
    // can take the process's memory: here 300 values of 1 MB held at once.
    const mem = await sql(
      "SELECT length(groupArray(repeat('x', 1000000))) AS n FROM (SELECT arrayJoin(range(300)))",
    );
    expect(mem.status, mem.text).toBe(413);
    expect(mem.body.error.details[0].clickhouseCode).toBe('241');
    const limit = await sql("SELECT getSetting('max_memory_usage') AS m");
    expect(Number(limit.body.rows[0].m)).toBe(64 * 1024 * 1024);
    // A statement after one stopped at a limit answers with its own result.
    await sql('SELECT Body FROM otel_logs');
    const next = await sql('SELECT 42 AS answer');
    expect(next.body.rows).toEqual([{ answer: 42 }]);
  });

  it('keeps every digit of 64-bit integers, and NaN and the infinities, as strings', async () => {
    const r = await sql(
      'SELECT toUInt64(18446744073709551615) AS big, toInt64({n:Int64}) AS neg, 7 AS small, nan AS n, -inf AS i',
      { n: '-9007199254740993' },
    );
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([
      { big: '18446744073709551615', neg: '-9007199254740993', small: 7, n: 'nan', i: '-inf' },
    ]);
  });

  it("does not name tables of other databases in the engine's hints", async () => {
    const r = await sql('SELECT * FROM api_keys');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/api_keys/);
    expect(r.text, r.text).not.toMatch(/_platform/);
  });

  it("leaves Gridscope's own sessions writable and unlimited", async () => {
    await ingest('after', 3);
    expect(await count(gs, 'otel_logs')).toBe(15);
    const r = await sql('SELECT count() AS n FROM otel_logs');
    expect(Number(r.body.rows[0].n)).toBe(15);
  });

  it('validates the request body', async () => {
    const r = await call('POST', '/api/v1/monitoring/query/sql', {
      key: viewer,
      body: { sql: 'SELECT 1', params: { 'bad name': 1 } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/params/);
  });
});
