import type { Clock } from '../lib/clock.js';
import { toAppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import {
  fetchErrorText,
  fetchTarget,
  MAX_SCRAPE_BYTES,
  ScrapeError,
  type FetchFn,
} from './fetch-target.js';
import { ExpositionError, formatOf, parseExposition } from './prometheus-parse.js';
import { SeriesStarts, seriesKey, type Seen } from './series-starts.js';
import { ConversionError, instanceOf, toMetricsRequest } from './to-otlp.js';

/** Timers the scheduler sets; the system's in production, manual ones in tests. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Timers that do not keep the process alive. */
export const systemTimers: Timers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** What storing a scrape's request came to: points stored and points refused, with why. */
export interface SinkResult {
  accepted: number;
  rejected: number;
  message: string;
}

/**
 * Stores an ExportMetricsServiceRequest for an organization through the OTLP converter,
 * resolving once its rows are committed.
 */
export type MetricsSink = (org: string, request: Uint8Array) => Promise<SinkResult>;

/** One collector as the scheduler runs it. */
export interface ScrapeJob {
  org: string;
  id: string;
  /** The definition's row version: an older one never replaces a newer one. */
  version: number;
  url: string;
  intervalMs: number;
  timeoutMs: number;
  serviceName: string;
  labels: Readonly<Record<string, string>>;
}

/** The outcome of a collector's last scrape; times are Unix milliseconds, all null before one. */
export interface ScrapeState {
  lastScrapeAt: number | null;
  lastSuccessAt: number | null;
  durationMs: number | null;
  samples: number | null;
  error: string | null;
}

export const NO_SCRAPE: ScrapeState = {
  lastScrapeAt: null,
  lastSuccessAt: null,
  durationMs: null,
  samples: null,
  error: null,
};

/** A cumulative series as a collector's last stored scrape left it. */
export interface StoredSeries extends Seen {
  name: string;
  /** Sorted by name. */
  attributes: readonly (readonly [string, string])[];
}

export interface SchedulerOptions {
  clock: Clock;
  timers: Timers;
  fetch: FetchFn;
  sink: MetricsSink;
  log: Logger;
  userAgent: string;
  maxResponseBytes?: number;
  /**
   * Where a collector's cumulative series were at its last stored scrape, read before the
   * first scrape of a collector in this process, so that their start times carry on.
   */
  storedSeries?: (job: ScrapeJob) => Promise<StoredSeries[]>;
  /**
   * Unix ms before which a sample's own timestamp is out of bounds (the retention of
   * metrics): such samples are left out, as Prometheus leaves them out, rather than
   * refused by the store and reported as a failed scrape.
   */
  oldestMs?: () => number;
}

interface Running {
  job: ScrapeJob;
  timer: unknown;
  /** When the next scrape is due. */
  dueAt: number;
  inFlight: Promise<void> | null;
  abort: AbortController | null;
  removed: boolean;
  starts: SeriesStarts;
  /** The stored series are still to be taken up (before the first scrape of the target). */
  resume: boolean;
  /** The target changed during a scrape: scrape it again as soon as that one has ended. */
  again: boolean;
  state: ScrapeState;
}

const key = (org: string, id: string) => `${org}/${id}`;

/** The reason a scrape was aborted by its timeout, told apart from other aborts. */
class TimeoutReason extends Error {}

/**
 * Runs scrape jobs: one timer per collector, firing every interval from its first scrape
 * (which is right away). A collector is never scraped twice at once: a tick that finds
 * the previous scrape still running is skipped. The state of each collector's last scrape
 * is kept in memory.
 */
export class ScrapeScheduler {
  private readonly jobs = new Map<string, Running>();
  /** Deleted collectors; ids are never reused, so a stale definition cannot bring one back. */
  private readonly removed = new Set<string>();
  private stopped = false;
  private readonly maxBytes: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.maxBytes = opts.maxResponseBytes ?? MAX_SCRAPE_BYTES;
  }

  /** Starts scraping a collector, or applies a newer definition of one. */
  upsert(job: ScrapeJob): void {
    const k = key(job.org, job.id);
    if (this.stopped || this.removed.has(k)) return;
    const now = this.opts.clock.now();
    const r = this.jobs.get(k);
    if (!r) {
      const fresh: Running = {
        job,
        timer: undefined,
        dueAt: now,
        inFlight: null,
        abort: null,
        removed: false,
        starts: new SeriesStarts(),
        resume: true,
        again: false,
        state: NO_SCRAPE,
      };
      this.jobs.set(k, fresh);
      this.arm(fresh, 0);
      return;
    }
    if (job.version <= r.job.version) return;
    const before = r.job;
    r.job = job;
    if (job.url !== before.url || job.serviceName !== before.serviceName) {
      // Another target, or its series under another service: they start anew, as series
      // first seen now, rather than going on from where the old ones were.
      r.starts = new SeriesStarts();
      r.resume = false;
    }
    if (job.url !== before.url) {
      // Another target is scraped right away; a scrape of the old one still running is
      // given up (nothing of it is stored) and the new one follows as soon as it has ended.
      r.dueAt = now;
      if (r.inFlight) {
        r.again = true;
        r.abort?.abort(new Error('collector changed'));
        return;
      }
    } else {
      r.dueAt = Math.max(now, r.dueAt - before.intervalMs + job.intervalMs);
    }
    this.arm(r, r.dueAt - now);
  }

  /** Stops scraping a collector for good; a scrape in flight is aborted and not stored. */
  remove(org: string, id: string): void {
    const k = key(org, id);
    this.removed.add(k);
    const r = this.jobs.get(k);
    if (!r) return;
    this.jobs.delete(k);
    this.retire(r);
  }

  /** Stops the collectors of organizations for which `keep` says no. */
  retain(keep: (org: string) => boolean): void {
    for (const r of [...this.jobs.values()]) {
      if (!keep(r.job.org)) this.remove(r.job.org, r.job.id);
    }
  }

  /** The last scrape of a collector (all null before its first). */
  state(org: string, id: string): ScrapeState {
    return this.jobs.get(key(org, id))?.state ?? NO_SCRAPE;
  }

  /** Collectors being scraped. */
  get size(): number {
    return this.jobs.size;
  }

  /** Stops every timer, aborts the scrapes in flight and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.jobs.values()];
    this.jobs.clear();
    for (const r of running) this.retire(r);
    await Promise.all(running.flatMap((r) => (r.inFlight ? [r.inFlight] : [])));
  }

  private retire(r: Running): void {
    r.removed = true;
    if (r.timer !== undefined) this.opts.timers.clear(r.timer);
    r.timer = undefined;
    r.abort?.abort(new Error('collector stopped'));
  }

  private arm(r: Running, delayMs: number): void {
    if (r.timer !== undefined) this.opts.timers.clear(r.timer);
    r.timer = this.opts.timers.set(() => this.tick(r), Math.max(0, delayMs));
  }

  private tick(r: Running): void {
    r.timer = undefined;
    if (r.removed) return;
    const now = this.opts.clock.now();
    // The rhythm does not depend on how long scrapes take; missed ticks are not made up.
    const interval = r.job.intervalMs;
    r.dueAt += interval;
    if (r.dueAt <= now) r.dueAt = now + interval - ((now - r.dueAt) % interval);
    this.arm(r, r.dueAt - now);
    if (r.inFlight) {
      this.opts.log.debug(
        { org: r.job.org, collector: r.job.id },
        'scrape skipped: previous one still running',
      );
      return;
    }
    r.inFlight = this.scrape(r).finally(() => {
      r.inFlight = null;
      if (r.again && !r.removed) {
        r.again = false;
        r.dueAt = this.opts.clock.now();
        this.arm(r, 0);
      }
    });
  }

  /** Takes up where the collector's series were at its last stored scrape, if it can. */
  private async resume(r: Running): Promise<void> {
    r.resume = false;
    const stored = this.opts.storedSeries;
    if (!stored) return;
    const starts = r.starts;
    try {
      const series = await stored(r.job);
      starts.resume(
        series.map(
          (p) =>
            [
              seriesKey(p.name, p.attributes),
              { startMs: p.startMs, timeMs: p.timeMs, value: p.value },
            ] as const,
        ),
      );
    } catch (err) {
      this.opts.log.warn(
        { err, org: r.job.org, collector: r.job.id },
        'could not read where the stored series were; they start anew',
      );
    }
  }

  private async scrape(r: Running): Promise<void> {
    if (r.resume) await this.resume(r);
    const job = r.job;
    const starts = r.starts;
    // A collector deleted, or pointed elsewhere, while its target answered keeps nothing.
    const stale = () => r.removed || r.job.url !== job.url;
    const { clock, timers } = this.opts;
    const started = clock.now();
    const abort = new AbortController();
    r.abort = abort;
    const timeout = timers.set(
      () => abort.abort(new TimeoutReason(`timed out after ${job.timeoutMs} ms`)),
      job.timeoutMs,
    );
    let samples: number | null = null;
    let error: string | null = null;
    try {
      const body = await fetchTarget(this.opts.fetch, job.url, {
        signal: abort.signal,
        maxBytes: this.maxBytes,
        timeoutMs: job.timeoutMs,
        userAgent: this.opts.userAgent,
      });
      const exposition = parseExposition(body.text, formatOf(body.contentType));
      samples = exposition.samples;
      const { request } = toMetricsRequest(
        exposition,
        {
          collectorId: job.id,
          serviceName: job.serviceName,
          instance: instanceOf(job.url),
          labels: job.labels,
        },
        started,
        starts,
        this.opts.oldestMs?.() ?? 0,
      );
      timers.clear(timeout);
      if (stale()) {
        starts.rollback();
        return;
      }
      const stored = await this.opts.sink(job.org, request).catch((err: unknown) => {
        // Nothing of the scrape is stored: the next one sends its samples again.
        starts.rollback();
        throw new ScrapeError(`storing failed: ${toAppError(err).message}`);
      });
      starts.commit();
      if (stored.rejected > 0) {
        error = `${stored.rejected} of ${stored.accepted + stored.rejected} points refused: ${stored.message}`;
      }
    } catch (err) {
      error = scrapeErrorText(err, abort.signal);
      this.opts.log.debug({ err, org: job.org, collector: job.id }, 'scrape failed');
    } finally {
      timers.clear(timeout);
      r.abort = null;
    }
    if (stale()) return;
    r.state = {
      lastScrapeAt: started,
      lastSuccessAt: error === null ? started : r.state.lastSuccessAt,
      durationMs: clock.now() - started,
      samples,
      error,
    };
  }
}

function scrapeErrorText(err: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof TimeoutReason) return signal.reason.message;
  if (err instanceof ExpositionError) return `invalid exposition: ${err.message}`;
  if (err instanceof ConversionError) return `invalid exposition: ${err.message}`;
  if (err instanceof ScrapeError) return err.message;
  return fetchErrorText(err);
}
