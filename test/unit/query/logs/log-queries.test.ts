import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/lib/errors.js';
import type { Store } from '../../../../src/store/index.js';
import { parseAttributeFilters } from '../../../../src/query/attribute-filter.js';
import { logFilter, logHistogram, searchLogs } from '../../../../src/query/logs/index.js';
import type { LogFilterInput } from '../../../../src/query/logs/index.js';

const T = Date.parse('2026-11-28T10:00:00Z');
const base: LogFilterInput = {
  range: { fromMs: T, toMs: T + 3_600_000 },
  services: [],
  attributes: [],
};

interface Call {
  sql: string;
  params: Record<string, unknown>;
  opts: unknown;
}

/** A store that records each statement and answers with the given rows, in turn. */
function fakeStore(...answers: unknown[][]): { store: Store; calls: Call[] } {
  const calls: Call[] = [];
  const store = {
    query: (_org: string, sql: string, params: Record<string, unknown>, opts: unknown) => {
      calls.push({ sql, params, opts });
      return Promise.resolve(answers.shift() ?? []);
    },
  } as unknown as Store;
  return { store, calls };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).message;
  }
  throw new Error('expected an error');
}

describe('logFilter', () => {
  it('checks and normalizes every parameter', () => {
    expect(
      logFilter({
        ...base,
        services: [
          'checkout',
          'billing api',
          'checkout',
          'Zahlungsdienst-ä',
          'svc/v1:eu@x_y.z',
          'checkout (eu)',
        ],
        severity: 'WARN',
        q: "can't",
        traceId: '5B8EFFF798038103D269B633813FC60C',
      }),
    ).toEqual({
      fromMs: T,
      toMs: T + 3_600_000,
      services: ['checkout', 'billing api', 'Zahlungsdienst-ä', 'svc/v1:eu@x_y.z', 'checkout (eu)'],
      minSeverity: 13,
      text: "can't",
      attributes: [],
      traceId: '5b8efff798038103d269b633813fc60c',
    });
    expect(logFilter({ ...base, q: '' }).text).toBeUndefined();
  });

  it.each([
    [{ services: ["a'b"] }, 'service'],
    [{ services: ['a;b'] }, 'service'],
    [{ services: ['a\\b'] }, 'service'],
    [{ services: ['a\tb'] }, 'service'],
    [{ services: ['x'.repeat(257)] }, 'service'],
    [{ services: Array.from({ length: 51 }, (_, i) => `s${i}`) }, 'service'],
    [{ q: 'a\u0000' }, 'q'],
    [{ q: 'a\u007f' }, 'q'],
    [{ q: 'x'.repeat(513) }, 'q'],
    [{ traceId: 'g'.repeat(32) }, 'traceId'],
    [{ traceId: 'a'.repeat(33) }, 'traceId'],
    [{ severity: 'loud' }, 'severity'],
  ])('refuses %j naming %s', (input, param) => {
    expect(message(() => logFilter({ ...base, ...input }))).toMatch(new RegExp(`^${param}: `));
  });
});

describe('log queries', () => {
  const hostile = "x'); DROP TABLE otel_logs; --";

  it('binds every value as a parameter and never puts one in the SQL text', async () => {
    const { store, calls } = fakeStore([], []);
    await searchLogs(
      store,
      'acme',
      {
        ...base,
        services: ['checkout'],
        severity: 'error',
        q: hostile,
        attributes: parseAttributeFilters([`market=${hostile}`, `resource.host.name~=${hostile}`]),
        traceId: 'a'.repeat(32),
        limit: 10,
      },
      { timeoutMs: 1234 },
    );
    // Nothing matches: the floor is looked for over 1 and 10 minutes, then the whole hour.
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      expect(c.sql).not.toContain(hostile);
      expect(c.sql).not.toContain('checkout');
      expect(c.sql).not.toContain('market');
      expect(c.sql).toContain('{db:Identifier}.otel_logs');
      expect(c.opts).toEqual({ timeoutMs: 1234 });
      expect(c.params).toMatchObject({
        text: hostile,
        services: ['checkout'],
        minSeverity: 17,
        traceId: 'a'.repeat(32),
        attrk0: 'market',
        attrv0: hostile,
        attrk1: 'host.name',
        attrv1: hostile,
      });
    }
    expect(calls.slice(0, 3).map((c) => c.params.windowFromMs)).toEqual([
      T + 3_540_000,
      T + 3_000_000,
      undefined,
    ]);
    expect(calls[2]!.sql).not.toContain('windowFromMs');
    expect(calls[3]!.sql).toContain('ORDER BY Timestamp DESC, rowHash DESC');
    expect(calls[3]!.params.limit).toBe(11);
  });

  it('stops widening the floor window at the first window holding a page', async () => {
    const { store, calls } = fakeStore([], [{ timeUnixNano: '20' }], []);
    await searchLogs(store, 'acme', { ...base, limit: 5 }, {});
    expect(calls).toHaveLength(3);
    expect(calls[1]!.params).toMatchObject({ windowFromMs: T + 3_000_000, floorOffset: 5 });
    expect(calls[2]!.params).toMatchObject({ floorNanos: '20', limit: 6 });
  });

  it('reads the rollup for whole minutes only when the filter is time, service and severity', async () => {
    const hist = async (extra: Partial<LogFilterInput>, step: string, fromMs = T) => {
      const { store, calls } = fakeStore([]);
      await logHistogram(
        store,
        'acme',
        { ...base, ...extra, range: { fromMs, toMs: T + 3_600_000 }, step },
        {},
      );
      expect(calls).toHaveLength(1);
      return calls[0]!;
    };
    const rollup = await hist({ services: ['checkout'], severity: 'warn' }, '5m', T - 30_000);
    expect(rollup.sql).toContain('{db:Identifier}.gridscope_log_rollup_1m');
    // The half minute before T is read from the records.
    expect(rollup.sql).toContain('{db:Identifier}.otel_logs');
    expect(rollup.params).toMatchObject({ coreFrom: T / 1000, coreTo: T / 1000 + 3600 });
    for (const [extra, step] of [
      [{}, '90s'],
      [{ q: 'x' }, '5m'],
      [{ traceId: 'a'.repeat(32) }, '5m'],
      [{ attributes: parseAttributeFilters(['k=v']) }, '5m'],
    ] as const) {
      const raw = await hist(extra, step);
      expect(raw.sql, JSON.stringify(extra)).not.toContain('gridscope_log_rollup_1m');
      expect(raw.params.coreFrom).toBeUndefined();
    }
  });

  it('asks one more record than the page and returns a cursor only when there are more', async () => {
    const row = (t: string, h: string) => ({
      timeUnixNano: t,
      observedTimeUnixNano: t,
      traceId: '',
      spanId: '',
      traceFlags: 0,
      flags: 0,
      severityText: '',
      severityNumber: 0,
      effectiveSeverity: 0,
      serviceName: 's',
      body: 'b',
      bodyType: 'string',
      resourceSchemaUrl: '',
      resourceAttributes: {},
      scopeSchemaUrl: '',
      scopeName: '',
      scopeVersion: '',
      scopeAttributes: {},
      attributes: {},
      eventName: '',
      droppedAttributesCount: 0,
      hash: h,
    });
    // Three identical records at 30, then one at 20.
    const rows = [row('30', '9'), row('30', '9'), row('30', '9'), row('20', '5')];
    const first = fakeStore([{ timeUnixNano: '20' }], rows.slice(0, 3));
    const p1 = await searchLogs(first.store, 'acme', { ...base, limit: 2 }, {});
    expect(p1.items.map((i) => i.timeUnixNano)).toEqual(['30', '30']);
    expect(p1.nextCursor).not.toBeNull();

    const second = fakeStore([{ timeUnixNano: '20' }], rows);
    const p2 = await searchLogs(
      second.store,
      'acme',
      { ...base, limit: 2, cursor: p1.nextCursor! },
      {},
    );
    // The cursor says two records at (30, 9) were shown: the page skips them.
    expect(second.calls[1]!.params).toMatchObject({ afterNanos: '30', afterHash: '9', limit: 5 });
    expect(p2.items.map((i) => i.timeUnixNano)).toEqual(['30', '20']);
    expect(p2.nextCursor).toBeNull();
  });

  it('fills every bucket and groups severity numbers into levels', async () => {
    const { store, calls } = fakeStore([
      { bucket: T / 1000 + 60, severity: 0, count: 2 },
      { bucket: T / 1000 + 60, severity: 10, count: 3 },
      { bucket: T / 1000 + 60, severity: 12, count: '4' },
      { bucket: T / 1000 + 120, severity: 24, count: 1 },
    ]);
    const h = await logHistogram(
      store,
      'acme',
      { ...base, range: { fromMs: T, toMs: T + 180_000 }, step: '1m' },
      {},
    );
    expect(calls[0]!.params.step).toBe(60);
    const zero = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 };
    expect(h).toEqual({
      from: '2026-11-28T10:00:00.000Z',
      to: '2026-11-28T10:03:00.000Z',
      step: '1m',
      stepSeconds: 60,
      buckets: [
        { time: '2026-11-28T10:00:00.000Z', counts: zero, total: 0 },
        { time: '2026-11-28T10:01:00.000Z', counts: { ...zero, info: 7, unknown: 2 }, total: 9 },
        { time: '2026-11-28T10:02:00.000Z', counts: { ...zero, fatal: 1 }, total: 1 },
      ],
    });
  });

  it('refuses more than 2000 buckets before any query', async () => {
    const { store, calls } = fakeStore();
    await expect(
      logHistogram(
        store,
        'acme',
        { ...base, range: { fromMs: T, toMs: T + 2001_000 }, step: '1s' },
        {},
      ),
    ).rejects.toThrow(/^step: 1s makes 2001 buckets/);
    expect(calls).toHaveLength(0);
  });
});
