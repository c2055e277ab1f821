import { describe, expect, it } from 'vitest';
import { permits, type Principal, type RouteRole } from '../../../src/auth/index.js';

const platform: Principal = { kind: 'platform', keyId: 'key_p', name: 'p' };
const key = (role: 'admin' | 'editor' | 'viewer' | 'ingest', org = 'a'): Principal => ({
  kind: 'org',
  org,
  role,
  keyId: `key_${role}`,
  name: role,
});

describe('permits', () => {
  // [principal, route role, org acted on, allowed]
  const cases: [string, Principal, RouteRole, string | null, boolean][] = [
    ['platform admin on a platform route', platform, 'platform', null, true],
    ['platform admin on any organization', platform, 'admin', 'b', true],
    ['org admin on a platform route', key('admin'), 'platform', null, false],
    ['admin on admin', key('admin'), 'admin', 'a', true],
    ['admin on viewer', key('admin'), 'viewer', 'a', true],
    ['editor on admin', key('editor'), 'admin', 'a', false],
    ['editor on editor', key('editor'), 'editor', 'a', true],
    ['viewer on editor', key('viewer'), 'editor', 'a', false],
    ['viewer on viewer', key('viewer'), 'viewer', 'a', true],
    ['ingest on viewer', key('ingest'), 'viewer', 'a', false],
    ['ingest on ingest', key('ingest'), 'ingest', 'a', true],
    ['viewer on ingest', key('viewer'), 'ingest', 'a', false],
    ['admin of another organization', key('admin', 'b'), 'viewer', 'a', false],
  ];
  it.each(cases)('%s', (_name, p, role, org, allowed) => {
    expect(permits(p, role, org)).toBe(allowed);
  });
});
