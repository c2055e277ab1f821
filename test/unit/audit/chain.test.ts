import { describe, expect, it } from 'vitest';
import { chainBreak, entryHash, GENESIS_HASH, redactSecrets } from '../../../src/audit/index.js';
import type { AuditRow } from '../../../src/store/index.js';

function entry(seq: number, prev: AuditRow | undefined, action = 'thing.create'): AuditRow {
  const unhashed = {
    seq,
    time: 1795860000000 + seq,
    actorType: 'key',
    actorId: 'key_0123456789abcdef',
    actorName: 'ci',
    action,
    resourceType: 'thing',
    resourceId: `t${seq}`,
    before: '',
    after: `{"n":${seq}}`,
    requestId: `r${seq}`,
    clientAddress: '127.0.0.1',
    prevHash: prev?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: entryHash(unhashed) };
}

describe('audit hash chain', () => {
  const e1 = entry(1, undefined);
  const e2 = entry(2, e1);
  const e3 = entry(3, e2);

  it('accepts an intact chain', () => {
    expect(chainBreak(undefined, e1)).toBeNull();
    expect(chainBreak(e1, e2)).toBeNull();
    expect(chainBreak(e2, e3)).toBeNull();
  });

  it('finds a changed field, a broken link and a gap', () => {
    expect(chainBreak(e1, { ...e2, action: 'thing.delete' })).toMatch(/hash does not match/);
    expect(chainBreak(e1, { ...e2, after: '{"n":99}' })).toMatch(/hash does not match/);
    const forged = entry(2, { ...e1, hash: 'f'.repeat(64) });
    expect(chainBreak(e1, forged)).toMatch(/previous hash/);
    expect(chainBreak(e1, e3)).toMatch(/sequence jumps from 1 to 3/);
  });

  it('hashes every field', () => {
    const keys = Object.keys(e2).filter((k) => k !== 'hash' && k !== 'seq' && k !== 'time');
    for (const k of keys) {
      const changed = { ...e2, [k]: `${String(e2[k as keyof AuditRow])}x` };
      expect(entryHash(changed), k).not.toBe(e2.hash);
    }
    expect(entryHash({ ...e2, seq: 7 })).not.toBe(e2.hash);
    expect(entryHash({ ...e2, time: e2.time + 1 })).not.toBe(e2.hash);
  });
});

describe('redactSecrets', () => {
  it('drops secret members at any depth', () => {
    expect(
      redactSecrets({ id: 'k', key: 'gsk_x', nested: [{ token: 't', password: 'p', name: 'n' }] }),
    ).toEqual({ id: 'k', nested: [{ name: 'n' }] });
  });

  it('replaces the values of credential-like query parameters of URLs', () => {
    const url = 'http://exporter:9100/metrics?module=http_2xx&token=s3cr3t&api_key=k&target=a%20b';
    expect(redactSecrets({ url, note: 'token=s3cr3t' })).toEqual({
      url: 'http://exporter:9100/metrics?module=http_2xx&token=redacted&api_key=redacted&target=a+b',
      note: 'token=s3cr3t',
    });
    expect(redactSecrets('https://u:pw@host/x?X-Amz-Signature=abc')).toBe(
      'https://u:redacted@host/x?X-Amz-Signature=redacted',
    );
    // A URL without such a parameter is kept as it was written.
    expect(redactSecrets('http://h/metrics?a=b%20c&signal=x&author=y')).toBe(
      'http://h/metrics?a=b%20c&signal=x&author=y',
    );
    expect(redactSecrets('http://h/m?sig=1&authorization=2&pwd=3&pass=4&jwt=5')).toBe(
      'http://h/m?sig=redacted&authorization=redacted&pwd=redacted&pass=redacted&jwt=redacted',
    );
  });

  it('replaces credential-like parameters in a URL fragment too', () => {
    // OAuth's implicit flow returns its token in the fragment.
    expect(redactSecrets('http://h/m?x=1#access_token=s3cr3t&state=a%20b&to%6Ben=t')).toBe(
      'http://h/m?x=1#access_token=redacted&state=a%20b&to%6Ben=redacted',
    );
    // A fragment that names no credential, or names one without a value, is kept.
    expect(redactSecrets('http://h/m#monkey')).toBe('http://h/m#monkey');
    expect(redactSecrets('http://h/m#section=2&key')).toBe('http://h/m#section=2&key');
  });
});
