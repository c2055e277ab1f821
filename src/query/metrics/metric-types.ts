import { systemClock, type Clock } from '../../lib/clock.js';
import type { QueryOptions, Store } from '../../store/index.js';
import { metricKinds, type MetricKindRow } from '../../store/queries/metrics.js';

/** Past the last time a DateTime64(9) holds (2262), so "every point" as a time range. */
const ALL_TIME = { fromMs: 0, toMs: 9_000_000_000_000 };

export interface MetricTypesOptions {
  /** How long a metric's types are kept after they were read; 0 reads them every time. */
  ttlMs: number;
  /** Most metrics kept; those read from the store longest ago go first. */
  maxEntries?: number;
  clock?: Clock;
}

/** A metric's point types over every stored point, and whether they came from memory. */
export interface KnownTypes {
  kinds: MetricKindRow[];
  cached: boolean;
}

/**
 * The point types each metric has over all its stored points, kept in memory per
 * organization and metric for `ttlMs`. A series read needs its metric's type before it can
 * read anything, and looking it up in its range (one row of each of five tables) was about
 * a sixth of a day's histogram read; nearly every metric has one type, which then answers
 * for any range and service. A metric that gets points of a second type is read as its
 * first type until its entry expires; a read that names the type is never held to the
 * entry. Metrics without points are not kept, so a new metric is seen at once.
 */
export class MetricTypes {
  private readonly entries = new Map<string, { kinds: MetricKindRow[]; at: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(opts: MetricTypesOptions) {
    this.ttlMs = opts.ttlMs;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** The metric's types, from memory unless `fresh` (then read, and kept again). */
  async lookup(
    store: Store,
    org: string,
    metric: string,
    opts: QueryOptions,
    fresh = false,
  ): Promise<KnownTypes> {
    const key = JSON.stringify([org, metric]);
    const hit = this.entries.get(key);
    const now = this.clock.now();
    if (hit && !fresh && now - hit.at < this.ttlMs) return { kinds: hit.kinds, cached: true };
    const kinds = await metricKinds(store, org, { metric, ...ALL_TIME }, opts);
    this.entries.delete(key);
    if (kinds.length > 0 && this.ttlMs > 0) {
      this.entries.set(key, { kinds, at: now });
      for (const oldest of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries) break;
        this.entries.delete(oldest);
      }
    }
    return { kinds, cached: false };
  }

  /** Forgets every metric (an organization was deleted, and may be made again). */
  clear(): void {
    this.entries.clear();
  }
}
