import type { OtlpPipeline } from '../ingest/otlp/index.js';
import type { Store } from '../store/index.js';
import type { MetricsSink } from './scheduler.js';

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
