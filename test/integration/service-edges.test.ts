/**
 * The service map's rollup against the real embedded engine: rolled chunks give the calls
 * the spans give, a read mixes rolled minutes with spans, a chunk rolled twice counts
 * once, and the background roller fills chunks newest first once they have settled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timers } from '../../src/collectors/scheduler.js';
import { ManualClock } from '../../src/lib/clock.js';
import { ServiceEdgeRoller } from '../../src/query/traces/edge-roller.js';
import { PARENT_LEAD_MS } from '../../src/query/traces/services.js';
import {
  EDGE_CHUNK_MS,
  markedEdgeChunks,
  pendingEdgeChunks,
  rollEdgeChunk,
  rolledMinutes,
  serviceEdges,
} from '../../src/store/queries/service-edges.js';
import { Store } from '../../src/store/index.js';
import { removeDir, silentLog, tempDataDir } from './harness.js';

const dir = tempDataDir('service-edges');
let store: Store;

beforeAll(() => {
  store = new Store({
    backend: { kind: 'embedded', dataDir: dir },
    databasePrefix: 'gridscope_',
    retention: { tracesDays: 0, logsDays: 0, metricsDays: 0, auditDays: 0 },
    batch: { maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 50, minIntervalMs: 0 },
    write: { retries: 0, retryDelayMs: 10 },
    queueMaxBytes: 1 << 20,
    insertConnections: 1,
    observer: { onBatch: () => undefined },
    log: silentLog,
  });
});

afterAll(async () => {
  await store.close();
  removeDir(dir);
});

const MINUTE = 60_000;
/** The first chunk of the spans: two hours ago, on a chunk boundary. */
const T = Math.floor((Date.now() - 2 * 3_600_000) / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
const MINUTES = 40;

interface Span {
  trace: string;
  id: string;
  parent: string;
  service: string;
  atMs: number;
  ms: number;
  error?: boolean;
}

/**
 * Per minute i of MINUTES, one trace: front calls api (i + 1 ms, an error every fifth
 * minute), api calls db twice and does internal work (not a call), and every tenth minute
 * a trace whose api span starts in the next chunk, after its parent in front.
 */
function spans(): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < MINUTES; i++) {
    const at = T + i * MINUTE + 10_000;
    const t = `trace-${i}`;
    out.push(
      { trace: t, id: `r${i}`, parent: '', service: 'front', atMs: at, ms: 50 },
      {
        trace: t,
        id: `c${i}`,
        parent: `r${i}`,
        service: 'api',
        atMs: at + 30_000,
        ms: i + 1,
        error: i % 5 === 0,
      },
      { trace: t, id: `d${i}`, parent: `c${i}`, service: 'db', atMs: at + 30_001, ms: 2 },
      { trace: t, id: `e${i}`, parent: `c${i}`, service: 'db', atMs: at + 30_002, ms: 3 },
      { trace: t, id: `x${i}`, parent: `c${i}`, service: 'api', atMs: at + 30_003, ms: 1 },
    );
    if (i % 10 === 9) {
      const u = `trace-late-${i}`;
      const end = T + (i + 1) * MINUTE;
      out.push(
        { trace: u, id: 'r', parent: '', service: 'front', atMs: end - 500, ms: 9 },
        { trace: u, id: 'c', parent: 'r', service: 'api', atMs: end + 500, ms: 7 },
      );
    }
  }
  return out;
}

async function insertSpans(org: string, list: readonly Span[]): Promise<void> {
  await store.prepareOrg(org);
  if (list.length === 0) return;
  const values = list.map(
    (s) =>
      `(fromUnixTimestamp64Milli(${s.atMs}), '${s.trace}', '${s.id}', '${s.parent}', 'op', '${s.service}', ${s.ms * 1_000_000}, '${s.error ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET'}')`,
  );
  await store.command(
    org,
    `INSERT INTO {db:Identifier}.otel_traces
      (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration, StatusCode)
    VALUES ${values.join(', ')}`,
    {},
  );
}

const edges = (org: string, fromMs: number, toMs: number) =>
  serviceEdges(store, org, { fromMs, toMs }, PARENT_LEAD_MS, {});

/** Each roll-up is a newer version of a chunk's rows. */
let version = Date.now();
const roll = (org: string, chunk: number) =>
  rollEdgeChunk(store, org, chunk, PARENT_LEAD_MS, ++version);

describe('service map rollup', () => {
  const org = 'edges';
  /** Not on minute boundaries: the partial minutes at both ends are read from the spans. */
  const range = { fromMs: T + 5_000, toMs: T + MINUTES * MINUTE - 15_000 };
  const whole = { fromMs: T, toMs: T + MINUTES * MINUTE };

  it('gives the calls of the spans, from rolled minutes and spans alike', async () => {
    await insertSpans(org, spans());
    const fromSpans = await edges(org, range.fromMs, range.toMs);
    const wholeFromSpans = await edges(org, whole.fromMs, whole.toMs);
    // Known answer: front -> api once a minute and for three late traces (the fourth's call
    // is after the range); api -> db twice a minute; api's internal spans are no calls.
    const late = 3;
    expect(
      fromSpans.map(({ caller, callee, calls, errors }) => [caller, callee, calls, errors]),
    ).toEqual([
      ['api', 'db', 2 * MINUTES, 0],
      ['front', 'api', MINUTES + late, MINUTES / 5],
    ]);
    expect(wholeFromSpans.map((e) => e.calls)).toEqual([2 * MINUTES, MINUTES + late]);

    // The second chunk rolled up, then a late call into it: a read does not count the call
    // yet, so it took that chunk's minutes from the rollup, and the rest from the spans.
    await roll(org, T + EDGE_CHUNK_MS);
    await insertSpans(org, [
      {
        trace: 'trace-15',
        id: 'late',
        parent: 'r15',
        service: 'api',
        atMs: T + 15 * MINUTE + 20_000,
        ms: 4,
      },
    ]);
    expect(await edges(org, range.fromMs, range.toMs)).toEqual(fromSpans);
    // Rolled up again (as after late spans, a retry, or by a second Gridscope): the new
    // rows replace the old ones, so the late call counts and nothing counts twice.
    await roll(org, T + EDGE_CHUNK_MS);
    const withLate = await edges(org, range.fromMs, range.toMs);
    expect(withLate.map((e) => [e.caller, e.callee, e.calls, e.errors])).toEqual([
      ['api', 'db', 2 * MINUTES, 0],
      ['front', 'api', MINUTES + late + 1, MINUTES / 5],
    ]);

    // The other chunks, newest first, then no spans at all: whole minutes read the rollup alone.
    const pending = await pendingEdgeChunks(store, org, whole);
    expect(pending).toEqual([T + 3 * EDGE_CHUNK_MS, T + 2 * EDGE_CHUNK_MS, T]);
    for (const chunk of pending) await roll(org, chunk);
    expect(await pendingEdgeChunks(store, org, whole)).toEqual([]);
    expect((await rolledMinutes(store, org, whole)).size).toBe(MINUTES);
    const wholeWithLate = await edges(org, whole.fromMs, whole.toMs);
    expect(wholeWithLate.map((e) => e.calls)).toEqual([2 * MINUTES, MINUTES + late + 1]);
    await store.command(org, 'TRUNCATE TABLE {db:Identifier}.otel_traces', {});
    expect(await edges(org, whole.fromMs, whole.toMs)).toEqual(wholeWithLate);
    // The partial minutes at the ends have no spans left.
    const ends = await edges(org, range.fromMs, range.toMs);
    expect(ends.map((e) => e.calls)).toEqual([2 * (MINUTES - 2), MINUTES + late + 1 - 2]);
    expect(wholeFromSpans.map((e) => e.calls)).toEqual([2 * MINUTES, MINUTES + late]);
  });

  it('finds a call’s parent alike from its chunk’s roll-up and from its spans', async () => {
    const lead = 'lead';
    const C = T + 5 * EDGE_CHUNK_MS;
    // far's call comes 14m10s after its parent, which starts 5 minutes before the call's
    // chunk: found. next's call, in the chunk after, comes 11m30s after its parent, which
    // starts more than ten minutes before that chunk: not found. skew's parent starts 30 s
    // after its call (clocks apart), in the same chunk: found.
    await insertSpans(lead, [
      {
        trace: 'skew',
        id: 'p',
        parent: '',
        service: 'front',
        atMs: C + 9 * MINUTE + 50_000,
        ms: 1,
      },
      { trace: 'skew', id: 'c', parent: 'p', service: 'api', atMs: C + 9 * MINUTE + 20_000, ms: 5 },
      { trace: 'far', id: 'p', parent: '', service: 'front', atMs: C - 5 * MINUTE, ms: 9e5 },
      { trace: 'far', id: 'c', parent: 'p', service: 'api', atMs: C + 9 * MINUTE + 10_000, ms: 5 },
      { trace: 'next', id: 'p', parent: '', service: 'front', atMs: C - MINUTE, ms: 9e5 },
      {
        trace: 'next',
        id: 'c',
        parent: 'p',
        service: 'api',
        atMs: C + 10 * MINUTE + 30_000,
        ms: 5,
      },
    ]);
    const calls = async (fromMs: number, toMs: number) =>
      (await edges(lead, fromMs, toMs)).map((e) => [e.caller, e.callee, e.calls]);
    const want = [['front', 'api', 2]];
    // From the spans alone: a range starting just before far's call, one ending before
    // skew's parent, and both chunks.
    const reads = async () => {
      expect(await calls(C + 9 * MINUTE + 5_000, C + 12 * MINUTE)).toEqual(want);
      expect(await calls(C + 9 * MINUTE + 5_000, C + 9 * MINUTE + 30_000)).toEqual(want);
      expect(await calls(C, C + 2 * EDGE_CHUNK_MS)).toEqual(want);
    };
    await reads();
    // From the roll-ups, and from them with partial minutes of spans.
    await roll(lead, C);
    await roll(lead, C + EDGE_CHUNK_MS);
    await reads();
  });

  it('counts a call once per stored callee span when its parent was stored twice', async () => {
    // A sender that retries stores a batch again; the callee's copies are its calls (as the
    // service list counts them), each joined to one copy of its parent.
    const twice = 'twice';
    const C = T + EDGE_CHUNK_MS;
    const trace: Span[] = [
      { trace: 'resent', id: 'p', parent: '', service: 'front', atMs: C + MINUTE, ms: 9 },
      {
        trace: 'resent',
        id: 'c',
        parent: 'p',
        service: 'api',
        atMs: C + MINUTE + 1,
        ms: 5,
        error: true,
      },
    ];
    // Each insert differs from the others, as batches do, so the engine keeps every copy.
    const alone = (n: number): Span => ({
      trace: `alone-${n}`,
      id: 'a',
      parent: '',
      service: 'front',
      atMs: C + 2 * MINUTE,
      ms: 1,
    });
    await insertSpans(twice, trace);
    await insertSpans(twice, [...trace, alone(1)]);
    await insertSpans(twice, [trace[0]!, alone(2)]);
    const read = async () =>
      (await edges(twice, C, C + EDGE_CHUNK_MS)).map((e) => [
        e.caller,
        e.callee,
        e.calls,
        e.errors,
      ]);
    expect(await read()).toEqual([['front', 'api', 2, 2]]);
    await roll(twice, C);
    expect(await read()).toEqual([['front', 'api', 2, 2]]);
  });

  it('counts a chunk rolled up while the read runs once, from the spans', async () => {
    const racing = 'racing';
    await insertSpans(racing, spans());
    const fromSpans = await edges(racing, whole.fromMs, whole.toMs);
    await roll(racing, T + EDGE_CHUNK_MS);
    // A store on which the first chunk is rolled up right after the read has looked up the
    // rolled minutes (the second chunk's), before it reads the calls.
    let rolled = false;
    const racy = Object.create(store) as Store;
    racy.query = async (...args: Parameters<Store['query']>) => {
      const rows = await store.query(...args);
      if (!rolled) {
        rolled = true;
        await roll(racing, T);
      }
      return rows;
    };
    const read = await serviceEdges(racy, racing, whole, PARENT_LEAD_MS, {});
    expect(rolled).toBe(true);
    expect(read).toEqual(fromSpans);
    expect((await rolledMinutes(store, racing, whole)).size).toBe((2 * EDGE_CHUNK_MS) / MINUTE);
    expect(await edges(racing, whole.fromMs, whole.toMs)).toEqual(fromSpans);
  });

  it('marks rolled minutes without calls, so that reads skip their spans', async () => {
    const quiet = 'quiet';
    await insertSpans(quiet, []);
    await roll(quiet, T);
    expect((await rolledMinutes(store, quiet, whole)).size).toBe(EDGE_CHUNK_MS / MINUTE);
    expect(await edges(quiet, whole.fromMs, whole.toMs)).toEqual([]);
  });
});

/** Timers run only when the test says so. */
class ManualTimers implements Timers {
  readonly due: (() => void)[] = [];
  set(fn: () => void): unknown {
    this.due.push(fn);
    return fn;
  }
  clear(handle: unknown): void {
    const i = this.due.indexOf(handle as () => void);
    if (i >= 0) this.due.splice(i, 1);
  }
}

describe('the service map roller', () => {
  it('rolls settled chunks newest first, a few per pass, and none before its spans', async () => {
    const org = 'roller';
    await insertSpans(
      org,
      spans().filter((s) => s.atMs >= T + 5 * MINUTE),
    );
    // Forty-seven minutes after T with a five-minute delay: the chunks ending by T + 42 min
    // are settled, and the first, holding the first spans (from T + 5 min), is one of them.
    const clock = new ManualClock(T + 47 * MINUTE);
    const timers = new ManualTimers();
    // Where each pass starts looking for chunks not rolled up: the first minute it asks about.
    const searchedFrom: number[] = [];
    const watched = {
      prepareOrg: (o: string) => store.prepareOrg(o),
      command: store.command.bind(store),
      query: (o: string, sql: string, params: Record<string, unknown> = {}) => {
        if (sql.includes('SELECT DISTINCT')) searchedFrom.push(params.fromMs as number);
        return store.query(o, sql, params);
      },
    } as unknown as Store;
    const roller = new ServiceEdgeRoller(
      watched,
      () => Promise.resolve([org]),
      clock,
      timers,
      silentLog,
      {
        delayMs: 5 * MINUTE,
        lookbackMs: 0,
        chunksPerPass: 3,
        intervalMs: 60_000,
      },
    );
    const chunksRolled = async () =>
      [...(await rolledMinutes(store, org, { fromMs: 0, toMs: T + 3_600_000 }))]
        .filter((m) => m % EDGE_CHUNK_MS === 0)
        .map((m) => (m - T) / EDGE_CHUNK_MS)
        .sort((a, b) => a - b);
    expect(roller.pending).toBeNaN();
    expect(await roller.pass()).toBe(true);
    expect(await chunksRolled()).toEqual([1, 2, 3]);
    expect(roller.pending).toBe(1);
    expect(await roller.pass()).toBe(false);
    expect(await chunksRolled()).toEqual([0, 1, 2, 3]);
    expect(roller.pending).toBe(0);
    // Once ten more minutes have passed, the next chunk has settled too. Every chunk up to
    // T + 42 min being rolled, the pass looks from the chunk before that on.
    clock.advance(10 * MINUTE);
    expect(await roller.pass()).toBe(false);
    expect(await chunksRolled()).toEqual([0, 1, 2, 3, 4]);
    expect(searchedFrom.map((m) => (m - T) / MINUTE)).toEqual([0, 0, 30]);
    // A late call into a rolled chunk counts once the roller is told of its span; spans of
    // a chunk not settled yet need no second roll-up.
    const calls = async () =>
      (await edges(org, T, T + 50 * MINUTE)).find((e) => e.callee === 'api')?.calls;
    const before = await calls();
    const lateAt = T + 25 * MINUTE;
    await insertSpans(org, [
      { trace: 'trace-25', id: 'late', parent: 'r25', service: 'api', atMs: lateAt, ms: 4 },
    ]);
    expect(await calls()).toBe(before);
    roller.noteSpans(org, clock.now() - MINUTE, clock.now());
    roller.noteSpans(org, lateAt, lateAt);
    clock.advance(1);
    expect(await roller.pass()).toBe(false);
    expect(roller.pending).toBe(0);
    expect(await calls()).toBe(before! + 1);
    expect(await markedEdgeChunks(store, org, 0)).toEqual([]);
    // Started, it schedules a pass; stopped, it schedules none.
    roller.start();
    expect(timers.due.length).toBe(1);
    await roller.stop();
    expect(timers.due.length).toBe(0);
  });

  it('marks late chunks in the store, so that a restarted roller rolls them up again', async () => {
    const org = 'restart';
    await insertSpans(org, spans());
    const clock = new ManualClock(T + 47 * MINUTE);
    const opts = { delayMs: 5 * MINUTE, lookbackMs: 0, chunksPerPass: 10, intervalMs: 60_000 };
    const roller = () =>
      new ServiceEdgeRoller(
        store,
        () => Promise.resolve([org]),
        clock,
        new ManualTimers(),
        silentLog,
        opts,
      );
    const first = roller();
    expect(await first.pass()).toBe(false);
    // Calls in the first four chunks, all rolled up.
    const calls = async () =>
      (await edges(org, T, T + 40 * MINUTE)).find((e) => e.callee === 'api')?.calls;
    const before = await calls();
    /** A late api span of minute i's trace, called by its front span, at minute `at`. */
    const lateCall = (i: number, at: number): Span => ({
      trace: `trace-${i}`,
      id: 'late',
      parent: `r${i}`,
      service: 'api',
      atMs: T + at * MINUTE,
      ms: 4,
    });
    // Late spans in the third chunk (settled) and in the fifth (not settled until T + 55 min).
    await insertSpans(org, [lateCall(25, 25), lateCall(39, 43)]);
    first.noteSpans(org, T + 25 * MINUTE, T + 43 * MINUTE);
    // Stopped before its next pass, the roller has marked the settled chunks the spans
    // started in, from the third to the fourth.
    await first.stop();
    expect(await markedEdgeChunks(store, org, 0)).toEqual([
      T + 3 * EDGE_CHUNK_MS,
      T + 2 * EDGE_CHUNK_MS,
    ]);
    expect(await calls()).toBe(before);
    // Another roller, as after a restart, rolls the marked chunks up again, once.
    clock.advance(1);
    const second = roller();
    expect(await second.pass()).toBe(false);
    expect(await calls()).toBe(before! + 1);
    expect(await markedEdgeChunks(store, org, 0)).toEqual([]);
    // Marked again by later spans: rolled up again, counting each call once.
    await insertSpans(org, [lateCall(26, 26)]);
    clock.advance(1);
    second.noteSpans(org, T + 26 * MINUTE, T + 26 * MINUTE);
    await second.stop();
    expect(await markedEdgeChunks(store, org, 0)).toEqual([T + 2 * EDGE_CHUNK_MS]);
    clock.advance(1);
    expect(await roller().pass()).toBe(false);
    expect(await calls()).toBe(before! + 2);
    expect(await markedEdgeChunks(store, org, 0)).toEqual([]);
  });
});
