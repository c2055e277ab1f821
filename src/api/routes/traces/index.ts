import type { RouteRegistrar } from '../../route.js';
import { registerGetTrace } from './get-trace.js';
import { registerListServices } from './list-services.js';
import { registerSearchTraces } from './search-traces.js';
import { registerServiceMap } from './service-map.js';
import { registerServiceMetrics } from './service-metrics.js';

/** The traces and services endpoints under /api/v1/monitoring, one file each. */
export const TRACE_ROUTES: readonly RouteRegistrar[] = [
  registerSearchTraces,
  registerGetTrace,
  // The map before any route that could take `map` for a parameter.
  registerServiceMap,
  registerListServices,
  registerServiceMetrics,
];
