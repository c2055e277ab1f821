// Public API of the collectors (scrape jobs).
export { Collectors, MAX_COLLECTORS_PER_ORG, type CollectorStorage } from './collectors.js';
export {
  ScrapeScheduler,
  systemTimers,
  NO_SCRAPE,
  type MetricsSink,
  type ScrapeJob,
  type ScrapeState,
  type SchedulerOptions,
  type SinkResult,
  type Timers,
} from './scheduler.js';
export { pipelineSink, storedSeriesReader } from './pipeline-sink.js';
export {
  fetchTarget,
  ACCEPT,
  MAX_SCRAPE_BYTES,
  ScrapeError,
  type FetchFn,
  type FetchedBody,
} from './fetch-target.js';
export {
  parseExposition,
  parseValue,
  formatOf,
  ExpositionError,
  type Exposition,
  type ExpositionFormat,
  type MetricFamily,
  type MetricType,
  type Sample,
} from './prometheus-parse.js';
export {
  toMetricsRequest,
  instanceOf,
  ConversionError,
  SCOPE_NAME,
  type ScrapeRequest,
  type ScrapeTarget,
} from './to-otlp.js';
export { SeriesStarts } from './series-starts.js';
export {
  Collector,
  CollectorId,
  CollectorStatus,
  collectorInputs,
  effectiveTimeoutMs,
  COLLECTOR_ID,
  DEFAULT_INTERVAL_LIMITS,
  DEFAULT_TIMEOUT_MS,
  MAX_LABELS,
  type CreateCollector,
  type IntervalLimits,
  type UpdateCollector,
} from './schemas.js';
