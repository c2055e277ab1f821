// Public API of the trace and service reads.
export { searchTraces, type TraceSearch } from './search-traces.js';
export { getTrace, waterfall, TRACE_ID } from './get-trace.js';
export {
  listServices,
  serviceMetrics,
  serviceMap,
  MAX_OPERATIONS,
  PARENT_LEAD_MS,
} from './services.js';
export {
  TraceSummary,
  TraceSearchResult,
  Span,
  Trace,
  ServiceStats,
  ServiceList,
  ServiceMetrics,
  ServiceMap,
} from './schemas.js';
