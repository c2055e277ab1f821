import { describe, expect, it } from 'vitest';
import { FLAGS, helpText, loadConfig, parseSize, parseTokens } from '../../../src/config/index.js';

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({}, {});
    expect(c.dataDir).toBe('./data');
    expect(c.otlpGrpcAddr).toBe('0.0.0.0:4317');
    expect(c.otlpHttpAddr).toBe('0.0.0.0:4318');
    expect(c.httpAddr).toBe('0.0.0.0:8080');
    expect(c.maxRequestBytes).toBe(64 * 1024 * 1024);
    expect(c.ingestTokens.size).toBe(0);
  });

  it('reads GRIDSCOPE_* variables, with flags taking precedence', () => {
    const env = {
      GRIDSCOPE_DATA_DIR: '/env',
      GRIDSCOPE_QUEUE_MAX_BYTES: '1MiB',
      GRIDSCOPE_INGEST_TOKENS: 'a=one,b=two',
    };
    const c = loadConfig({ 'data-dir': '/flag' }, env);
    expect(c.dataDir).toBe('/flag');
    expect(c.queueMaxBytes).toBe(1024 * 1024);
    expect([...c.ingestTokens]).toEqual([
      ['a', 'one'],
      ['b', 'two'],
    ]);
  });

  it('treats an empty variable as unset and reads the API flags', () => {
    const c = loadConfig(
      {},
      { GRIDSCOPE_BOOTSTRAP_ADMIN_KEY: '', GRIDSCOPE_CORS_ORIGINS: 'https://a.example, *' },
    );
    expect(c.bootstrapAdminKey).toBeUndefined();
    expect(c.auth).toBe('on');
    expect(c.corsOrigins).toEqual(['https://a.example', '*']);
    expect(c.apiMaxBodyBytes).toBe(1024 * 1024);
    expect(c.retentionAuditDays).toBe(2557);
    expect(() => loadConfig({ auth: 'maybe' }, {})).toThrow(/--auth: /);
  });

  it('names every invalid flag', () => {
    expect(() =>
      loadConfig(
        { 'http-addr': 'nope', 'batch-max-rows': '-1', 'queue-max-bytes': '12 parsecs' },
        {},
      ),
    ).toThrow(/--http-addr: must be host:port[\s\S]*--queue-max-bytes[\s\S]*--batch-max-rows/);
  });

  it('refuses sizes of nothing, ports past 65535 and two listeners on one port', () => {
    const problems = (flags: Record<string, string>, env: Record<string, string> = {}) => {
      try {
        loadConfig(flags, env);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problems({ 'queue-max-bytes': '0', 'max-request-bytes': '0KiB' })).toMatch(
      /--max-request-bytes: must be at least 1 byte[\s\S]*--queue-max-bytes: must be at least 1 byte/,
    );
    expect(problems({ 'max-request-bytes': '12 parsecs' })).toMatch(
      /--max-request-bytes: not a size: "12 parsecs"/,
    );
    expect(problems({ 'otlp-grpc-addr': '127.0.0.1:99999' })).toMatch(
      /--otlp-grpc-addr: the port must be 0 to 65535/,
    );
    expect(problems({ 'http-addr': '0.0.0.0:4318' })).toMatch(
      /--http-addr: 0.0.0.0:4318 is also the address of --otlp-http-addr/,
    );
    expect(problems({ 'http-addr': '127.0.0.1:4317' })).toMatch(/--otlp-grpc-addr/);
    expect(problems({ 'http-addr': '[::]:4318' })).toMatch(/--http-addr: \[::\]:4318 is also/);
    // Port 0 takes a free port for each, and other hosts on one port do not meet, nor an
    // IPv4 wildcard and an IPv6 address.
    expect(problems({ 'http-addr': '[::1]:4318' })).toMatch(/^$/);
    // localhost may resolve to 127.0.0.1 or ::1, so it meets both.
    for (const other of ['127.0.0.1:7001', '[::1]:7001', 'localhost:7001', 'LocalHost:7001']) {
      expect(problems({ 'otlp-http-addr': 'localhost:7001', 'http-addr': other }), other).toMatch(
        /--http-addr: .* is also the address of --otlp-http-addr/,
      );
    }
    expect(problems({ 'otlp-http-addr': 'localhost:7001', 'http-addr': '127.0.0.2:7001' })).toMatch(
      /^$/,
    );
    expect(
      problems({
        'otlp-grpc-addr': '127.0.0.1:0',
        'otlp-http-addr': '127.0.0.1:0',
        'http-addr': '127.0.0.2:4318',
      }),
    ).toMatch(/^$/);
    // A value from the environment is named with its variable.
    expect(problems({}, { GRIDSCOPE_QUEUE_MAX_BYTES: '0' })).toMatch(
      /--queue-max-bytes \(from GRIDSCOPE_QUEUE_MAX_BYTES\): must be at least 1 byte/,
    );
  });

  it('takes whole numbers in decimal digits only, and CORS origins as browsers send them', () => {
    const problems = (flags: Record<string, string>) => {
      try {
        loadConfig(flags, {});
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(
      problems({ 'api-rate-limit': ' ', 'api-rate-burst': '0x10', 'batch-max-rows': '1e3' }),
    ).toMatch(
      /--api-rate-limit: not a whole number: " "[\s\S]*--api-rate-burst: not a whole number: "0x10"[\s\S]*--batch-max-rows: not a whole number: "1e3"/,
    );
    expect(loadConfig({ 'api-rate-limit': ' 25 ' }, {}).apiRateLimit).toBe(25);
    expect(problems({ 'api-max-body-bytes': '10XB' })).toMatch(/use bytes, or KB, MB, GB, KiB/);
    expect(problems({ 'cors-origins': 'https://a.example/,notaurl,ftp://f.example' })).toMatch(
      /not an origin: "https:\/\/a.example\/"[\s\S]*not an origin: "notaurl"[\s\S]*not an origin: "ftp:\/\/f.example"/,
    );
    expect(
      loadConfig({ 'cors-origins': 'https://a.example, http://localhost:3000,*' }, {}).corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:3000', '*']);
  });

  it('refuses a cluster without a ClickHouse server', () => {
    expect(() => loadConfig({ 'clickhouse-cluster': 'c1' }, {})).toThrow(
      /--clickhouse-cluster: needs --clickhouse-url/,
    );
    const c = loadConfig({ 'clickhouse-cluster': 'c1', 'clickhouse-url': 'http://ch:8123' }, {});
    expect(c.clickhouseCluster).toBe('c1');
  });

  it.each([
    ['1024', 1024],
    ['64MiB', 64 * 1024 * 1024],
    ['1.5KiB', 1536],
    ['2GB', 2e9],
  ])('parses the size %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('refuses malformed tokens and organization ids', () => {
    // Errors name an entry by its place, never by any part of its token.
    const message = (text: string) => {
      try {
        parseTokens(text);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(message('a=org1,verysecret')).toBe('ingest token entry 2 of 2 must be TOKEN=ORG');
    // An entry written the wrong way round (ORG=TOKEN) does not show the token either.
    expect(message('t=Bad-Org')).toBe(
      'ingest token entry 1 of 1: what follows its last = is no organization id (lower-case letters, digits and _)',
    );
    expect(message('acme=Sup3rSecretTok')).not.toMatch(/Sup3r/);
    expect(parseTokens('t=with=equals=org_1').get('t=with=equals')).toBe('org_1');
    const twice = message('secret1=org1,other=org1,secret1=org2');
    expect(twice).toBe(
      'ingest token entries 1 and 3 give one token to two organizations, org1 and org2',
    );
    expect(twice).not.toMatch(/sec/);
    expect(parseTokens('same=org1,same=org1').get('same')).toBe('org1');
  });

  it('lists every flag and its variable in --help', () => {
    const help = helpText();
    for (const f of FLAGS) {
      expect(help).toContain(`--${f.name}`);
      expect(help).toContain(`GRIDSCOPE_${f.name.toUpperCase().replace(/-/g, '_')}`);
    }
  });
});
