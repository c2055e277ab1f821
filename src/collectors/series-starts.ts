/** Where a cumulative series was at a scrape: its start, the point's time and its value. */
export interface Seen {
  startMs: number;
  timeMs: number;
  value: number;
}

/** A series' identity: its metric name and its attributes, sorted by name. */
export function seriesKey(
  name: string,
  attributes: readonly (readonly [string, string])[],
): string {
  return JSON.stringify([name, attributes]);
}

/**
 * Start times of one collector's cumulative series (counters, histograms, summaries),
 * which the exposition formats do not carry unless OpenMetrics sends `_created`: a series
 * starts when this collector first sees it, and again after its value goes down (a reset
 * of the target), just after the previous scrape. A series missing from a scrape is
 * forgotten, so it starts anew when it comes back. Series stored by an earlier process
 * can be taken up where they were (resume), so that a restart does not start them anew.
 */
export class SeriesStarts {
  private seen = new Map<string, Seen>();
  private next = new Map<string, Seen>();
  /** The newest own timestamp of each sample that carried one, as at the last scrape. */
  private times = new Map<string, number>();
  private nextTimes = new Map<string, number>();

  /**
   * Whether a sample with its own timestamp is newer than the last one of its series (by
   * `key`, its name and labels) that this collector stored; remembered from the scrape on.
   */
  fresh(key: string, timestampMs: number): boolean {
    const last = this.nextTimes.get(key) ?? this.times.get(key);
    const newer = last === undefined || timestampMs > last;
    this.nextTimes.set(key, newer ? timestampMs : last);
    return newer;
  }

  /** The start, in milliseconds, of a series' point at `timeMs` with `value`. */
  start(key: string, timeMs: number, value: number): number {
    const prev = this.seen.get(key);
    let startMs: number;
    if (prev === undefined) startMs = timeMs;
    else if (value < prev.value) startMs = Math.min(prev.timeMs + 1, timeMs);
    else startMs = prev.startMs;
    this.next.set(key, { startMs, timeMs, value });
    return startMs;
  }

  /**
   * A series whose point this scrape leaves out (served again with its own, unchanged
   * timestamp) is still there: it stays where it was, rather than being forgotten.
   */
  keep(key: string): void {
    const prev = this.seen.get(key);
    if (prev !== undefined && !this.next.has(key)) this.next.set(key, prev);
  }

  /** Ends a scrape whose points were stored: its series are remembered, the others forgotten. */
  commit(): void {
    this.seen = this.next;
    this.next = new Map();
    this.times = this.nextTimes;
    this.nextTimes = new Map();
  }

  /**
   * Ends a scrape whose points were not stored (it could not be converted, or storing
   * failed): everything stays as the last stored scrape left it, so the next scrape sends
   * its samples again.
   */
  rollback(): void {
    this.next = new Map();
    this.nextTimes = new Map();
  }

  /** Remembers series as a last scrape left them, unless they are remembered already. */
  resume(series: Iterable<readonly [string, Seen]>): void {
    for (const [key, seen] of series) if (!this.seen.has(key)) this.seen.set(key, seen);
  }

  /** Series remembered from the last scrape. */
  get size(): number {
    return this.seen.size;
  }
}
