import type { RouteRegistrar } from '../../route.js';

/** The metrics endpoints under /api/v1/monitoring, one file each. */
export const METRIC_ROUTES: readonly RouteRegistrar[] = [];
