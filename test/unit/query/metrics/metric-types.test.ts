import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/lib/clock.js';
import { MetricTypes } from '../../../../src/query/metrics/metric-types.js';
import type { Store } from '../../../../src/store/index.js';

/**
 * A store answering the type lookup with the rows set for each metric, recording each
 * statement it runs; the lookup's SQL itself runs against the engine in metrics-api.test.ts.
 */
function fakeStore(types: Record<string, { type: string; unit: string }[]>) {
  const reads: { org: string; metric: string; fromMs: number; toMs: number }[] = [];
  const store = {
    query: (org: string, _sql: string, params: Record<string, unknown>) => {
      const metric = params.metric as string;
      // Types are read from the minute rollups, from the minute holding the range's start.
      const fromMs = params.minuteFromMs as number;
      reads.push({ org, metric, fromMs, toMs: params.toMs as number });
      return Promise.resolve((types[metric] ?? []).map((t) => ({ ...t, monotonic: 0 })));
    },
  } as unknown as Store;
  return { store, reads };
}

describe('MetricTypes', () => {
  it('reads a metric over all time once per ttl, per organization', async () => {
    const clock = new ManualClock(1_000_000);
    const { store, reads } = fakeStore({ 'http.duration': [{ type: 'histogram', unit: 's' }] });
    const types = new MetricTypes({ ttlMs: 60_000, clock });
    const first = await types.lookup(store, 'acme', 'http.duration', {});
    expect(first).toEqual({
      kinds: [{ type: 'histogram', unit: 's', monotonic: 0 }],
      cached: false,
    });
    expect(reads).toEqual([
      { org: 'acme', metric: 'http.duration', fromMs: 0, toMs: 9_000_000_000_000 },
    ]);
    clock.advance(59_999);
    expect((await types.lookup(store, 'acme', 'http.duration', {})).cached).toBe(true);
    expect(reads).toHaveLength(1);
    // Another organization's metric of the same name is its own entry.
    expect((await types.lookup(store, 'other', 'http.duration', {})).cached).toBe(false);
    expect(reads).toHaveLength(2);
    clock.advance(1);
    expect((await types.lookup(store, 'acme', 'http.duration', {})).cached).toBe(false);
    expect(reads).toHaveLength(3);
  });

  it('does not keep a metric without points, so a new one is seen at once', async () => {
    const data: Record<string, { type: string; unit: string }[]> = {};
    const { store, reads } = fakeStore(data);
    const types = new MetricTypes({ ttlMs: 60_000, clock: new ManualClock(0) });
    expect(await types.lookup(store, 'acme', 'new.metric', {})).toEqual({
      kinds: [],
      cached: false,
    });
    data['new.metric'] = [{ type: 'gauge', unit: '1' }];
    expect((await types.lookup(store, 'acme', 'new.metric', {})).kinds).toHaveLength(1);
    expect(reads).toHaveLength(2);
  });

  it('reads every time with a ttl of 0, and again after clear', async () => {
    const { store, reads } = fakeStore({ m: [{ type: 'sum', unit: '' }] });
    const off = new MetricTypes({ ttlMs: 0, clock: new ManualClock(0) });
    await off.lookup(store, 'acme', 'm', {});
    expect((await off.lookup(store, 'acme', 'm', {})).cached).toBe(false);
    expect(reads).toHaveLength(2);
    const on = new MetricTypes({ ttlMs: 60_000, clock: new ManualClock(0) });
    await on.lookup(store, 'acme', 'm', {});
    on.clear();
    expect((await on.lookup(store, 'acme', 'm', {})).cached).toBe(false);
    expect(reads).toHaveLength(4);
  });

  it('keeps at most maxEntries metrics, dropping those read longest ago', async () => {
    const names = ['a', 'b', 'c'];
    const { store, reads } = fakeStore(
      Object.fromEntries(names.map((n) => [n, [{ type: 'gauge', unit: '' }]])),
    );
    const types = new MetricTypes({ ttlMs: 60_000, maxEntries: 2, clock: new ManualClock(0) });
    for (const n of names) await types.lookup(store, 'acme', n, {});
    expect((await types.lookup(store, 'acme', 'c', {})).cached).toBe(true);
    expect((await types.lookup(store, 'acme', 'b', {})).cached).toBe(true);
    expect((await types.lookup(store, 'acme', 'a', {})).cached).toBe(false);
    expect(reads.map((r) => r.metric)).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('metric kinds', () => {
  it('are listed in one fixed order, whatever order the engine answers in', async () => {
    const { store } = fakeStore({
      both: [
        { type: 'summary', unit: 's' },
        { type: 'sum', unit: '1' },
        { type: 'gauge', unit: '1' },
      ],
    });
    const types = new MetricTypes({ ttlMs: 0, clock: new ManualClock(0) });
    const { kinds } = await types.lookup(store, 'acme', 'both', {});
    expect(kinds.map((k) => k.type)).toEqual(['gauge', 'sum', 'summary']);
  });
});
