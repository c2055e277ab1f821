import type { EngineMemory } from '../store/index.js';
import type { Registry } from './metrics.js';

/** How long a scrape waits for the engine's figures before it shows the last ones. */
export const ENGINE_READ_TIMEOUT_MS = 2000;

const GAUGES: [keyof EngineMemory, string, string][] = [
  [
    'tracked',
    'gridscope_store_memory_tracked_bytes',
    'Memory the ClickHouse engine tracks for its queries, inserts, merges and caches.',
  ],
  [
    'merges',
    'gridscope_store_merge_memory_bytes',
    'Memory of the ClickHouse engine background merges and mutations.',
  ],
  [
    'caches',
    'gridscope_store_cache_bytes',
    'Bytes held by all the ClickHouse engine caches (marks, primary index, conditions and others).',
  ],
  ['marks', 'gridscope_store_mark_cache_bytes', 'Bytes of the ClickHouse engine mark cache.'],
  [
    'primaryIndex',
    'gridscope_store_primary_index_cache_bytes',
    'Bytes of the ClickHouse engine primary index cache.',
  ],
];

/**
 * Gauges of the store engine's memory at /metrics, read from the engine when /metrics is
 * scraped (`refresh`). A read that fails or takes longer than `timeoutMs` leaves the last
 * figures (NaN before the first).
 */
export class EngineMemoryGauges {
  private last: EngineMemory = {
    tracked: NaN,
    merges: NaN,
    caches: NaN,
    marks: NaN,
    primaryIndex: NaN,
  };
  /**
   * The read scrapes share, until a scrape has waited for it as long as it waits (or it is
   * that old): then the next scrape starts another.
   */
  private inFlight: { read: Promise<void>; startedMs: number; waitedOut: boolean } | null = null;
  /** The order of the reads, so that a late answer does not replace a newer one. */
  private started = 0;
  private shown = 0;

  constructor(
    private readonly read: () => Promise<EngineMemory>,
    registry: Registry,
    private readonly timeoutMs = ENGINE_READ_TIMEOUT_MS,
  ) {
    for (const [key, name, help] of GAUGES) registry.gauge(name, help, () => this.last[key]);
  }

  /**
   * Reads the figures again; scrapes at once share one read, and one that has not answered
   * within the wait is left to finish on its own while the next scrape starts another.
   * Never throws.
   */
  async refresh(): Promise<void> {
    const now = performance.now();
    let entry = this.inFlight;
    if (entry === null || entry.waitedOut || now - entry.startedMs >= this.timeoutMs) {
      const n = ++this.started;
      const fresh = { startedMs: now, read: Promise.resolve(), waitedOut: false };
      fresh.read = this.read()
        .then((m) => {
          if (n > this.shown) {
            this.shown = n;
            this.last = m;
          }
        })
        .catch(() => undefined)
        .finally(() => {
          if (this.inFlight === fresh) this.inFlight = null;
        });
      this.inFlight = entry = fresh;
    }
    const shared = entry;
    let timer: NodeJS.Timeout | undefined;
    // A timer may fire a little before performance.now() has moved on by its delay, so
    // the read is marked as waited out rather than judged by its age alone.
    await Promise.race([
      shared.read,
      new Promise<void>(
        (resolve) =>
          (timer = setTimeout(() => {
            shared.waitedOut = true;
            resolve();
          }, this.timeoutMs)),
      ),
    ]);
    clearTimeout(timer);
  }
}
