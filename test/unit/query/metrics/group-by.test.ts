import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/lib/errors.js';
import { parseAttributeKey, parseGroupBy } from '../../../../src/query/metrics/index.js';

describe('parseGroupBy', () => {
  it('maps service.name to ServiceName, resource.KEY to resource attributes, else point attributes', () => {
    expect(parseGroupBy(['service.name', 'resource.host.name', 'http.route'])).toEqual([
      { label: 'service.name', column: 'service', key: 'service.name' },
      { label: 'resource.host.name', column: 'resource', key: 'host.name' },
      { label: 'http.route', column: 'item', key: 'http.route' },
    ]);
  });

  it('takes repeated and comma-separated keys, once each', () => {
    expect(parseGroupBy(['a,b', 'b', ' c ', '']).map((k) => k.label)).toEqual(['a', 'b', 'c']);
    expect(parseGroupBy([])).toEqual([]);
  });

  it('takes keys as senders write them, spaces and brackets included', () => {
    expect(parseGroupBy(['weird key', 'http (status)', 'resource.a b']).map((k) => k.key)).toEqual([
      'weird key',
      'http (status)',
      'a b',
    ]);
  });

  it.each([
    [["a'b"]],
    [['a;b']],
    [['a"b']],
    [['a=b']],
    [['a!=b']],
    [['resource.']],
    [['x\u0000']],
    [["k') FROM t; --"]],
    [['a,b,c,d,e,f']],
  ])('refuses %j naming groupBy', (values) => {
    expect(() => parseGroupBy(values)).toThrow(AppError);
    expect(() => parseGroupBy(values)).toThrow(/^groupBy: /);
  });

  it('parseAttributeKey names its own parameter', () => {
    expect(parseAttributeKey('resource.k8s.pod.name', 'key')).toEqual({
      label: 'resource.k8s.pod.name',
      column: 'resource',
      key: 'k8s.pod.name',
    });
    expect(() => parseAttributeKey('a"b', 'key')).toThrow(/^key: /);
  });
});
