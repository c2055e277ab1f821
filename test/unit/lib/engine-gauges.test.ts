import { describe, expect, it } from 'vitest';
import { EngineMemoryGauges } from '../../../src/lib/engine-gauges.js';
import { Registry } from '../../../src/lib/metrics.js';
import type { EngineMemory } from '../../../src/store/index.js';

const figures = (n: number): EngineMemory => ({
  tracked: n,
  merges: n + 1,
  caches: n + 2,
  marks: n + 3,
  primaryIndex: n + 4,
});

/** The value of each of the registry's gauges. */
function gauges(registry: Registry): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of registry.render().matchAll(/^(gridscope_store_\w+) (\S+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

describe('EngineMemoryGauges', () => {
  it('shows the figures of the last read, NaN before the first', async () => {
    const registry = new Registry();
    let next = 100;
    const g = new EngineMemoryGauges(() => Promise.resolve(figures(next)), registry);
    expect(Object.values(gauges(registry))).toHaveLength(5);
    expect(Object.values(gauges(registry)).every(Number.isNaN)).toBe(true);
    await g.refresh();
    expect(gauges(registry)).toEqual({
      gridscope_store_memory_tracked_bytes: 100,
      gridscope_store_merge_memory_bytes: 101,
      gridscope_store_cache_bytes: 102,
      gridscope_store_mark_cache_bytes: 103,
      gridscope_store_primary_index_cache_bytes: 104,
    });
    next = 200;
    await g.refresh();
    expect(gauges(registry).gridscope_store_memory_tracked_bytes).toBe(200);
  });

  it('keeps the last figures when a read fails or is slow, and shares one read', async () => {
    const registry = new Registry();
    let reads = 0;
    const answers: ((m: EngineMemory) => void)[] = [];
    const outcomes: (() => Promise<EngineMemory>)[] = [
      () => Promise.resolve(figures(7)),
      () => Promise.reject(new Error('engine gone')),
      () => new Promise<EngineMemory>((resolve) => answers.push(resolve)),
      () => new Promise<EngineMemory>((resolve) => answers.push(resolve)),
    ];
    const g = new EngineMemoryGauges(() => outcomes[reads++]!(), registry, 20);
    await g.refresh();
    await g.refresh();
    expect(gauges(registry).gridscope_store_memory_tracked_bytes).toBe(7);
    // The third read does not answer: two scrapes at once share it, wait 20 ms and show
    // the last figures.
    await Promise.all([g.refresh(), g.refresh()]);
    expect(reads).toBe(3);
    expect(gauges(registry).gridscope_store_memory_tracked_bytes).toBe(7);
    // A scrape after that wait starts a fourth read rather than wait on the stuck one.
    await g.refresh();
    expect(reads).toBe(4);
    // The fourth answers, then the stuck third: the newer figures stay.
    answers[1]!(figures(9));
    await new Promise((r) => setTimeout(r, 0));
    expect(gauges(registry).gridscope_store_memory_tracked_bytes).toBe(9);
    answers[0]!(figures(8));
    await new Promise((r) => setTimeout(r, 0));
    expect(gauges(registry).gridscope_store_memory_tracked_bytes).toBe(9);
  });
});
