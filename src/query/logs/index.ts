// Public API of the log reads.
export { searchLogs, DEFAULT_LOG_PAGE, MAX_LOG_PAGE, type LogSearch } from './search-logs.js';
export {
  logHistogram,
  formatStep,
  defaultStep,
  bucketSpan,
  DEFAULT_BUCKETS,
  MAX_BUCKETS,
  type LogHistogramQuery,
} from './log-histogram.js';
export {
  logFilter,
  MAX_SERVICES,
  MAX_SERVICE_LENGTH,
  MAX_TEXT_LENGTH,
  type LogFilterInput,
} from './log-filter.js';
export { rfc3339Nanos, toLogRecord } from './log-record.js';
export { severityLevel, parseMinSeverity, SEVERITY_LEVELS } from './severity.js';
export { LogRecord, LogPage, LogHistogram, LogHistogramBucket, SeverityLevel } from './schemas.js';
