import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ScrapeScheduler,
  type FetchFn,
  type SchedulerOptions,
  type ScrapeJob,
  type SinkResult,
  type Timers,
} from '../../../src/collectors/index.js';
import { REQUEST_TYPES } from '../../../src/ingest/otlp/proto.js';
import { ManualClock } from '../../../src/lib/clock.js';

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

/** Timers driven by a manual clock: advancing it fires what has come due, in order. */
class ManualTimers implements Timers {
  private pending: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private readonly clock: ManualClock) {}

  set(fn: () => void, ms: number): unknown {
    const t = { at: this.clock.now() + ms, seq: this.seq++, fn };
    this.pending.push(t);
    return t;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((t) => t !== handle);
  }

  get count(): number {
    return this.pending.length;
  }

  /** Moves the clock by `ms`, firing each timer at its time and letting its work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await settle();
      const due = this.pending
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.pending = this.pending.filter((t) => t !== due);
      this.clock.advance(due.at - this.clock.now());
      due.fn();
    }
    this.clock.advance(end - this.clock.now());
    await settle();
  }
}

/** Lets pending promise callbacks run (no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

const EXPOSITION = '# TYPE up gauge\nup 1\n# TYPE c counter\nc_total{a="x"} 5\n';

/** A fake target: answers each request with `respond`, records them. */
function fakeTarget(respond: (url: string, init: RequestInit) => Promise<Response>) {
  const calls: { url: string; at: number; headers: Headers }[] = [];
  return {
    calls,
    fetch: ((url, init) => {
      calls.push({ url, at: NaN, headers: new Headers(init.headers) });
      return respond(url, init);
    }) as FetchFn,
  };
}

const ok = () =>
  Promise.resolve(
    new Response(EXPOSITION, { headers: { 'content-type': 'text/plain; version=0.0.4' } }),
  );

/** A response that never comes, unless the request is aborted. */
const hang = (_url: string, init: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error));
  });

function setup(
  fetch: FetchFn,
  opts: {
    maxResponseBytes?: number;
    sinkFails?: boolean | (() => boolean);
    storedSeries?: SchedulerOptions['storedSeries'];
  } = {},
) {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const written: { org: string; request: Uint8Array; at: number }[] = [];
  const scheduler = new ScrapeScheduler({
    clock,
    timers,
    fetch,
    sink: (org, request): Promise<SinkResult> => {
      const fails = typeof opts.sinkFails === 'function' ? opts.sinkFails() : opts.sinkFails;
      if (fails) return Promise.reject(new Error('ingest queue is full; retry later'));
      written.push({ org, request, at: clock.now() });
      return Promise.resolve({ accepted: 2, rejected: 0, message: '' });
    },
    log: pino({ level: 'silent' }),
    userAgent: 'Gridscope/test',
    ...(opts.maxResponseBytes === undefined ? {} : { maxResponseBytes: opts.maxResponseBytes }),
    ...(opts.storedSeries === undefined ? {} : { storedSeries: opts.storedSeries }),
  });
  return { clock, timers, written, scheduler };
}

const job = (over: Partial<ScrapeJob> = {}): ScrapeJob => ({
  org: 'acme',
  id: 'col_0000000000000001',
  version: 1,
  url: 'http://target.example:9100/metrics',
  intervalMs: 10_000,
  timeoutMs: 2_000,
  serviceName: 'node',
  labels: {},
  ...over,
});

describe('ScrapeScheduler', () => {
  it('scrapes a new collector right away, then every interval, storing each scrape', async () => {
    const t = fakeTarget(ok);
    const { timers, written, scheduler } = setup(t.fetch);
    scheduler.upsert(job());
    await timers.advance(0);
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.url).toBe('http://target.example:9100/metrics');
    expect(t.calls[0]!.headers.get('accept')).toMatch(/^application\/openmetrics-text/);
    expect(t.calls[0]!.headers.get('x-prometheus-scrape-timeout-seconds')).toBe('2');
    await timers.advance(9_999);
    expect(t.calls).toHaveLength(1);
    await timers.advance(1);
    expect(t.calls).toHaveLength(2);
    await timers.advance(30_000);
    expect(t.calls).toHaveLength(5);
    expect(written.map((w) => w.at - T0)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    const req = REQUEST_TYPES.metrics.toObject(REQUEST_TYPES.metrics.decode(written[0]!.request));
    expect(
      req.resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name),
    ).toEqual(['up', 'c_total']);
    expect(written[0]!.org).toBe('acme');
  });

  it('reports the last scrape: its time, duration, samples and no error', async () => {
    const { clock, timers, scheduler } = setup(async () => {
      clock.advance(120); // the target takes 120 ms to answer
      return ok();
    });
    expect(scheduler.state('acme', job().id)).toEqual({
      lastScrapeAt: null,
      lastSuccessAt: null,
      durationMs: null,
      samples: null,
      error: null,
    });
    scheduler.upsert(job());
    await timers.advance(0);
    expect(scheduler.state('acme', job().id)).toEqual({
      lastScrapeAt: T0,
      lastSuccessAt: T0,
      durationMs: 120,
      samples: 2,
      error: null,
    });
  });

  it('never scrapes a collector twice at once: ticks during a slow scrape are skipped', async () => {
    let release: (() => void) | undefined;
    const t = fakeTarget(
      () =>
        new Promise<Response>((resolve) => {
          release = () => void ok().then(resolve);
        }),
    );
    // The timeout is as long as the interval, so the first scrape outlives two ticks.
    const { timers, scheduler } = setup(t.fetch);
    scheduler.upsert(job({ intervalMs: 1_000, timeoutMs: 1_000 }));
    await timers.advance(0);
    expect(t.calls).toHaveLength(1);
    await timers.advance(999);
    expect(t.calls).toHaveLength(1);
    release!();
    await timers.advance(1); // the tick at 1000 finds the scrape finished
    expect(t.calls).toHaveLength(2);

    const slow = fakeTarget(hang);
    const s2 = setup(slow.fetch);
    s2.scheduler.upsert(job({ intervalMs: 1_000, timeoutMs: 1_000 }));
    await s2.timers.advance(0);
    // The timeout (1000) and the next tick (1000) come due together: the tick sees the
    // scrape still running and skips it.
    await s2.timers.advance(1_000);
    expect(slow.calls).toHaveLength(1);
    await s2.timers.advance(1_000);
    expect(slow.calls).toHaveLength(2);
  });

  it('aborts a scrape at its timeout and reports it', async () => {
    const t = fakeTarget(hang);
    const { timers, written, scheduler } = setup(t.fetch);
    scheduler.upsert(job({ timeoutMs: 2_000 }));
    await timers.advance(1_999);
    expect(scheduler.state('acme', job().id).lastScrapeAt).toBeNull();
    await timers.advance(1);
    expect(scheduler.state('acme', job().id)).toMatchObject({
      lastScrapeAt: T0,
      lastSuccessAt: null,
      durationMs: 2_000,
      samples: null,
      error: 'timed out after 2000 ms',
    });
    expect(written).toHaveLength(0);
  });

  it('refuses a response larger than the limit, declared or streamed', async () => {
    const big = 'x 1\n'.repeat(100);
    const declared = setup(() => Promise.resolve(new Response(big)), { maxResponseBytes: 100 });
    declared.scheduler.upsert(job());
    await declared.timers.advance(0);
    expect(declared.scheduler.state('acme', job().id).error).toBe(
      'response is larger than 100 bytes, the most a scrape reads',
    );
    expect(declared.written).toHaveLength(0);

    const chunks = () =>
      new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(new TextEncoder().encode('x 1\n'.repeat(10)));
        },
      });
    const streamed = setup(() => Promise.resolve(new Response(chunks())), {
      maxResponseBytes: 1000,
    });
    streamed.scheduler.upsert(job());
    await streamed.timers.advance(0);
    expect(streamed.scheduler.state('acme', job().id).error).toMatch(/larger than 1000 bytes/);
  });

  it.each<[string, () => Promise<Response>, RegExp]>([
    [
      'an HTTP error status',
      () => Promise.resolve(new Response('no', { status: 503, statusText: 'Service Unavailable' })),
      /^HTTP 503 Service Unavailable$/,
    ],
    [
      'a connection failure',
      () =>
        Promise.reject(
          new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }),
        ),
      /^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    ],
    [
      'a malformed exposition',
      () => Promise.resolve(new Response('ok 1\nbad{ 1\n')),
      /^invalid exposition: line 2: /,
    ],
  ])('reports %s as the error and stores nothing', async (_what, respond, error) => {
    const { timers, written, scheduler } = setup(respond);
    scheduler.upsert(job());
    await timers.advance(0);
    expect(scheduler.state('acme', job().id).error).toMatch(error);
    expect(scheduler.state('acme', job().id).lastSuccessAt).toBeNull();
    expect(written).toHaveLength(0);
  });

  it('reports a store that refuses the points', async () => {
    const { timers, scheduler } = setup(ok, { sinkFails: true });
    scheduler.upsert(job());
    await timers.advance(0);
    expect(scheduler.state('acme', job().id)).toMatchObject({
      samples: 2,
      error: 'storing failed: ingest queue is full; retry later',
    });
  });

  it('sends a timestamped sample again after a scrape that could not be stored', async () => {
    const text = `# TYPE tsg gauge\ntsg 5 ${T0 - 1000}\n`;
    const served = () =>
      Promise.resolve(new Response(text, { headers: { 'content-type': 'text/plain' } }));
    let fail = true;
    const { timers, written, scheduler } = setup(served, { sinkFails: () => fail });
    scheduler.upsert(job());
    await timers.advance(0);
    expect(written).toHaveLength(0);
    fail = false;
    await timers.advance(10_000);
    expect(written).toHaveLength(1);
    const req = REQUEST_TYPES.metrics.toObject(REQUEST_TYPES.metrics.decode(written[0]!.request));
    expect(
      req.resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name),
    ).toEqual(['tsg']);
  });

  it('clears the error once a scrape succeeds again, keeping the last success', async () => {
    let fail = true;
    const { timers, scheduler } = setup(() =>
      fail ? Promise.resolve(new Response('', { status: 500 })) : ok(),
    );
    scheduler.upsert(job());
    await timers.advance(0);
    expect(scheduler.state('acme', job().id).error).toBe('HTTP 500');
    fail = false;
    await timers.advance(10_000);
    expect(scheduler.state('acme', job().id)).toMatchObject({
      lastScrapeAt: T0 + 10_000,
      lastSuccessAt: T0 + 10_000,
      error: null,
    });
  });

  it('stops scraping a removed collector and drops the result of its scrape in flight', async () => {
    let release: (() => void) | undefined;
    const t = fakeTarget(
      () =>
        new Promise<Response>((resolve) => {
          release = () => void ok().then(resolve);
        }),
    );
    const { timers, written, scheduler } = setup(t.fetch);
    scheduler.upsert(job({ timeoutMs: 10_000 }));
    await timers.advance(0);
    scheduler.remove('acme', job().id);
    release!();
    await timers.advance(60_000);
    expect(t.calls).toHaveLength(1);
    expect(written).toHaveLength(0);
    expect(timers.count).toBe(0);
    // A stale definition (e.g. read before the deletion) does not bring it back.
    scheduler.upsert(job({ version: 5 }));
    await timers.advance(60_000);
    expect(t.calls).toHaveLength(1);
    expect(scheduler.size).toBe(0);
  });

  it('applies a newer definition: a new interval from the last scrape, a new URL at once', async () => {
    const t = fakeTarget(ok);
    const { timers, scheduler } = setup(t.fetch);
    scheduler.upsert(job());
    await timers.advance(0);
    scheduler.upsert(job({ version: 2, intervalMs: 5_000 }));
    await timers.advance(5_000);
    expect(t.calls).toHaveLength(2);
    // An older version is ignored.
    scheduler.upsert(job({ version: 1, intervalMs: 60_000 }));
    await timers.advance(5_000);
    expect(t.calls).toHaveLength(3);
    scheduler.upsert(job({ version: 3, intervalMs: 5_000, url: 'http://other.example/metrics' }));
    await timers.advance(0);
    expect(t.calls.map((c) => c.url).at(-1)).toBe('http://other.example/metrics');
    expect(t.calls).toHaveLength(4);
  });

  it('gives up a scrape of the old URL still running and scrapes the new one once it has ended', async () => {
    const t = fakeTarget((url, init) => (url.includes('slow') ? hang(url, init) : ok()));
    const { timers, written, scheduler } = setup(t.fetch);
    scheduler.upsert(job({ url: 'http://slow.example/metrics', timeoutMs: 5_000 }));
    await timers.advance(1_000);
    expect(t.calls).toHaveLength(1);
    scheduler.upsert(job({ version: 2, url: 'http://fast.example/metrics', timeoutMs: 5_000 }));
    await timers.advance(0);
    expect(t.calls.map((c) => c.url)).toEqual([
      'http://slow.example/metrics',
      'http://fast.example/metrics',
    ]);
    expect(written).toHaveLength(1);
    // The state is the new target's, not the given-up scrape's.
    expect(scheduler.state('acme', job().id)).toMatchObject({ error: null, samples: 2 });
    // It goes on every interval from then.
    await timers.advance(10_000);
    expect(t.calls).toHaveLength(3);
  });

  it('carries on the stored series of a collector it starts, read once per target', async () => {
    const t = fakeTarget(ok);
    const asked: ScrapeJob[] = [];
    let fail = false;
    const { timers, written, scheduler } = setup(t.fetch, {
      storedSeries: (j) => {
        asked.push(j);
        if (fail) return Promise.reject(new Error('store unavailable'));
        // c_total{a="x"} was at 3 (it serves 5 now), started a minute before T0.
        return Promise.resolve([
          {
            name: 'c_total',
            attributes: [['a', 'x']],
            startMs: T0 - 60_000,
            timeMs: T0 - 10_000,
            value: 3,
          },
        ]);
      },
    });
    const starts = (i: number) => {
      const req = REQUEST_TYPES.metrics.toObject(
        REQUEST_TYPES.metrics.decode(written[i]!.request),
        { longs: String },
      );
      const c = req.resourceMetrics[0].scopeMetrics[0].metrics.find(
        (m: { name: string }) => m.name === 'c_total',
      );
      return c.sum.dataPoints.map((p: { startTimeUnixNano: string }) => p.startTimeUnixNano);
    };
    scheduler.upsert(job());
    await timers.advance(10_000);
    expect(asked.map((j) => j.id)).toEqual(['col_0000000000000001']);
    expect(written).toHaveLength(2);
    expect(starts(0)).toEqual([String((T0 - 60_000) * 1e6)]);
    expect(starts(1)).toEqual([String((T0 - 60_000) * 1e6)]);
    // Another target starts its series anew, without reading the stored ones.
    scheduler.upsert(job({ version: 2, url: 'http://other.example/metrics' }));
    await timers.advance(0);
    expect(asked).toHaveLength(1);
    expect(starts(2)).toEqual([String((T0 + 10_000) * 1e6)]);
    // A collector whose stored series cannot be read is scraped all the same.
    fail = true;
    scheduler.upsert(job({ id: 'col_0000000000000002' }));
    await timers.advance(0);
    expect(asked).toHaveLength(2);
    expect(written).toHaveLength(4);
    expect(starts(3)).toEqual([String((T0 + 10_000) * 1e6)]);
    // Under another service name the series are others too: they start at their first
    // point rather than going on from where the old ones were.
    await timers.advance(10_000);
    expect(starts(5)).toEqual([String((T0 + 10_000) * 1e6)]);
    scheduler.upsert(
      job({ version: 3, url: 'http://other.example/metrics', serviceName: 'renamed' }),
    );
    await timers.advance(10_000);
    expect(starts(7)).toEqual([String((T0 + 30_000) * 1e6)]);
  });

  it('keeps one timer per collector, and stops all of them (aborting scrapes) on stop()', async () => {
    const t = fakeTarget(hang);
    const { timers, scheduler } = setup(t.fetch);
    scheduler.upsert(job({ id: 'col_0000000000000001' }));
    scheduler.upsert(job({ id: 'col_0000000000000002', org: 'other' }));
    expect(timers.count).toBe(2);
    await timers.advance(0);
    // Each has its next tick and its running scrape's timeout.
    expect(timers.count).toBe(4);
    await scheduler.stop();
    expect(timers.count).toBe(0);
    expect(scheduler.size).toBe(0);
    scheduler.upsert(job({ id: 'col_0000000000000003' }));
    expect(timers.count).toBe(0);
  });

  it('stops the collectors of organizations no longer kept', async () => {
    const { timers, scheduler } = setup(fakeTarget(ok).fetch);
    scheduler.upsert(job({ id: 'col_0000000000000001', org: 'a' }));
    scheduler.upsert(job({ id: 'col_0000000000000002', org: 'b' }));
    await timers.advance(0);
    scheduler.retain((org) => org !== 'b');
    expect(scheduler.size).toBe(1);
    expect(scheduler.state('b', 'col_0000000000000002').lastScrapeAt).toBeNull();
    expect(scheduler.state('a', 'col_0000000000000001').lastScrapeAt).toBe(T0);
  });
});
