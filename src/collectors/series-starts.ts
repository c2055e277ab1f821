interface Seen {
  startMs: number;
  timeMs: number;
  value: number;
}

/**
 * Start times of one collector's cumulative series (counters, histograms, summaries),
 * which the exposition formats do not carry unless OpenMetrics sends `_created`: a series
 * starts when this collector first sees it, and again after its value goes down (a reset
 * of the target), just after the previous scrape. A series missing from a scrape is
 * forgotten, so it starts anew when it comes back.
 */
export class SeriesStarts {
  private seen = new Map<string, Seen>();
  private next = new Map<string, Seen>();

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

  /** Ends a scrape: its series are remembered, the others forgotten. */
  commit(): void {
    this.seen = this.next;
    this.next = new Map();
  }

  /** Series remembered from the last scrape. */
  get size(): number {
    return this.seen.size;
  }
}
