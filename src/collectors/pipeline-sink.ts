import type { OtlpPipeline } from '../ingest/otlp/index.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/index.js';
import { lastCollectorPoints } from '../store/queries/collector-series.js';
import type { MetricsSink, ScrapeJob, StoredSeries } from './scheduler.js';
import { instanceOf } from './to-otlp.js';

/**
 * Stores scraped metrics the way an OTLP export is stored: the same converter to rows
 * (metricsToRows, with its checks and the retention cut-off), the same batched writes.
 */
export function pipelineSink(pipeline: OtlpPipeline, store: Store): MetricsSink {
  return async (org, request) => {
    const converted = pipeline.convert('metrics', request);
    if (converted.accepted > 0) await store.write(org, converted.parts);
    return {
      accepted: converted.accepted,
      rejected: converted.rejected,
      message: converted.message,
    };
  };
}

/** How far back a collector's stored series are looked for when its scraping starts. */
export const RESUME_LOOKBACK_MS = 3_600_000;

/**
 * Reads where a collector's cumulative series were at its last scrape stored within
 * RESUME_LOOKBACK_MS: a longer stop starts them anew.
 */
export function storedSeriesReader(
  store: Store,
  clock: Clock,
): (job: ScrapeJob) => Promise<StoredSeries[]> {
  return async (job) => {
    await store.prepareOrg(job.org);
    return lastCollectorPoints(store, job.org, {
      collectorId: job.id,
      serviceName: job.serviceName,
      instance: instanceOf(job.url),
      sinceMs: clock.now() - RESUME_LOOKBACK_MS,
      intervalMs: job.intervalMs,
    });
  };
}
